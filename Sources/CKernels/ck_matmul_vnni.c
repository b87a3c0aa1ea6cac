/* AVX-512 VNNI int8 micro-kernel (twin of the inner loops of ck_matmul_int8_ref): MR = 4 rows x 32
 * columns. Per group of G weights the 8-bit products are summed exactly in int32 by vpdpbusd
 * (unsigned weights x signed activations, 4 products a lane), then scaled into f32 accumulators:
 *   f += (float(i) * s) * d_x + o * dsum_x
 * For types with a zero point Z (o = -Z s: Q8_0, Q5_0, Q6_K) the int32 sums start at -Z sum(q_x)
 * instead, which is exact and saves the two offset FMAs a row and group (a quarter of the float work):
 *   f += (float(i - Z sum q_x) * s) * d_x
 * 4 x 2 int32 and 4 x 2 f32 accumulators = 16 zmm. Six rows (24 accumulators) made clang spill
 * accumulators to the stack once it hoisted a group's weight loads: 4 rows ran 18% faster (Q8_0,
 * 512 x 1024 x 3072, one core: 287 against 243 GOP/s; 5 rows 259). */
#include "ck_tile_avx512.h"
#ifdef CK_X86

#define NR CK_MATMUL_NR
#define CK_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,fma")))
#define INLINE static inline __attribute__((always_inline))

INLINE CK_VNNI void itile(const int MR, const int G, const int Z, const int8_t *xq, int64_t ldx, const float *xd,
                          int64_t ldd, const float *xs, const int32_t *xi, int64_t lds,
                          const uint8_t *pu, const float *ps, const float *po,
                          int64_t kc, float *y, int64_t ldy, __mmask16 m0, __mmask16 m1, int accumulate) {
    __m512 f0[4], f1[4];
#pragma unroll
    for (int i = 0; i < MR; i++) {
        f0[i] = accumulate ? _mm512_maskz_loadu_ps(m0, y + i * ldy) : _mm512_setzero_ps();
        f1[i] = accumulate ? _mm512_maskz_loadu_ps(m1, y + i * ldy + 16) : _mm512_setzero_ps();
    }
    for (int64_t g = 0; g < kc / G; g++) {
        __m512i i0[4], i1[4];
#pragma unroll
        for (int i = 0; i < MR; i++) {
            i0[i] = Z ? _mm512_set1_epi32(-Z * xi[i * lds + g]) : _mm512_setzero_si512();
            i1[i] = i0[i];
        }
#pragma unroll
        for (int j = 0; j < G / 4; j++) {
            const uint8_t *w = pu + (g * (G / 4) + j) * NR * 4;
            const __m512i w0 = _mm512_load_si512((const void *)w), w1 = _mm512_load_si512((const void *)(w + 64));
#pragma unroll
            for (int i = 0; i < MR; i++) {
                int32_t a4;
                __builtin_memcpy(&a4, xq + i * ldx + g * G + 4 * j, 4);
                const __m512i a = _mm512_set1_epi32(a4);
                i0[i] = _mm512_dpbusd_epi32(i0[i], w0, a);
                i1[i] = _mm512_dpbusd_epi32(i1[i], w1, a);
            }
        }
        const __m512 s0 = _mm512_load_ps(ps + g * NR), s1 = _mm512_load_ps(ps + g * NR + 16);
#pragma unroll
        for (int i = 0; i < MR; i++) {
            const __m512 dx = _mm512_set1_ps(xd[i * ldd + g * G / 32]);
            f0[i] = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(i0[i]), s0), dx, f0[i]);
            f1[i] = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(i1[i]), s1), dx, f1[i]);
        }
        if (!Z) {
            const __m512 o0 = _mm512_load_ps(po + g * NR), o1 = _mm512_load_ps(po + g * NR + 16);
#pragma unroll
            for (int i = 0; i < MR; i++) {
                const __m512 dsum = _mm512_set1_ps(xs[i * lds + g]);
                f0[i] = _mm512_fmadd_ps(o0, dsum, f0[i]);
                f1[i] = _mm512_fmadd_ps(o1, dsum, f1[i]);
            }
        }
    }
#pragma unroll
    for (int i = 0; i < MR; i++) {
        _mm512_mask_storeu_ps(y + i * ldy, m0, f0[i]);
        _mm512_mask_storeu_ps(y + i * ldy + 16, m1, f1[i]);
    }
}

/* Row count and group size as constants, so each call keeps its accumulators in registers. */
#define ITILE(MR, G, Z) itile(MR, G, Z, xq + m * ldx, ldx, xd + m * ldd, ldd, xs + m * lds, xi + m * lds, lds, \
                              pu, ps, po, kc, y + m * ldy, ldy, m0, m1, accumulate)
#define ITILE_ROWS(G, Z)                                                \
    do {                                                                \
        for (; m + 4 <= M; m += 4) ITILE(4, G, Z);                      \
        switch (M - m) {                                                \
        case 3: ITILE(3, G, Z); break;                                  \
        case 2: ITILE(2, G, Z); break;                                  \
        case 1: ITILE(1, G, Z); break;                                  \
        default: break;                                                 \
        }                                                               \
    } while (0)

CK_VNNI void ck_itile_vnni(const int8_t *xq, int64_t ldx, const float *xd, int64_t ldd, const float *xs,
                           const int32_t *xi, int64_t lds, int Z, const uint8_t *pu, const float *ps, const float *po, int64_t kc, int G,
                           float *y, int64_t ldy, int64_t M, int64_t nv, int accumulate) {
    __mmask16 m0, m1;
    ck_col_masks(nv, &m0, &m1);
    int64_t m = 0;
    /* Zero points as constants too: Q6_K (G 16) has 32; Q8_0 128 and Q5_0 16 (G 32); K-quants none. */
    if (G == 16 && Z == 32) ITILE_ROWS(16, 32);
    else if (G == 16) ITILE_ROWS(16, 0);
    else if (Z == 128) ITILE_ROWS(32, 128);
    else if (Z == 16) ITILE_ROWS(32, 16);
    else ITILE_ROWS(32, 0);
}
#endif
