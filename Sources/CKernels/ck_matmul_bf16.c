/* Linear layer in bfloat16 (AVX-512 BF16): both operands rounded to bf16, products summed in f32 by
 * vdpbf16ps, which multiplies pairs of bf16 and adds both products to an f32 lane. Products of two
 * bf16 are exact in f32, so the error is that of rounding x and W to 8 significant bits (about 0.4%
 * per value, largely averaging out over K) plus f32 summation.
 * Panels as in ck_matmul.c (CK_MATMUL_NR weight rows by BKC columns, dequantised on the fly, so F16
 * weights are never duplicated in memory), rounded to bf16 and interleaved in pairs for vdpbf16ps:
 * panel[k / 2][NR] holds (W[n][k], W[n][k + 1]) as one 32-bit word; x pairs are broadcast likewise. */
#include "ck_internal.h"
#include <stdlib.h>

#define NR CK_MATMUL_NR
#define BKC 512 /* columns of K per panel */

static void round_bf16_ref(const float *x, uint16_t *xb, int64_t n) {
    for (int64_t i = 0; i < n; i++) xb[i] = ck_bf16_round(x[i]);
}

/* ---- reference ------------------------------------------------------------------------------ */

void ck_matmul_bf16_ref(ck_type t, const void *W, const uint16_t *xb, float *y,
                        int64_t M, int64_t K, int64_t ldy, int64_t n0, int64_t n1) {
    float *row = ck_alloc((size_t)K * sizeof(float));
    const size_t rb = ck_row_bytes(t, K);
    for (int64_t n = n0; n < n1; n++) {
        ck_dequantize_ref(t, (const char *)W + (size_t)n * rb, row, K);
        for (int64_t k = 0; k < K; k++) row[k] = ck_bf16_to_fp32(ck_bf16_round(row[k]));
        for (int64_t m = 0; m < M; m++) {
            double s = 0;
            for (int64_t k = 0; k < K; k++) s += (double)ck_bf16_to_fp32(xb[m * K + k]) * row[k];
            y[m * ldy + n] = (float)s;
        }
    }
    free(row);
}

#ifdef CK_X86
#include "ck_tile_avx512.h"
#define CK_BF16 __attribute__((target("avx512bf16,avx512f,avx512bw,avx512vl,fma")))
#define INLINE static inline __attribute__((always_inline))

/* 16 floats -> 16 bf16, round to nearest even (vcvtneps2bf16; subnormals flush to zero). */
CK_BF16 static void round_bf16_avx512(const float *x, uint16_t *xb, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256((__m256i *)(xb + i), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(x + i)));
    for (; i < n; i++) xb[i] = ck_bf16_round(x[i]);
}

/* MR rows x 32 columns over kp pairs of k: 2 * MR f32 accumulators. x: bf16 pairs, row stride ldx words. */
INLINE CK_BF16 void btile(const int MR, const uint32_t *x, int64_t ldx, const uint32_t *p, int64_t kp,
                          float *y, int64_t ldy, __mmask16 m0, __mmask16 m1, int accumulate) {
    __m512 c0[8], c1[8];
    for (int i = 0; i < MR; i++) { c0[i] = _mm512_setzero_ps(); c1[i] = _mm512_setzero_ps(); }
    for (int64_t j = 0; j < kp; j++) {
        const __m512bh b0 = (__m512bh)_mm512_load_si512((const void *)(p + j * NR));
        const __m512bh b1 = (__m512bh)_mm512_load_si512((const void *)(p + j * NR + 16));
        for (int i = 0; i < MR; i++) {
            const __m512bh a = (__m512bh)_mm512_set1_epi32((int)x[i * ldx + j]);
            c0[i] = _mm512_dpbf16_ps(c0[i], a, b0);
            c1[i] = _mm512_dpbf16_ps(c1[i], a, b1);
        }
    }
    ck_store_rows512(MR, c0, c1, y, ldy, m0, m1, accumulate);
}

#define BTILE(MR) btile(MR, x + m * ldx, ldx, panel, kp, y + m * ldy, ldy, m0, m1, accumulate)
CK_BF16 void ck_btile_avx512(const uint32_t *x, int64_t ldx, const uint32_t *panel, int64_t kp,
                           float *y, int64_t ldy, int64_t M, int64_t nv, int accumulate) {
    __mmask16 m0, m1;
    ck_col_masks(nv, &m0, &m1);
    int64_t m = 0;
    CK_ROWS_BY_8(M, m, BTILE);
}

/* One dequantised row chunk (kc floats, kc even) -> bf16 pairs in panel column r: panel[j * NR + r]. */
CK_BF16 static void pack_row(const float *row, int64_t kc, uint32_t *panel, int64_t r) {
    const __m512i index = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                             _mm512_set1_epi32(NR));
    int64_t k = 0;
    for (; k + 32 <= kc; k += 32) { /* 32 floats -> 16 pairs, scattered down the column */
        const __m512bh b = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(row + k + 16), _mm512_loadu_ps(row + k));
        _mm512_i32scatter_epi32((void *)(panel + k / 2 * NR + r), index, (__m512i)b, 4);
    }
    for (; k < kc; k += 2)
        panel[k / 2 * NR + r] = (uint32_t)ck_bf16_round(row[k]) | (uint32_t)ck_bf16_round(row[k + 1]) << 16;
}

typedef struct { uint32_t panel[BKC / 2 * NR]; float rows[BKC]; } bf16_scratch; /* 34 KiB a thread */

/* From BF16_BLOCKED_ROWS rows on, rows run in blocks, as the int8 path does (ck_int8_row_block): a block's bf16
 * rows (about 256 KiB) stay in L2 while every packed panel of the task runs over them, instead of all M rows
 * streaming through once per panel. One core, F32 weights, GFLOP/s before -> after (bf16 peak 213, Zen 4):
 * M 2048 K 3072 N 768 (an MLP's down projection) 152 -> 200; M 4096 K 768 N 3072 157 -> 187; M 2048 K 768
 * N 3072 173 -> 178. Below 2,048 rows it lost 3-7% (M 1024: 195 -> 180 at K 3072), so those keep one pass. */
#define BF16_BLOCKED_ROWS 2048
static int64_t bf16_row_block(int64_t K) {
    const int64_t mb = (256 << 10) / (2 * K) / 8 * 8;
    return mb < 64 ? 64 : mb;
}

/* Weight rows nb..nb+nv (zero rows past nv), columns k0..k0+kc, dequantised and packed into panel. */
CK_BF16 static void pack_panel(ck_deq_fn deq, const void *W, size_t rb, ck_type t, int64_t nb, int64_t nv, int64_t k0,
                               int64_t kc, float *rows, uint32_t *panel) {
    for (int64_t r = 0; r < NR; r++) {
        if (r < nv) deq((const char *)W + (size_t)(nb + r) * rb + ck_row_bytes(t, k0), rows, kc);
        else memset(rows, 0, (size_t)kc * sizeof(float)); /* missing rows: zero columns */
        pack_row(rows, kc, panel, r);
    }
}

static void matmul_bf16_avx512(ck_type t, const void *W, const uint16_t *xb, float *y,
                               int64_t M, int64_t K, int64_t ldy, int64_t n0, int64_t n1) {
    bf16_scratch *s = ck_thread_scratch(CK_SCRATCH_MATMUL_BF16, sizeof(bf16_scratch));
    const ck_deq_fn deq = ck_deq_fast(t);
    const size_t rb = ck_row_bytes(t, K);
    const uint32_t *x = (const uint32_t *)xb;
    const int64_t MB = bf16_row_block(K);
    if (M >= BF16_BLOCKED_ROWS) {
        /* Row-blocked: a group of panels (at most CK_PANEL_STORE bytes) packed once, then each block of MB rows
         * runs over all of them, K chunks in the same order: the same sums. */
        const int64_t panels = (n1 - n0 + NR - 1) / NR, chunks = (K + BKC - 1) / BKC, slot = BKC / 2 * NR;
        int64_t group = CK_PANEL_STORE / (int64_t)(chunks * slot * sizeof(uint32_t));
        if (group < 1) group = 1;
        if (group > panels) group = panels;
        uint32_t *store = ck_thread_scratch(CK_SCRATCH_BF16_PANELS, (size_t)(group * chunks * slot) * sizeof(uint32_t));
        for (int64_t p0 = 0; p0 < panels; p0 += group) {
            const int64_t gp = panels - p0 < group ? panels - p0 : group;
            for (int64_t p = 0; p < gp; p++)
                for (int64_t c = 0; c < chunks; c++) {
                    const int64_t nb = n0 + (p0 + p) * NR, k0 = c * BKC;
                    pack_panel(deq, W, rb, t, nb, n1 - nb < NR ? n1 - nb : NR, k0, K - k0 < BKC ? K - k0 : BKC,
                               s->rows, store + (p * chunks + c) * slot);
                }
            for (int64_t m0 = 0; m0 < M; m0 += MB) {
                const int64_t mb = M - m0 < MB ? M - m0 : MB;
                for (int64_t p = 0; p < gp; p++)
                    for (int64_t c = 0; c < chunks; c++) {
                        const int64_t nb = n0 + (p0 + p) * NR, k0 = c * BKC, kc = K - k0 < BKC ? K - k0 : BKC;
                        ck_btile_avx512(x + m0 * (K / 2) + k0 / 2, K / 2, store + (p * chunks + c) * slot, kc / 2,
                                        y + m0 * ldy + nb, ldy, mb, n1 - nb < NR ? n1 - nb : NR, c > 0);
                    }
            }
        }
        return;
    }
    for (int64_t nb = n0; nb < n1; nb += NR) {
        const int64_t nv = n1 - nb < NR ? n1 - nb : NR;
        for (int64_t k0 = 0; k0 < K; k0 += BKC) {
            const int64_t kc = K - k0 < BKC ? K - k0 : BKC;
            pack_panel(deq, W, rb, t, nb, nv, k0, kc, s->rows, s->panel);
            ck_btile_avx512(x + k0 / 2, K / 2, s->panel, kc / 2, y + nb, ldy, M, nv, k0 > 0);
        }
    }
}
#endif

void ck_round_bf16(const float *x, uint16_t *xb, int64_t n) {
#ifdef CK_X86
    if (ck_bf16_fast()) { round_bf16_avx512(x, xb, n); return; }
#endif
    round_bf16_ref(x, xb, n);
}

void ck_matmul_bf16(ck_type t, const void *W, const uint16_t *xb, float *y,
                    int64_t M, int64_t K, int64_t ldy, int64_t n0, int64_t n1) {
    if (M <= 0 || n1 <= n0) return;
#ifdef CK_X86
    /* Chunks start on block boundaries: BKC is a multiple of every block size, K of the type's. */
    if (ck_bf16_fast() && K % 2 == 0) { matmul_bf16_avx512(t, W, xb, y, M, K, ldy, n0, n1); return; }
#endif
    ck_matmul_bf16_ref(t, W, xb, y, M, K, ldy, n0, n1);
}
