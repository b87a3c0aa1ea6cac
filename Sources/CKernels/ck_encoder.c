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

void ck_encoder_attention_ref(const float *q, const float *k, const float *v, float *out,
                              int64_t T, int64_t H, int64_t D) {
    const double scale = 1.0 / sqrt((double)D);
    double *s = ck_alloc((size_t)T * sizeof(double));
    for (int64_t t = 0; t < T; t++)
        for (int64_t h = 0; h < H; h++) {
            const float *qr = q + (t * H + h) * D;
            double mx = -INFINITY, sum = 0;
            for (int64_t j = 0; j < T; j++) {
                double d = 0;
                for (int64_t i = 0; i < D; i++) d += (double)qr[i] * k[(j * H + h) * D + i];
                s[j] = d * scale;
                if (s[j] > mx) mx = s[j];
            }
            for (int64_t j = 0; j < T; j++) { s[j] = exp(s[j] - mx); sum += s[j]; }
            float *o = out + (t * H + h) * D;
            for (int64_t i = 0; i < D; i++) {
                double a = 0;
                for (int64_t j = 0; j < T; j++) a += s[j] * v[(j * H + h) * D + i];
                o[i] = (float)(a / sum);
            }
        }
    free(s);
}

int64_t ck_encoder_attention_items(int64_t T, int64_t H) { return (T + CK_ENC_ATTN_BQ - 1) / CK_ENC_ATTN_BQ * H; }

/* One item: the head's keys are packed transposed (kt[d][j]) so the scores of a query row are a sweep
 * over j that vectorises; probabilities then weight the value rows, a sweep over d. Sequences of BERT
 * models are short (512 positions at most), so a [BQ, T] score block is small and exact softmax
 * (max first, then exp) needs no online rescaling. Scratch: kt [D, T] and s [BQ, T], one allocation. */
static inline __attribute__((always_inline)) void encoder_attention(
    const float *q, const float *k, const float *v, float *out, int64_t T, int64_t H, int64_t D,
    int64_t item0, int64_t item1) {
    const int64_t BQ = CK_ENC_ATTN_BQ;
    const float scale = 1.0f / sqrtf((float)D);
    float *kt = ck_alloc((size_t)(D * T + BQ * T) * sizeof(float));
    float *s = kt + D * T;
    const int64_t blocks = (T + BQ - 1) / BQ;
    int64_t packed = -1; /* head whose keys are in kt; items of one head are consecutive */
    for (int64_t item = item0; item < item1; item++) {
        const int64_t h = item / blocks, i0 = item % blocks * BQ, i1 = i0 + BQ < T ? i0 + BQ : T;
        if (h != packed) {
            for (int64_t j = 0; j < T; j++) {
                const float *kr = k + (j * H + h) * D;
                for (int64_t d = 0; d < D; d++) kt[d * T + j] = kr[d];
            }
            packed = h;
        }
        for (int64_t r = 0; r < i1 - i0; r++) {
            const float *qr = q + ((i0 + r) * H + h) * D;
            float *restrict sr = s + r * T;
            for (int64_t j = 0; j < T; j++) sr[j] = 0.0f;
            for (int64_t d = 0; d < D; d++) {
                const float qd = qr[d] * scale;
                const float *restrict kd = kt + d * T;
                for (int64_t j = 0; j < T; j++) sr[j] += qd * kd[j];
            }
            float mx = -INFINITY;
            for (int64_t j = 0; j < T; j++) mx = sr[j] > mx ? sr[j] : mx;
            float acc[LANES] = {0};
            int64_t j = 0;
            for (; j + LANES <= T; j += LANES)
                for (int l = 0; l < LANES; l++) { sr[j + l] = ck_vexp(sr[j + l] - mx); acc[l] += sr[j + l]; }
            float sum = 0;
            for (int l = 0; l < LANES; l++) sum += acc[l];
            for (; j < T; j++) { sr[j] = ck_vexp(sr[j] - mx); sum += sr[j]; }
            const float inv = 1.0f / sum;
            float *restrict o = out + ((i0 + r) * H + h) * D;
            for (int64_t d = 0; d < D; d++) o[d] = 0.0f;
            for (int64_t jj = 0; jj < T; jj++) {
                const float p = sr[jj] * inv;
                const float *restrict vr = v + (jj * H + h) * D;
                for (int64_t d = 0; d < D; d++) o[d] += p * vr[d];
            }
        }
    }
    free(kt);
}

static void encoder_attention_portable(const float *q, const float *k, const float *v, float *out,
                                       int64_t T, int64_t H, int64_t D, int64_t item0, int64_t item1) {
    encoder_attention(q, k, v, out, T, H, D, item0, item1);
}
#ifdef CK_X86
__attribute__((target("avx512f,avx512bw,avx512vl,fma")))
static void encoder_attention_avx512(const float *q, const float *k, const float *v, float *out,
                                     int64_t T, int64_t H, int64_t D, int64_t item0, int64_t item1) {
    encoder_attention(q, k, v, out, T, H, D, item0, item1);
}
__attribute__((target("avx2,fma")))
static void encoder_attention_avx2(const float *q, const float *k, const float *v, float *out,
                                   int64_t T, int64_t H, int64_t D, int64_t item0, int64_t item1) {
    encoder_attention(q, k, v, out, T, H, D, item0, item1);
}
#endif

void ck_encoder_attention(const float *q, const float *k, const float *v, float *out,
                          int64_t T, int64_t H, int64_t D, int64_t item0, int64_t item1) {
    if (T <= 0 || item0 >= item1) return;
#ifdef CK_X86
    switch (ck_cpu_isa()) {
    case CK_ISA_AVX512: encoder_attention_avx512(q, k, v, out, T, H, D, item0, item1); return;
    case CK_ISA_AVX2: encoder_attention_avx2(q, k, v, out, T, H, D, item0, item1); return;
    default: break;
    }
#endif
    encoder_attention_portable(q, k, v, out, T, H, D, item0, item1);
}
