/* Linear layer y = x W^T for every weight type.
 * Strategy: dequantise a panel of CK_MATMUL_NR weight rows by CK_KC columns into f32 scratch, stored
 * k-major ([kc, NR]) so a micro-kernel can broadcast one x value against NR contiguous weights; then
 * run the register-blocked micro-kernel of the best ISA over all M rows. Dequantisation costs
 * O(N K) once per call, the multiply O(M N K), so for M >= a few dozen the multiply dominates. */
#include "ck_internal.h"
#include <stdlib.h>

#define CK_KC 512 /* columns of K per panel: a multiple of QK_K, so chunks start on block boundaries */
#define NR CK_MATMUL_NR

/* ---- reference ---------------------------------------------------------------------------- */

void ck_matmul_ref(ck_type t, const void *W, const float *x, float *y,
                   int64_t M, int64_t K, int64_t ldy, int64_t n0, int64_t n1) {
    float *row = ck_alloc((size_t)K * sizeof(float));
    const size_t rb = ck_row_bytes(t, K);
    for (int64_t n = n0; n < n1; n++) {
        ck_dequantize_ref(t, (const char *)W + (size_t)n * rb, row, K);
        for (int64_t m = 0; m < M; m++) {
            float s = 0;
            for (int64_t k = 0; k < K; k++) s += x[m * K + k] * row[k];
            y[m * ldy + n] = s;
        }
    }
    free(row);
}

/* ---- portable micro-kernel (the compiler vectorises the j loops with baseline SIMD) ----------- */

#define PMR 4
void ck_tile_portable(const float *x, int64_t ldx, const float *panel, int64_t kc,
                      float *y, int64_t ldy, int64_t M, int64_t nv, int accumulate) {
    for (int64_t m0 = 0; m0 < M; m0 += PMR) {
        const int mr = (int)(M - m0 < PMR ? M - m0 : PMR);
        float acc[PMR][NR] = {{0}};
        for (int64_t k = 0; k < kc; k++) {
            const float *b = panel + k * NR;
            for (int i = 0; i < mr; i++) {
                const float a = x[(m0 + i) * ldx + k];
                for (int j = 0; j < NR; j++) acc[i][j] += a * b[j];
            }
        }
        for (int i = 0; i < mr; i++) {
            float *yr = y + (m0 + i) * ldy;
            for (int j = 0; j < nv; j++) yr[j] = accumulate ? yr[j] + acc[i][j] : acc[i][j];
        }
    }
}

/* 8 rows of kc floats (row stride lds) -> panel columns 0..7: panel[k * NR + r] = rows[r * lds + k]. */
void ck_transpose8_portable(const float *rows, int64_t lds, float *panel, int64_t kc) {
    for (int64_t k = 0; k < kc; k++)
        for (int r = 0; r < 8; r++) panel[k * NR + r] = rows[r * lds + k];
}

/* ---- per-thread scratch ------------------------------------------------------------------ */

/* One panel plus eight dequantised row chunks per thread, allocated on first use and freed when the
 * thread exits. Bounded: (NR + 8) * CK_KC floats = 80 KiB. */
typedef struct { float panel[CK_KC * NR]; float rows[8 * CK_KC]; } ck_scratch;

/* ---- driver -------------------------------------------------------------------------------- */

/* Weight rows nb..nb+nv (zero rows past nv), columns k0..k0+kc, dequantised eight rows at a time and transposed
 * into panel ([kc, NR]). */
static void pack_panel(ck_deq_fn deq, ck_transpose_fn transpose, const void *W, size_t rb, ck_type t, int64_t nb,
                       int64_t nv, int64_t k0, int64_t kc, float *rows, float *panel) {
    for (int64_t g = 0; g < NR; g += 8) {
        for (int64_t r = 0; r < 8; r++) {
            if (g + r < nv) deq((const char *)W + (size_t)(nb + g + r) * rb + ck_row_bytes(t, k0), rows + r * CK_KC, kc);
            else memset(rows + r * CK_KC, 0, (size_t)kc * sizeof(float));
        }
        transpose(rows, CK_KC, panel + g, kc);
    }
}

/* From F32_BLOCKED_ROWS rows on, rows run in blocks (as ck_int8_row_block and the bf16 path do): a block of about
 * 256 KiB of x stays in L2 while a group of packed panels (at most CK_PANEL_STORE bytes, so scratch stays bounded
 * for large models) runs over it, instead of all M rows streaming through once per panel. One core, F32 weights,
 * GFLOP/s before -> after (f32 FMA peak about 116, Zen 4): M 2048 K 3072 N 768 90 -> 107; M 4096 K 768 N 3072
 * 80 -> 101; M 8192 K 1024 N 3072 75 -> 87; M 2048 K 768 N 3072 95 -> 98. At 1,024 rows and below the gain was
 * within the noise or a loss (M 512: 106 -> 97), so those keep one pass. */
#define F32_BLOCKED_ROWS 2048
static int64_t f32_row_block(int64_t K) {
    const int64_t mb = (256 << 10) / (4 * K) / 8 * 8;
    return mb < 32 ? 32 : mb;
}

void ck_matmul_isa(ck_isa isa, ck_type t, const void *W, const float *x, float *y,
                   int64_t M, int64_t K, int64_t ldy, int64_t n0, int64_t n1) {
    if (M <= 0 || n1 <= n0) return;
    ck_scratch *s = ck_thread_scratch(CK_SCRATCH_MATMUL, sizeof(ck_scratch));
    const ck_deq_fn deq = ck_deq_fast(t);
    const ck_tile_fn tile = ck_tile_for(isa);
    const ck_transpose_fn transpose = ck_transpose_for(isa);
    const size_t rb = ck_row_bytes(t, K);
    if (M >= F32_BLOCKED_ROWS) {
        /* Row-blocked: a group of panels packed once, then each block of MB rows runs over all of them, K chunks
         * in the same order as below: the same sums, bit for bit. */
        const int64_t chunks = (K + CK_KC - 1) / CK_KC, slot = CK_KC * NR, MB = f32_row_block(K);
        const int64_t panels = (n1 - n0 + NR - 1) / NR;
        int64_t group = CK_PANEL_STORE / (int64_t)(chunks * slot * sizeof(float));
        if (group < 1) group = 1;
        if (group > panels) group = panels;
        float *store = ck_thread_scratch(CK_SCRATCH_MATMUL_PANELS, (size_t)(group * chunks * slot) * sizeof(float));
        for (int64_t p0 = 0; p0 < panels; p0 += group) {
            const int64_t gp = panels - p0 < group ? panels - p0 : group;
            for (int64_t p = 0; p < gp; p++)
                for (int64_t c = 0; c < chunks; c++) {
                    const int64_t nb = n0 + (p0 + p) * NR, k0 = c * CK_KC;
                    pack_panel(deq, transpose, W, rb, t, nb, n1 - nb < NR ? n1 - nb : NR, k0,
                               K - k0 < CK_KC ? K - k0 : CK_KC, s->rows, store + (p * chunks + c) * slot);
                }
            for (int64_t m0 = 0; m0 < M; m0 += MB) {
                const int64_t mb = M - m0 < MB ? M - m0 : MB;
                for (int64_t p = 0; p < gp; p++)
                    for (int64_t c = 0; c < chunks; c++) {
                        const int64_t nb = n0 + (p0 + p) * NR, k0 = c * CK_KC;
                        tile(x + m0 * K + k0, K, store + (p * chunks + c) * slot, K - k0 < CK_KC ? K - k0 : CK_KC,
                             y + m0 * ldy + nb, ldy, mb, n1 - nb < NR ? n1 - nb : NR, c > 0);
                    }
            }
        }
        return;
    }
    for (int64_t nb = n0; nb < n1; nb += NR) {
        const int64_t nv = n1 - nb < NR ? n1 - nb : NR;
        for (int64_t k0 = 0; k0 < K; k0 += CK_KC) {
            const int64_t kc = K - k0 < CK_KC ? K - k0 : CK_KC;
            pack_panel(deq, transpose, W, rb, t, nb, nv, k0, kc, s->rows, s->panel);
            tile(x + k0, K, s->panel, kc, y + nb, ldy, M, nv, k0 > 0);
        }
    }
}

void ck_matmul(ck_type t, const void *W, const float *x, float *y,
               int64_t M, int64_t K, int64_t ldy, int64_t n0, int64_t n1) {
    ck_matmul_isa(ck_cpu_isa(), t, W, x, y, M, K, ldy, n0, n1);
}
