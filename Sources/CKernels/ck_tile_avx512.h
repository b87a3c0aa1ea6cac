/* Private to CKernels: what the AVX-512 micro-kernels over a 32-column panel share, the f32
 * (ck_matmul_x86.c), bf16 (ck_matmul_bf16.c) and int8 (ck_matmul_vnni.c) ones: the masks of a panel's
 * nv valid columns, the store of MR rows of accumulators, and the walk over M rows in blocks of 8. */
#ifndef CK_TILE_AVX512_H
#define CK_TILE_AVX512_H
#include "ck_internal.h"
#ifdef CK_X86
#include <immintrin.h>
#define CK_TILE512_TARGET __attribute__((target("avx512f")))

/* Columns 0..15 and 16..31 of a panel with nv valid columns (nv <= 32); stores leave the rest untouched. */
static inline __attribute__((always_inline)) CK_TILE512_TARGET void ck_col_masks(int64_t nv, __mmask16 *m0, __mmask16 *m1) {
    *m0 = nv >= 16 ? 0xFFFF : (__mmask16)((1u << nv) - 1);
    *m1 = nv >= 32 ? 0xFFFF : nv <= 16 ? 0 : (__mmask16)((1u << (nv - 16)) - 1);
}

/* y[i][0..32) (+)= (c0[i], c1[i]) for rows i < MR (row stride ldy), masked to the valid columns. */
static inline __attribute__((always_inline)) CK_TILE512_TARGET void ck_store_rows512(
    const int MR, __m512 *c0, __m512 *c1, float *y, int64_t ldy, __mmask16 m0, __mmask16 m1, int accumulate) {
    for (int i = 0; i < MR; i++) {
        float *yr = y + i * ldy;
        if (accumulate) {
            c0[i] = _mm512_add_ps(c0[i], _mm512_maskz_loadu_ps(m0, yr));
            c1[i] = _mm512_add_ps(c1[i], _mm512_maskz_loadu_ps(m1, yr + 16));
        }
        _mm512_mask_storeu_ps(yr, m0, c0[i]);
        _mm512_mask_storeu_ps(yr + 16, m1, c1[i]);
    }
}

/* TILE(MR) for every block of rows from m on: blocks of 8, then the rest as one constant row count, so
 * each call keeps its accumulators in registers. TILE reads m as the block's first row. */
#define CK_ROWS_BY_8(M, m, TILE)                                    \
    do {                                                            \
        for (; (m) + 8 <= (M); (m) += 8) TILE(8);                   \
        switch ((M) - (m)) {                                        \
        case 7: TILE(7); break;                                     \
        case 6: TILE(6); break;                                     \
        case 5: TILE(5); break;                                     \
        case 4: TILE(4); break;                                     \
        case 3: TILE(3); break;                                     \
        case 2: TILE(2); break;                                     \
        case 1: TILE(1); break;                                     \
        default: break;                                             \
        }                                                           \
    } while (0)
#endif
#endif
