/* Exact vector search: dot products of one query with N stored rows (f32 or f16), and f32 <-> f16 rows.
 * The scan reads every stored byte once, so it is memory-bound: the fast paths take 4 rows at a time so each
 * query load is shared, and keep one accumulator per row (4 independent FMA chains hide the latency). */
#include "ck_internal.h"
#include "ck_vecsearch.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#endif
#ifdef CK_X86
#include <immintrin.h>
#endif

/* ---- references ---------------------------------------------------------------------------- */

void ck_dot_rows_f32_ref(const float *rows, int64_t n, int d, const float *q, float *out) {
    for (int64_t r = 0; r < n; r++) {
        const float *x = rows + r * d;
        double s = 0;
        for (int i = 0; i < d; i++) s += (double)x[i] * q[i];
        out[r] = (float)s;
    }
}

void ck_dot_rows_f16_ref(const uint16_t *rows, int64_t n, int d, const float *q, float *out) {
    for (int64_t r = 0; r < n; r++) {
        const uint16_t *x = rows + r * d;
        double s = 0;
        for (int i = 0; i < d; i++) s += (double)ck_fp16_to_fp32(x[i]) * q[i];
        out[r] = (float)s;
    }
}

/* ---- portable: 16 partial sums per row, a pattern compilers vectorise ------------------------ */

#define LANES 16

static void dot_rows_f32_portable(const float *rows, int64_t n, int d, const float *q, float *out) {
    for (int64_t r = 0; r < n; r++) out[r] = ck_dot16(rows + r * d, q, d);
}

/* As ck_dot16, widening each stored half on the way. */
static void dot_rows_f16_portable(const uint16_t *rows, int64_t n, int d, const float *q, float *out) {
    for (int64_t r = 0; r < n; r++) {
        const uint16_t *x = rows + r * d;
        float acc[LANES] = {0};
        int i = 0;
        for (; i + LANES <= d; i += LANES)
            for (int l = 0; l < LANES; l++) acc[l] += ck_fp16_to_fp32(x[i + l]) * q[i + l];
        float s = 0;
        for (int l = 0; l < LANES; l++) s += acc[l];
        for (; i < d; i++) s += ck_fp16_to_fp32(x[i]) * q[i];
        out[r] = s;
    }
}

/* ---- x86: AVX-512 (16 lanes, masked tail) and AVX2 + F16C (8 lanes, scalar tail) -------------- */

#ifdef CK_X86
#define CK_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,fma")))
#define CK_AVX2 __attribute__((target("avx2,f16c,fma")))

/* 16 stored values from p (f32 or f16) as f32; `m` selects the lanes of a partial tail (zero elsewhere). */
#define LOAD16_F32(p, m) _mm512_maskz_loadu_ps((m), (p))
#define LOAD16_F16(p, m) _mm512_cvtph_ps(_mm256_maskz_loadu_epi16((m), (p)))

/* One kernel body for both storage types: T is the stored element, LOAD its widening load. */
#define DOT_ROWS_AVX512(NAME, T, LOAD)                                                                  \
    CK_AVX512 static void NAME(const T *rows, int64_t n, int d, const float *q, float *out) {            \
        const int dv = d & ~15;                                                                         \
        const __mmask16 all = 0xFFFF, tail = (__mmask16)((1u << (d & 15)) - 1);                         \
        int64_t r = 0;                                                                                  \
        for (; r + 4 <= n; r += 4) {                                                                    \
            const T *a = rows + r * d, *b = a + d, *c = b + d, *e = c + d;                              \
            __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;                                 \
            for (int i = 0; i < dv; i += 16) {                                                          \
                const __m512 x = _mm512_loadu_ps(q + i);                                                \
                s0 = _mm512_fmadd_ps(LOAD(a + i, all), x, s0);                                          \
                s1 = _mm512_fmadd_ps(LOAD(b + i, all), x, s1);                                          \
                s2 = _mm512_fmadd_ps(LOAD(c + i, all), x, s2);                                          \
                s3 = _mm512_fmadd_ps(LOAD(e + i, all), x, s3);                                          \
            }                                                                                           \
            if (tail) {                                                                                 \
                const __m512 x = _mm512_maskz_loadu_ps(tail, q + dv);                                   \
                s0 = _mm512_fmadd_ps(LOAD(a + dv, tail), x, s0);                                        \
                s1 = _mm512_fmadd_ps(LOAD(b + dv, tail), x, s1);                                        \
                s2 = _mm512_fmadd_ps(LOAD(c + dv, tail), x, s2);                                        \
                s3 = _mm512_fmadd_ps(LOAD(e + dv, tail), x, s3);                                        \
            }                                                                                           \
            out[r] = _mm512_reduce_add_ps(s0);                                                          \
            out[r + 1] = _mm512_reduce_add_ps(s1);                                                      \
            out[r + 2] = _mm512_reduce_add_ps(s2);                                                      \
            out[r + 3] = _mm512_reduce_add_ps(s3);                                                      \
        }                                                                                               \
        for (; r < n; r++) {                                                                            \
            const T *a = rows + r * d;                                                                  \
            __m512 s0 = _mm512_setzero_ps();                                                            \
            for (int i = 0; i < dv; i += 16) s0 = _mm512_fmadd_ps(LOAD(a + i, all), _mm512_loadu_ps(q + i), s0); \
            if (tail) s0 = _mm512_fmadd_ps(LOAD(a + dv, tail), _mm512_maskz_loadu_ps(tail, q + dv), s0);  \
            out[r] = _mm512_reduce_add_ps(s0);                                                          \
        }                                                                                               \
    }

DOT_ROWS_AVX512(dot_rows_f32_avx512, float, LOAD16_F32)
DOT_ROWS_AVX512(dot_rows_f16_avx512, uint16_t, LOAD16_F16)

CK_AVX2 static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

#define LOAD8_F32(p) _mm256_loadu_ps(p)
#define LOAD8_F16(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))
#define WIDEN_F32(x) (x)
#define WIDEN_F16(x) ck_fp16_to_fp32(x)

#define DOT_ROWS_AVX2(NAME, T, LOAD, WIDEN)                                                             \
    CK_AVX2 static void NAME(const T *rows, int64_t n, int d, const float *q, float *out) {              \
        const int dv = d & ~7;                                                                          \
        int64_t r = 0;                                                                                  \
        for (; r + 4 <= n; r += 4) {                                                                    \
            const T *a = rows + r * d, *b = a + d, *c = b + d, *e = c + d;                              \
            __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;                                 \
            for (int i = 0; i < dv; i += 8) {                                                           \
                const __m256 x = _mm256_loadu_ps(q + i);                                                \
                s0 = _mm256_fmadd_ps(LOAD(a + i), x, s0);                                               \
                s1 = _mm256_fmadd_ps(LOAD(b + i), x, s1);                                               \
                s2 = _mm256_fmadd_ps(LOAD(c + i), x, s2);                                               \
                s3 = _mm256_fmadd_ps(LOAD(e + i), x, s3);                                               \
            }                                                                                           \
            float t0 = hsum256(s0), t1 = hsum256(s1), t2 = hsum256(s2), t3 = hsum256(s3);               \
            for (int i = dv; i < d; i++) {                                                              \
                t0 += WIDEN(a[i]) * q[i]; t1 += WIDEN(b[i]) * q[i];                                     \
                t2 += WIDEN(c[i]) * q[i]; t3 += WIDEN(e[i]) * q[i];                                     \
            }                                                                                           \
            out[r] = t0; out[r + 1] = t1; out[r + 2] = t2; out[r + 3] = t3;                             \
        }                                                                                               \
        for (; r < n; r++) {                                                                            \
            const T *a = rows + r * d;                                                                  \
            __m256 s0 = _mm256_setzero_ps();                                                            \
            for (int i = 0; i < dv; i += 8) s0 = _mm256_fmadd_ps(LOAD(a + i), _mm256_loadu_ps(q + i), s0); \
            float t0 = hsum256(s0);                                                                     \
            for (int i = dv; i < d; i++) t0 += WIDEN(a[i]) * q[i];                                      \
            out[r] = t0;                                                                                \
        }                                                                                               \
    }

DOT_ROWS_AVX2(dot_rows_f32_avx2, float, LOAD8_F32, WIDEN_F32)
DOT_ROWS_AVX2(dot_rows_f16_avx2, uint16_t, LOAD8_F16, WIDEN_F16)
#endif

/* ---- AArch64: NEON, 4 rows x 4 lanes; f16 widened with vcvt ------------------------------------ */

#if defined(__aarch64__) && defined(__ARM_NEON)
#define LOAD4_F32(p) vld1q_f32(p)
#define LOAD4_F16(p) vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)))
#define WIDEN_F32(x) (x)
#define WIDEN_F16(x) ck_fp16_to_fp32(x)

#define DOT_ROWS_NEON(NAME, T, LOAD, WIDEN)                                                             \
    static void NAME(const T *rows, int64_t n, int d, const float *q, float *out) {                     \
        const int dv = d & ~3;                                                                          \
        for (int64_t r = 0; r < n; r++) {                                                               \
            const T *a = rows + r * d;                                                                  \
            float32x4_t s0 = vdupq_n_f32(0), s1 = s0;                                                   \
            int i = 0;                                                                                  \
            for (; i + 8 <= dv; i += 8) {                                                               \
                s0 = vfmaq_f32(s0, LOAD(a + i), vld1q_f32(q + i));                                      \
                s1 = vfmaq_f32(s1, LOAD(a + i + 4), vld1q_f32(q + i + 4));                              \
            }                                                                                           \
            for (; i < dv; i += 4) s0 = vfmaq_f32(s0, LOAD(a + i), vld1q_f32(q + i));                   \
            float t = vaddvq_f32(vaddq_f32(s0, s1));                                                    \
            for (; i < d; i++) t += WIDEN(a[i]) * q[i];                                                 \
            out[r] = t;                                                                                 \
        }                                                                                               \
    }

DOT_ROWS_NEON(dot_rows_f32_neon, float, LOAD4_F32, WIDEN_F32)
DOT_ROWS_NEON(dot_rows_f16_neon, uint16_t, LOAD4_F16, WIDEN_F16)
#endif

/* ---- dispatch ------------------------------------------------------------------------------ */

/* Both stored types dispatch alike: the path asked for (portable where the CPU lacks it), or the CPU's. */
#if defined(CK_X86)
#define DOT_ROWS_SIMD_CASES(S)                                                                          \
    case CK_ISA_AVX512: dot_rows_##S##_avx512(rows, n, d, q, out); return;                               \
    case CK_ISA_AVX2: dot_rows_##S##_avx2(rows, n, d, q, out); return;
#elif defined(__aarch64__) && defined(__ARM_NEON)
#define DOT_ROWS_SIMD_CASES(S) case CK_ISA_NEON: dot_rows_##S##_neon(rows, n, d, q, out); return;
#else
#define DOT_ROWS_SIMD_CASES(S)
#endif
#define DOT_ROWS_ISA(S, T)                                                                              \
    void ck_dot_rows_##S##_isa(ck_isa isa, const T *rows, int64_t n, int d, const float *q, float *out) { \
        if (!ck_isa_supported(isa)) isa = CK_ISA_PORTABLE;                                              \
        switch (isa) {                                                                                  \
        DOT_ROWS_SIMD_CASES(S)                                                                          \
        default: dot_rows_##S##_portable(rows, n, d, q, out); return;                                   \
        }                                                                                               \
    }                                                                                                   \
    void ck_dot_rows_##S(const T *rows, int64_t n, int d, const float *q, float *out) {                  \
        ck_dot_rows_##S##_isa(ck_cpu_isa(), rows, n, d, q, out);                                        \
    }

DOT_ROWS_ISA(f32, float)
DOT_ROWS_ISA(f16, uint16_t)

/* ---- half-precision rows ------------------------------------------------------------------- */

static uint16_t f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    const uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    const uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return sign | 0x7e00;     /* NaN stays a (quiet) NaN */
    if (ax >= 0x477ff000u) return sign | 0x7c00;    /* >= 65520 rounds to infinity */
    if (ax >= 0x38800000u) {                        /* normal half: rebias 127 -> 15, round 13 bits away */
        uint32_t h = (ax >> 13) - (112u << 10);
        const uint32_t rem = ax & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++;
        return sign | (uint16_t)h;
    }
    if (ax < 0x33000000u) return sign;              /* below half the smallest subnormal (2^-25): zero */
    /* Subnormal half: count of 2^-24 units, rounded to nearest even (may round up to the smallest normal). */
    const uint32_t e = ax >> 23, m = (ax & 0x7fffff) | 0x800000, shift = 126 - e;
    uint32_t h = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) h++;
    return sign | (uint16_t)h;
}

void ck_f32_to_f16(const float *src, uint16_t *dst, int64_t n) {
    for (int64_t i = 0; i < n; i++) dst[i] = f32_to_f16(src[i]);
}

void ck_f16_to_f32(const uint16_t *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n; i++) dst[i] = ck_fp16_to_fp32(src[i]);
}
