/* AVX2 int8 micro-kernel (twin of the inner loops of ck_matmul_int8_ref, like ck_matmul_vnni.c).
 * AVX2 has no vpdpbusd; vpmaddubsw would saturate its int16 pair sums on Q8_0 (255 * 127 * 2 > 32767),
 * so weights are widened to int16 once per panel and vpmaddwd sums pairs of products exactly into int32.
 * Per group of G weights: int32 sums, then f += (float(i) * s) * d_x + o * dsum_x, the reference's order.
 * Half a panel (16 columns) at a time, MR = 3 rows: 6 int32 + 6 f32 accumulators, 2 weights, 1 broadcast. */
#include "ck_internal.h"
#ifdef CK_X86
#include <immintrin.h>

#define NR CK_MATMUL_NR
#define CK_AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

/* Rows of x (int8) at k, k+1 as one int32 of two int16: the operand vpmaddwd pairs with a weight pair. */
INLINE int32_t pair16(const int8_t *q) { return (int32_t)((uint32_t)(uint16_t)(int16_t)q[0] | ((uint32_t)(uint16_t)(int16_t)q[1] << 16)); }

/* pw, ps, po and y start at the half panel's first column; cols (1..16) are written. */
INLINE CK_AVX2 void itile2(const int MR, const int G, const int8_t *xq, int64_t ldx, const float *xd, int64_t ldd,
                           const float *xs, int64_t lds, const int16_t *pw, const float *ps, const float *po,
                           int64_t kc, float *y, int64_t ldy, int cols, int accumulate) {
    __m256 f0[3], f1[3];
    for (int i = 0; i < MR; i++) { f0[i] = _mm256_setzero_ps(); f1[i] = _mm256_setzero_ps(); }
    for (int64_t g = 0; g < kc / G; g++) {
        __m256i i0[3], i1[3];
        for (int i = 0; i < MR; i++) { i0[i] = _mm256_setzero_si256(); i1[i] = _mm256_setzero_si256(); }
        for (int j = 0; j < G / 2; j++) {
            const int16_t *w = pw + (g * (G / 2) + j) * NR * 2;
            const __m256i w0 = _mm256_loadu_si256((const __m256i *)w), w1 = _mm256_loadu_si256((const __m256i *)(w + 16));
            for (int i = 0; i < MR; i++) {
                const __m256i a = _mm256_set1_epi32(pair16(xq + i * ldx + g * G + 2 * j));
                i0[i] = _mm256_add_epi32(i0[i], _mm256_madd_epi16(w0, a));
                i1[i] = _mm256_add_epi32(i1[i], _mm256_madd_epi16(w1, a));
            }
        }
        const __m256 s0 = _mm256_loadu_ps(ps + g * NR), s1 = _mm256_loadu_ps(ps + g * NR + 8);
        const __m256 o0 = _mm256_loadu_ps(po + g * NR), o1 = _mm256_loadu_ps(po + g * NR + 8);
        for (int i = 0; i < MR; i++) {
            const __m256 dx = _mm256_set1_ps(xd[i * ldd + g * G / 32]), dsum = _mm256_set1_ps(xs[i * lds + g]);
            f0[i] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(i0[i]), s0), dx, f0[i]);
            f1[i] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(i1[i]), s1), dx, f1[i]);
            f0[i] = _mm256_fmadd_ps(o0, dsum, f0[i]);
            f1[i] = _mm256_fmadd_ps(o1, dsum, f1[i]);
        }
    }
    for (int i = 0; i < MR; i++) {
        float t[16], *yr = y + i * ldy;
        _mm256_storeu_ps(t, f0[i]);
        _mm256_storeu_ps(t + 8, f1[i]);
        for (int j = 0; j < cols; j++) yr[j] = accumulate ? yr[j] + t[j] : t[j];
    }
}

#define ITILE2(MR, G) itile2(MR, G, xq + m * ldx, ldx, xd + m * ldd, ldd, xs + m * lds, lds, pw + 2 * j0, ps + j0, \
                             po + j0, kc, y + m * ldy + j0, ldy, cols, accumulate)
#define ITILE2_ROWS(G)                                                  \
    do {                                                                \
        for (; m + 3 <= M; m += 3) ITILE2(3, G);                        \
        if (M - m == 2) ITILE2(2, G);                                   \
        else if (M - m == 1) ITILE2(1, G);                              \
    } while (0)

CK_AVX2 void ck_itile_avx2(const int8_t *xq, int64_t ldx, const float *xd, int64_t ldd, const float *xs, int64_t lds,
                           const int16_t *pw, const float *ps, const float *po, int64_t kc, int G,
                           float *y, int64_t ldy, int64_t M, int64_t nv, int accumulate) {
    for (int j0 = 0; j0 < NR && j0 < nv; j0 += 16) {
        const int cols = (int)(nv - j0 < 16 ? nv - j0 : 16);
        int64_t m = 0;
        if (G == 16) ITILE2_ROWS(16);
        else ITILE2_ROWS(32);
    }
}
#endif
