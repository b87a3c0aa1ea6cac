/* x86 matmul micro-kernels (twins of ck_tile_portable; see ck_matmul.c for the panel layout).
 * AVX-512: 8 rows x 32 columns = 16 zmm accumulators, masked stores for the last panel.
 * AVX2: 6 rows x 16 columns = 12 ymm accumulators, run once per half panel. */
#include "ck_tile_avx512.h"
#ifdef CK_X86

#define NR CK_MATMUL_NR
#define CK_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,fma")))
#define CK_AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

INLINE CK_AVX512 void tile512(const int MR, const float *x, int64_t ldx, const float *p, int64_t kc,
                              float *y, int64_t ldy, __mmask16 m0, __mmask16 m1, int accumulate) {
    __m512 c0[8], c1[8];
    for (int i = 0; i < MR; i++) { c0[i] = _mm512_setzero_ps(); c1[i] = _mm512_setzero_ps(); }
    for (int64_t k = 0; k < kc; k++) {
        const __m512 b0 = _mm512_load_ps(p + k * NR), b1 = _mm512_load_ps(p + k * NR + 16);
        for (int i = 0; i < MR; i++) {
            const __m512 a = _mm512_set1_ps(x[i * ldx + k]);
            c0[i] = _mm512_fmadd_ps(a, b0, c0[i]);
            c1[i] = _mm512_fmadd_ps(a, b1, c1[i]);
        }
    }
    ck_store_rows512(MR, c0, c1, y, ldy, m0, m1, accumulate);
}

#define TILE512(MR) tile512(MR, x + m * ldx, ldx, panel, kc, y + m * ldy, ldy, m0, m1, accumulate)
CK_AVX512 void ck_tile_avx512(const float *x, int64_t ldx, const float *panel, int64_t kc,
                              float *y, int64_t ldy, int64_t M, int64_t nv, int accumulate) {
    __mmask16 m0, m1;
    ck_col_masks(nv, &m0, &m1);
    int64_t m = 0;
    CK_ROWS_BY_8(M, m, TILE512);
}

/* 6 x 16 block at panel column offset j0 (0 or 16); writes cols < cols. */
INLINE CK_AVX2 void tile256(const int MR, const float *x, int64_t ldx, const float *p, int64_t kc,
                            float *y, int64_t ldy, int cols, int accumulate) {
    __m256 c0[6], c1[6];
    for (int i = 0; i < MR; i++) { c0[i] = _mm256_setzero_ps(); c1[i] = _mm256_setzero_ps(); }
    for (int64_t k = 0; k < kc; k++) {
        const __m256 b0 = _mm256_load_ps(p + k * NR), b1 = _mm256_load_ps(p + k * NR + 8);
        for (int i = 0; i < MR; i++) {
            const __m256 a = _mm256_broadcast_ss(x + i * ldx + k);
            c0[i] = _mm256_fmadd_ps(a, b0, c0[i]);
            c1[i] = _mm256_fmadd_ps(a, b1, c1[i]);
        }
    }
    for (int i = 0; i < MR; i++) {
        float *yr = y + i * ldy;
        if (cols == 16) {
            if (accumulate) {
                c0[i] = _mm256_add_ps(c0[i], _mm256_loadu_ps(yr));
                c1[i] = _mm256_add_ps(c1[i], _mm256_loadu_ps(yr + 8));
            }
            _mm256_storeu_ps(yr, c0[i]);
            _mm256_storeu_ps(yr + 8, c1[i]);
        } else { /* the last panel of the range: go through a buffer so no column past n1 is touched */
            float t[16];
            _mm256_storeu_ps(t, c0[i]);
            _mm256_storeu_ps(t + 8, c1[i]);
            for (int j = 0; j < cols; j++) yr[j] = accumulate ? yr[j] + t[j] : t[j];
        }
    }
}

CK_AVX2 void ck_tile_avx2(const float *x, int64_t ldx, const float *panel, int64_t kc,
                          float *y, int64_t ldy, int64_t M, int64_t nv, int accumulate) {
    for (int half = 0; half < 2; half++) {
        const int j0 = 16 * half;
        const int cols = (int)(nv - j0 > 16 ? 16 : nv - j0);
        if (cols <= 0) break;
        const float *p = panel + j0;
        int64_t m = 0;
        for (; m + 6 <= M; m += 6) tile256(6, x + m * ldx, ldx, p, kc, y + m * ldy + j0, ldy, cols, accumulate);
        const float *xr = x + m * ldx;
        float *yr = y + m * ldy + j0;
        switch (M - m) {
        case 5: tile256(5, xr, ldx, p, kc, yr, ldy, cols, accumulate); break;
        case 4: tile256(4, xr, ldx, p, kc, yr, ldy, cols, accumulate); break;
        case 3: tile256(3, xr, ldx, p, kc, yr, ldy, cols, accumulate); break;
        case 2: tile256(2, xr, ldx, p, kc, yr, ldy, cols, accumulate); break;
        case 1: tile256(1, xr, ldx, p, kc, yr, ldy, cols, accumulate); break;
        default: break;
        }
    }
}

/* Twin of ck_transpose8_portable: 8x8 blocks through registers (unpack, shuffle, lane permute). */
CK_AVX2 void ck_transpose8_avx2(const float *rows, int64_t lds, float *panel, int64_t kc) {
    int64_t k = 0;
    for (; k + 8 <= kc; k += 8) {
        __m256 r0 = _mm256_loadu_ps(rows + 0 * lds + k), r1 = _mm256_loadu_ps(rows + 1 * lds + k);
        __m256 r2 = _mm256_loadu_ps(rows + 2 * lds + k), r3 = _mm256_loadu_ps(rows + 3 * lds + k);
        __m256 r4 = _mm256_loadu_ps(rows + 4 * lds + k), r5 = _mm256_loadu_ps(rows + 5 * lds + k);
        __m256 r6 = _mm256_loadu_ps(rows + 6 * lds + k), r7 = _mm256_loadu_ps(rows + 7 * lds + k);
        __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
        __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
        __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
        __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
        __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
        __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
        __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
        __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
        float *p = panel + k * NR;
        _mm256_storeu_ps(p + 0 * NR, _mm256_permute2f128_ps(s0, s4, 0x20));
        _mm256_storeu_ps(p + 1 * NR, _mm256_permute2f128_ps(s1, s5, 0x20));
        _mm256_storeu_ps(p + 2 * NR, _mm256_permute2f128_ps(s2, s6, 0x20));
        _mm256_storeu_ps(p + 3 * NR, _mm256_permute2f128_ps(s3, s7, 0x20));
        _mm256_storeu_ps(p + 4 * NR, _mm256_permute2f128_ps(s0, s4, 0x31));
        _mm256_storeu_ps(p + 5 * NR, _mm256_permute2f128_ps(s1, s5, 0x31));
        _mm256_storeu_ps(p + 6 * NR, _mm256_permute2f128_ps(s2, s6, 0x31));
        _mm256_storeu_ps(p + 7 * NR, _mm256_permute2f128_ps(s3, s7, 0x31));
    }
    for (; k < kc; k++)
        for (int r = 0; r < 8; r++) panel[k * NR + r] = rows[r * lds + k];
}
#endif
