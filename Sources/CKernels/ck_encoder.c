/* Encoder kernels: bias add, LayerNorm, exact GELU, bidirectional attention (see ck_encoder.h).
 * Fast versions are one loop body compiled per ISA (__attribute__((target))) and chosen at run time;
 * reductions keep LANES independent partial sums so they vectorise without -ffast-math. */
#include "ck_encoder.h"
#include "ck_internal.h"
#include "ck_vexp.h"
#include <math.h>
#include <stdlib.h>

#define LANES 16

void ck_add_bias(float *y, const float *b, int64_t rows, int64_t n) {
    for (int64_t r = 0; r < rows; r++) {
        float *yr = y + r * n;
        for (int64_t i = 0; i < n; i++) yr[i] += b[i];
    }
}

/* ---- LayerNorm -------------------------------------------------------------------------------- */

void ck_layernorm_ref(const float *x, const float *w, const float *b, float *y, int64_t rows, int64_t dim, float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        float *yr = y + r * dim;
        double mean = 0, var = 0;
        for (int64_t i = 0; i < dim; i++) mean += xr[i];
        mean /= (double)dim;
        for (int64_t i = 0; i < dim; i++) var += ((double)xr[i] - mean) * ((double)xr[i] - mean);
        var /= (double)dim;
        const double inv = 1.0 / sqrt(var + (double)eps);
        for (int64_t i = 0; i < dim; i++) yr[i] = (float)(((double)xr[i] - mean) * inv * w[i] + b[i]);
    }
}

static inline __attribute__((always_inline)) float lane_sum(const float *x, int64_t n, float shift) {
    float acc[LANES] = {0};
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++) acc[l] += x[i + l] - shift;
    float s = 0;
    for (int l = 0; l < LANES; l++) s += acc[l];
    for (; i < n; i++) s += x[i] - shift;
    return s;
}

static inline __attribute__((always_inline)) float lane_sum_sq(const float *x, int64_t n, float mean) {
    float acc[LANES] = {0};
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++) { const float d = x[i + l] - mean; acc[l] += d * d; }
    float s = 0;
    for (int l = 0; l < LANES; l++) s += acc[l];
    for (; i < n; i++) { const float d = x[i] - mean; s += d * d; }
    return s;
}

/* Two passes (mean, then squared deviations) as torch does: one-pass E[x^2] - E[x]^2 loses precision
 * on BERT's residual stream, whose rows have large means. */
static inline __attribute__((always_inline)) void layernorm(const float *x, const float *w, const float *b, float *y,
                                                            int64_t rows, int64_t dim, float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        float *yr = y + r * dim;
        /* Sum around the first value: rows with a large mean would otherwise lose digits. */
        const float mean = xr[0] + lane_sum(xr, dim, xr[0]) / (float)dim;
        const float inv = 1.0f / sqrtf(lane_sum_sq(xr, dim, mean) / (float)dim + eps);
        for (int64_t i = 0; i < dim; i++) yr[i] = (xr[i] - mean) * inv * w[i] + b[i];
    }
}

static void layernorm_portable(const float *x, const float *w, const float *b, float *y, int64_t rows, int64_t dim, float eps) {
    layernorm(x, w, b, y, rows, dim, eps);
}
#ifdef CK_X86
__attribute__((target("avx512f,avx512bw,avx512vl,fma")))
static void layernorm_avx512(const float *x, const float *w, const float *b, float *y, int64_t rows, int64_t dim, float eps) {
    layernorm(x, w, b, y, rows, dim, eps);
}
__attribute__((target("avx2,fma")))
static void layernorm_avx2(const float *x, const float *w, const float *b, float *y, int64_t rows, int64_t dim, float eps) {
    layernorm(x, w, b, y, rows, dim, eps);
}
#endif

void ck_layernorm(const float *x, const float *w, const float *b, float *y, int64_t rows, int64_t dim, float eps) {
#ifdef CK_X86
    switch (ck_cpu_isa()) {
    case CK_ISA_AVX512: layernorm_avx512(x, w, b, y, rows, dim, eps); return;
    case CK_ISA_AVX2: layernorm_avx2(x, w, b, y, rows, dim, eps); return;
    default: break;
    }
#endif
    layernorm_portable(x, w, b, y, rows, dim, eps);
}

/* ---- GELU ------------------------------------------------------------------------------------- */

void ck_gelu_ref(float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const double v = x[i];
        x[i] = (float)(0.5 * v * (1.0 + erf(v * 0.70710678118654752440)));
    }
}

/* erf(z) = 1 - (a1 t + a2 t^2 + a3 t^3 + a4 t^4 + a5 t^5) exp(-z^2), t = 1 / (1 + p z), z >= 0;
 * |error| <= 1.5e-7 (Abramowitz & Stegun 7.1.26); odd symmetry for z < 0. */
static inline __attribute__((always_inline)) float vec_erf(float z) {
    const float a = fabsf(z);
    const float t = 1.0f / (1.0f + 0.3275911f * a);
    float p = 1.061405429f;
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    const float e = 1.0f - p * t * ck_vexp(-a * a);
    return z < 0 ? -e : e;
}

static inline __attribute__((always_inline)) void gelu(float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float v = x[i];
        x[i] = 0.5f * v * (1.0f + vec_erf(v * 0.70710678118654752440f));
    }
}

static void gelu_portable(float *x, int64_t n) { gelu(x, n); }
#ifdef CK_X86
__attribute__((target("avx512f,avx512bw,avx512vl,fma")))
static void gelu_avx512(float *x, int64_t n) { gelu(x, n); }
__attribute__((target("avx2,fma")))
static void gelu_avx2(float *x, int64_t n) { gelu(x, n); }
#endif

void ck_gelu(float *x, int64_t n) {
#ifdef CK_X86
    switch (ck_cpu_isa()) {
    case CK_ISA_AVX512: gelu_avx512(x, n); return;
    case CK_ISA_AVX2: gelu_avx2(x, n); return;
    default: break;
    }
#endif
    gelu_portable(x, n);
}

/* ---- Bidirectional attention ------------------------------------------------------------------ */

/* Keys row i may see: [lo, hi), all of [0, T) without a window (radius < 0). */
static inline int64_t window_lo(int64_t i, int64_t radius) { return radius < 0 || i < radius ? 0 : i - radius; }
static inline int64_t window_hi(int64_t i, int64_t T, int64_t radius) { return radius < 0 || i + radius + 1 > T ? T : i + radius + 1; }

void ck_encoder_attention_gqa_ref(const float *q, const float *k, const float *v, float *out,
                                  int64_t T, int64_t Hq, int64_t Hkv, int64_t D, double scale, int64_t radius) {
    const int64_t group = Hq / Hkv;
    double *s = ck_alloc((size_t)T * sizeof(double));
    for (int64_t t = 0; t < T; t++)
        for (int64_t h = 0; h < Hq; h++) {
            const float *qr = q + (t * Hq + h) * D;
            const int64_t g = h / group, lo = window_lo(t, radius), hi = window_hi(t, T, radius);
            double mx = -INFINITY, sum = 0;
            for (int64_t j = lo; j < hi; j++) {
                double d = 0;
                for (int64_t i = 0; i < D; i++) d += (double)qr[i] * k[(j * Hkv + g) * D + i];
                s[j] = d * scale;
                if (s[j] > mx) mx = s[j];
            }
            for (int64_t j = lo; j < hi; j++) { s[j] = exp(s[j] - mx); sum += s[j]; }
            float *o = out + (t * Hq + h) * D;
            for (int64_t i = 0; i < D; i++) {
                double a = 0;
                for (int64_t j = lo; j < hi; j++) a += s[j] * v[(j * Hkv + g) * D + i];
                o[i] = (float)(a / sum);
            }
        }
    free(s);
}

void ck_encoder_attention_ref(const float *q, const float *k, const float *v, float *out,
                              int64_t T, int64_t H, int64_t D) {
    ck_encoder_attention_gqa_ref(q, k, v, out, T, H, H, D, 1.0 / sqrt((double)D), -1);
}

int64_t ck_encoder_attention_items(int64_t T, int64_t H) { return (T + CK_ENC_ATTN_BQ - 1) / CK_ENC_ATTN_BQ * H; }

/* Rows of a query block scored and weighted together: each loaded key or value vector serves RB rows. */
#define RB 4

/* One item: the kv head's keys are packed transposed (kt[d][j]) so scores are sweeps over j that vectorise;
 * probabilities then weight the value rows, sweeps over d. RB query rows at a time keep RB x LANES score (or
 * output) accumulators in registers while d (or j) runs, so each key (or value) vector loaded serves RB rows.
 * Sequences of these encoders are short (a few thousand positions), so a [BQ, T] score block is small and exact
 * softmax (max first, then exp) needs no online rescaling. With a window, a row group sweeps the keys any of its
 * rows sees, [lo of the first, hi of the last), and each row then keeps its own [lo, hi). Scratch: kt [D, T],
 * s [BQ, T], one allocation. */
static inline __attribute__((always_inline)) void encoder_attention(
    const float *q, const float *k, const float *v, float *out, int64_t T, int64_t Hq, int64_t Hkv, int64_t D,
    float scale, int64_t radius, int64_t item0, int64_t item1) {
    const int64_t BQ = CK_ENC_ATTN_BQ, group = Hq / Hkv;
    float *kt = ck_alloc((size_t)(D * T + BQ * T) * sizeof(float));
    float *s = kt + D * T;
    const int64_t blocks = (T + BQ - 1) / BQ;
    int64_t packed = -1; /* kv head whose keys are in kt; items of one head are consecutive */
    for (int64_t item = item0; item < item1; item++) {
        const int64_t h = item / blocks, g = h / group, i0 = item % blocks * BQ, i1 = i0 + BQ < T ? i0 + BQ : T;
        if (g != packed) {
            for (int64_t j = 0; j < T; j++) {
                const float *kr = k + (j * Hkv + g) * D;
                for (int64_t d = 0; d < D; d++) kt[d * T + j] = kr[d];
            }
            packed = g;
        }
        for (int64_t r0 = i0; r0 < i1; r0 += RB) {
            const int64_t rows = i1 - r0 < RB ? i1 - r0 : RB;
            const int64_t lo = window_lo(r0, radius), hi = window_hi(r0 + rows - 1, T, radius), n = hi - lo;
            const float *qr[RB];
            for (int r = 0; r < RB; r++) qr[r] = q + ((r0 + (r < rows ? r : 0)) * Hq + h) * D;
            float *sr[RB];
            for (int r = 0; r < RB; r++) sr[r] = s + ((r0 - i0) + (r < rows ? r : 0)) * T;
            /* 1. Scores of the group's rows over [lo, hi): sr[r][j - lo] = scale * q_r . k_j. */
            int64_t j = 0;
            for (; j + LANES <= n; j += LANES) {
                float acc[RB][LANES] = {{0}};
                for (int64_t d = 0; d < D; d++) {
                    const float *restrict kd = kt + d * T + lo + j;
                    for (int r = 0; r < RB; r++) {
                        const float qd = qr[r][d];
                        for (int l = 0; l < LANES; l++) acc[r][l] += qd * kd[l];
                    }
                }
                for (int r = 0; r < rows; r++)
                    for (int l = 0; l < LANES; l++) sr[r][j + l] = acc[r][l] * scale;
            }
            for (; j < n; j++)
                for (int r = 0; r < rows; r++) {
                    float a = 0;
                    for (int64_t d = 0; d < D; d++) a += qr[r][d] * kt[d * T + lo + j];
                    sr[r][j] = a * scale;
                }
            /* 2. Softmax per row over its own window (keys of the group's range it does not see get 0). */
            for (int r = 0; r < rows; r++) {
                const int64_t a0 = window_lo(r0 + r, radius) - lo, a1 = window_hi(r0 + r, T, radius) - lo;
                float *restrict row = sr[r];
                float mx = -INFINITY;
                for (int64_t jj = a0; jj < a1; jj++) mx = row[jj] > mx ? row[jj] : mx;
                float part[LANES] = {0};
                int64_t jj = a0;
                for (; jj + LANES <= a1; jj += LANES)
                    for (int l = 0; l < LANES; l++) { row[jj + l] = ck_vexp(row[jj + l] - mx); part[l] += row[jj + l]; }
                float sum = 0;
                for (int l = 0; l < LANES; l++) sum += part[l];
                for (; jj < a1; jj++) { row[jj] = ck_vexp(row[jj] - mx); sum += row[jj]; }
                const float inv = 1.0f / sum;
                for (jj = 0; jj < a0; jj++) row[jj] = 0.0f;
                for (jj = a0; jj < a1; jj++) row[jj] *= inv;
                for (jj = a1; jj < n; jj++) row[jj] = 0.0f;
            }
            /* 3. Outputs: o_r = sum_j p_r[j] v_j, LANES columns of the RB rows at a time. */
            int64_t d0 = 0;
            for (; d0 + LANES <= D; d0 += LANES) {
                float acc[RB][LANES] = {{0}};
                for (int64_t jj = 0; jj < n; jj++) {
                    const float *restrict vr = v + ((lo + jj) * Hkv + g) * D + d0;
                    for (int r = 0; r < RB; r++) {
                        const float p = sr[r][jj];
                        for (int l = 0; l < LANES; l++) acc[r][l] += p * vr[l];
                    }
                }
                for (int r = 0; r < rows; r++) {
                    float *restrict o = out + ((r0 + r) * Hq + h) * D + d0;
                    for (int l = 0; l < LANES; l++) o[l] = acc[r][l];
                }
            }
            for (; d0 < D; d0++)
                for (int r = 0; r < rows; r++) {
                    float a = 0;
                    for (int64_t jj = 0; jj < n; jj++) a += sr[r][jj] * v[((lo + jj) * Hkv + g) * D + d0];
                    out[((r0 + r) * Hq + h) * D + d0] = a;
                }
        }
    }
    free(kt);
}

#define ENCODER_ATTENTION_ARGS q, k, v, out, T, Hq, Hkv, D, scale, radius, item0, item1
#define ENCODER_ATTENTION_PARAMS const float *q, const float *k, const float *v, float *out, int64_t T, int64_t Hq, \
    int64_t Hkv, int64_t D, float scale, int64_t radius, int64_t item0, int64_t item1
static void encoder_attention_portable(ENCODER_ATTENTION_PARAMS) { encoder_attention(ENCODER_ATTENTION_ARGS); }
#ifdef CK_X86
__attribute__((target("avx512f,avx512bw,avx512vl,fma")))
static void encoder_attention_avx512(ENCODER_ATTENTION_PARAMS) { encoder_attention(ENCODER_ATTENTION_ARGS); }
__attribute__((target("avx2,fma")))
static void encoder_attention_avx2(ENCODER_ATTENTION_PARAMS) { encoder_attention(ENCODER_ATTENTION_ARGS); }
#endif

void ck_encoder_attention_gqa(ENCODER_ATTENTION_PARAMS) {
    if (T <= 0 || item0 >= item1) return;
#ifdef CK_X86
    switch (ck_cpu_isa()) {
    case CK_ISA_AVX512: encoder_attention_avx512(ENCODER_ATTENTION_ARGS); return;
    case CK_ISA_AVX2: encoder_attention_avx2(ENCODER_ATTENTION_ARGS); return;
    default: break;
    }
#endif
    encoder_attention_portable(ENCODER_ATTENTION_ARGS);
}

void ck_encoder_attention(const float *q, const float *k, const float *v, float *out,
                          int64_t T, int64_t H, int64_t D, int64_t item0, int64_t item1) {
    ck_encoder_attention_gqa(q, k, v, out, T, H, H, D, 1.0f / sqrtf((float)D), -1, item0, item1);
}
