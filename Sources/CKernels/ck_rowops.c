/* Row-wise ops of a transformer block: RMSNorm, SwiGLU's silu(gate) * up, GeGLU's gelu_tanh(gate) * up,
 * residual add, L2 norm.
 * Fast versions sum squares with ck_dot16 (16 partial sums, so they vectorise); the `_ref` twins sum
 * in double, in order. */
#include "ck_internal.h"
#include "ck_vexp.h"
#include <math.h>

void ck_rmsnorm_ref(const float *x, const float *w, float *y, int64_t rows, int64_t dim, float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        float *yr = y + r * dim;
        double s = 0;
        for (int64_t i = 0; i < dim; i++) s += (double)xr[i] * xr[i];
        /* As Hugging Face: normalise in float32, then multiply by the weight. */
        const float inv = 1.0f / sqrtf((float)(s / (double)dim) + eps);
        for (int64_t i = 0; i < dim; i++) yr[i] = w[i] * (xr[i] * inv);
    }
}

static inline __attribute__((always_inline)) void rmsnorm(const float *x, const float *w, float *y, int64_t rows,
                                                          int64_t dim, float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        float *yr = y + r * dim;
        const float inv = 1.0f / sqrtf(ck_dot16(xr, xr, dim) / (float)dim + eps);
        for (int64_t i = 0; i < dim; i++) yr[i] = w[i] * (xr[i] * inv);
    }
}

static void rmsnorm_portable(const float *x, const float *w, float *y, int64_t rows, int64_t dim, float eps) {
    rmsnorm(x, w, y, rows, dim, eps);
}
#ifdef CK_X86
/* Compiled for the CPU: the baseline build runs it 4 lanes wide (it was about 2% of a Q8_0 run). */
__attribute__((target("avx512f,avx512bw,avx512vl,fma")))
static void rmsnorm_avx512(const float *x, const float *w, float *y, int64_t rows, int64_t dim, float eps) {
    rmsnorm(x, w, y, rows, dim, eps);
}
__attribute__((target("avx2,fma")))
static void rmsnorm_avx2(const float *x, const float *w, float *y, int64_t rows, int64_t dim, float eps) {
    rmsnorm(x, w, y, rows, dim, eps);
}
#endif

void ck_rmsnorm(const float *x, const float *w, float *y, int64_t rows, int64_t dim, float eps) {
#ifdef CK_X86
    switch (ck_cpu_isa()) {
    case CK_ISA_AVX512: rmsnorm_avx512(x, w, y, rows, dim, eps); return;
    case CK_ISA_AVX2: rmsnorm_avx2(x, w, y, rows, dim, eps); return;
    default: break;
    }
#endif
    rmsnorm_portable(x, w, y, rows, dim, eps);
}

void ck_silu_mul_ref(float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const double g = gate[i];
        gate[i] = (float)(g / (1.0 + exp(-g)) * up[i]);
    }
}

static inline __attribute__((always_inline)) void silu_mul(float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float g = gate[i];
        gate[i] = g / (1.0f + ck_vexp(-g)) * up[i];
    }
}

static void silu_mul_portable(float *gate, const float *up, int64_t n) { silu_mul(gate, up, n); }
#ifdef CK_X86
__attribute__((target("avx512f,avx512bw,avx512vl,fma")))
static void silu_mul_avx512(float *gate, const float *up, int64_t n) { silu_mul(gate, up, n); }
__attribute__((target("avx2,fma")))
static void silu_mul_avx2(float *gate, const float *up, int64_t n) { silu_mul(gate, up, n); }
#endif

/* The same loop compiled per ISA (the vectorisable exp makes it SIMD code). */
void ck_silu_mul(float *gate, const float *up, int64_t n) {
#ifdef CK_X86
    switch (ck_cpu_isa()) {
    case CK_ISA_AVX512: silu_mul_avx512(gate, up, n); return;
    case CK_ISA_AVX2: silu_mul_avx2(gate, up, n); return;
    default: break;
    }
#endif
    silu_mul_portable(gate, up, n);
}

/* GeGLU with the tanh GELU (Gemma's gelu_pytorch_tanh): 0.5 g (1 + tanh(u)) = g sigmoid(2u),
 * u = sqrt(2/pi) (g + 0.044715 g^3); the sigmoid form never divides inf by inf. */
void ck_gelu_tanh_mul_ref(float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const double g = gate[i];
        gate[i] = (float)(0.5 * g * (1.0 + tanh(0.7978845608028654 * (g + 0.044715 * g * g * g))) * up[i]);
    }
}

static inline __attribute__((always_inline)) void gelu_tanh_mul(float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float g = gate[i];
        const float u = 0.7978845608f * (g + 0.044715f * g * g * g);
        gate[i] = g / (1.0f + ck_vexp(-2.0f * u)) * up[i];
    }
}

static void gelu_tanh_mul_portable(float *gate, const float *up, int64_t n) { gelu_tanh_mul(gate, up, n); }
#ifdef CK_X86
__attribute__((target("avx512f,avx512bw,avx512vl,fma")))
static void gelu_tanh_mul_avx512(float *gate, const float *up, int64_t n) { gelu_tanh_mul(gate, up, n); }
__attribute__((target("avx2,fma")))
static void gelu_tanh_mul_avx2(float *gate, const float *up, int64_t n) { gelu_tanh_mul(gate, up, n); }
#endif

void ck_gelu_tanh_mul(float *gate, const float *up, int64_t n) {
#ifdef CK_X86
    switch (ck_cpu_isa()) {
    case CK_ISA_AVX512: gelu_tanh_mul_avx512(gate, up, n); return;
    case CK_ISA_AVX2: gelu_tanh_mul_avx2(gate, up, n); return;
    default: break;
    }
#endif
    gelu_tanh_mul_portable(gate, up, n);
}

void ck_add(float *a, const float *b, int64_t n) {
    for (int64_t i = 0; i < n; i++) a[i] += b[i];
}

void ck_l2_normalize(float *v, int64_t n) {
    float norm = sqrtf(ck_dot16(v, v, n));
    if (norm < 1e-12f) norm = 1e-12f; /* torch.nn.functional.normalize's eps */
    for (int64_t i = 0; i < n; i++) v[i] = v[i] / norm;
}
