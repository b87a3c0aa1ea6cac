/* AVX2 dequantisers, one per type, each the twin of a `_ref` in ck_dequant.c / ck_kquants.c.
 * Integers are widened to int32 and converted exactly; scales are applied with the same multiply
 * and subtract (never FMA) in the same order as the reference, so results are bit-identical. */
#pragma STDC FP_CONTRACT OFF
#include "ck_internal.h"
#ifdef CK_X86
#include <immintrin.h>

#define CK_AVX2 __attribute__((target("avx2,f16c,fma")))

/* 8 signed bytes (low half of b) -> 8 floats. */
static inline CK_AVX2 __m256 i8x8_to_ps(__m128i b) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b)); }

/* y[0..31] = q[0..31] * d, q signed bytes. */
static inline CK_AVX2 void store_mul32(float *y, __m256i q, __m256 d) {
    __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
    _mm256_storeu_ps(y + 0, _mm256_mul_ps(i8x8_to_ps(lo), d));
    _mm256_storeu_ps(y + 8, _mm256_mul_ps(i8x8_to_ps(_mm_srli_si128(lo, 8)), d));
    _mm256_storeu_ps(y + 16, _mm256_mul_ps(i8x8_to_ps(hi), d));
    _mm256_storeu_ps(y + 24, _mm256_mul_ps(i8x8_to_ps(_mm_srli_si128(hi, 8)), d));
}

/* y[0..31] = d * q - m, q unsigned bytes < 128 (K-quant sub-block). */
static inline CK_AVX2 void store_mul_sub32(float *y, __m256i q, __m256 d, __m256 m) {
    __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
    _mm256_storeu_ps(y + 0, _mm256_sub_ps(_mm256_mul_ps(d, i8x8_to_ps(lo)), m));
    _mm256_storeu_ps(y + 8, _mm256_sub_ps(_mm256_mul_ps(d, i8x8_to_ps(_mm_srli_si128(lo, 8))), m));
    _mm256_storeu_ps(y + 16, _mm256_sub_ps(_mm256_mul_ps(d, i8x8_to_ps(hi)), m));
    _mm256_storeu_ps(y + 24, _mm256_sub_ps(_mm256_mul_ps(d, i8x8_to_ps(_mm_srli_si128(hi, 8))), m));
}

CK_AVX2 void ck_deq_f16_avx2(const void *src, float *dst, int64_t n) {
    const uint16_t *h = src;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + i))));
    for (; i < n; i++) dst[i] = ck_fp16_to_fp32(h[i]);
}

CK_AVX2 void ck_deq_bf16_avx2(const void *src, float *dst, int64_t n) {
    const uint16_t *h = src;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(h + i)));
        _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(w, 16)));
    }
    for (; i < n; i++) dst[i] = ck_bf16_to_fp32(h[i]);
}

CK_AVX2 void ck_deq_q8_0_avx2(const void *src, float *dst, int64_t n) {
    const block_q8_0 *x = src;
    for (int64_t i = 0; i < n / QK; i++) {
        __m256 d = _mm256_set1_ps(ck_fp16_to_fp32(x[i].d));
        store_mul32(dst + i * QK, _mm256_loadu_si256((const __m256i *)x[i].qs), d);
    }
}

/* Bits of a 32-bit mask -> 32 bytes of 0x10 where the bit is set. */
static inline CK_AVX2 __m256i bits_to_0x10(uint32_t bits) {
    const __m256i shuf = _mm256_setr_epi64x(0, 0x0101010101010101LL, 0x0202020202020202LL, 0x0303030303030303LL);
    const __m256i sel = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), shuf);
    v = _mm256_cmpeq_epi8(_mm256_and_si256(v, sel), sel);
    return _mm256_and_si256(v, _mm256_set1_epi8(0x10));
}

/* 16 bytes of nibbles -> 32 bytes: low nibbles first (weights 0..15), then high (16..31). */
static inline CK_AVX2 __m256i nibbles16(const uint8_t *qs) {
    __m128i b = _mm_loadu_si128((const __m128i *)qs), m = _mm_set1_epi8(0x0F);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(b, 4), m), _mm_and_si128(b, m));
}

CK_AVX2 void ck_deq_q5_0_avx2(const void *src, float *dst, int64_t n) {
    const block_q5_0 *x = src;
    for (int64_t i = 0; i < n / QK; i++) {
        uint32_t qh; memcpy(&qh, x[i].qh, 4);
        __m256i q = _mm256_or_si256(nibbles16(x[i].qs), bits_to_0x10(qh));
        q = _mm256_sub_epi8(q, _mm256_set1_epi8(16));
        store_mul32(dst + i * QK, q, _mm256_set1_ps(ck_fp16_to_fp32(x[i].d)));
    }
}

CK_AVX2 void ck_deq_q4_K_avx2(const void *src, float *y, int64_t n) {
    const block_q4_K *x = src;
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (int64_t i = 0; i < n / QK_K; i++, y += QK_K) {
        const float d = ck_fp16_to_fp32(x[i].d), min = ck_fp16_to_fp32(x[i].dmin);
        for (int j = 0; j < 4; j++) {
            uint8_t sc, m;
            __m256i q = _mm256_loadu_si256((const __m256i *)(x[i].qs + 32 * j));
            ck_scale_min_k4(2 * j, x[i].scales, &sc, &m);
            store_mul_sub32(y + 64 * j, _mm256_and_si256(q, m4), _mm256_set1_ps(d * sc), _mm256_set1_ps(min * m));
            ck_scale_min_k4(2 * j + 1, x[i].scales, &sc, &m);
            store_mul_sub32(y + 64 * j + 32, _mm256_and_si256(_mm256_srli_epi16(q, 4), m4),
                            _mm256_set1_ps(d * sc), _mm256_set1_ps(min * m));
        }
    }
}

CK_AVX2 void ck_deq_q5_K_avx2(const void *src, float *y, int64_t n) {
    const block_q5_K *x = src;
    const __m256i m4 = _mm256_set1_epi8(0x0F), zero = _mm256_setzero_si256(), b16 = _mm256_set1_epi8(16);
    for (int64_t i = 0; i < n / QK_K; i++, y += QK_K) {
        const float d = ck_fp16_to_fp32(x[i].d), min = ck_fp16_to_fp32(x[i].dmin);
        const __m256i qh = _mm256_loadu_si256((const __m256i *)x[i].qh);
        for (int j = 0; j < 4; j++) {
            uint8_t sc, m;
            __m256i q = _mm256_loadu_si256((const __m256i *)(x[i].qs + 32 * j));
            __m256i u1 = _mm256_set1_epi8((char)(1 << (2 * j))), u2 = _mm256_set1_epi8((char)(2 << (2 * j)));
            __m256i h1 = _mm256_andnot_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, u1), zero), b16);
            __m256i h2 = _mm256_andnot_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, u2), zero), b16);
            ck_scale_min_k4(2 * j, x[i].scales, &sc, &m);
            store_mul_sub32(y + 64 * j, _mm256_or_si256(_mm256_and_si256(q, m4), h1),
                            _mm256_set1_ps(d * sc), _mm256_set1_ps(min * m));
            ck_scale_min_k4(2 * j + 1, x[i].scales, &sc, &m);
            store_mul_sub32(y + 64 * j + 32, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4), h2),
                            _mm256_set1_ps(d * sc), _mm256_set1_ps(min * m));
        }
    }
}

/* y[0..31] = scale_lo * q[0..15], scale_hi * q[16..31]. */
static inline CK_AVX2 void store_mul16x2(float *y, __m256i q, float s0, float s1) {
    __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
    __m256 d0 = _mm256_set1_ps(s0), d1 = _mm256_set1_ps(s1);
    _mm256_storeu_ps(y + 0, _mm256_mul_ps(d0, i8x8_to_ps(lo)));
    _mm256_storeu_ps(y + 8, _mm256_mul_ps(d0, i8x8_to_ps(_mm_srli_si128(lo, 8))));
    _mm256_storeu_ps(y + 16, _mm256_mul_ps(d1, i8x8_to_ps(hi)));
    _mm256_storeu_ps(y + 24, _mm256_mul_ps(d1, i8x8_to_ps(_mm_srli_si128(hi, 8))));
}

CK_AVX2 void ck_deq_q6_K_avx2(const void *src, float *y, int64_t n) {
    const block_q6_K *x = src;
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3), b32 = _mm256_set1_epi8(32);
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = ck_fp16_to_fp32(x[i].d);
        const uint8_t *ql = x[i].ql, *qh = x[i].qh;
        const int8_t *sc = x[i].scales;
        for (int h = 0; h < 2; h++, y += 128, ql += 64, qh += 32, sc += 8) {
            __m256i a = _mm256_loadu_si256((const __m256i *)ql), b = _mm256_loadu_si256((const __m256i *)(ql + 32));
            __m256i hb = _mm256_loadu_si256((const __m256i *)qh);
            __m256i q1 = _mm256_or_si256(_mm256_and_si256(a, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m3), 4));
            __m256i q2 = _mm256_or_si256(_mm256_and_si256(b, m4),
                                         _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m3), 4));
            __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(a, 4), m4),
                                         _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m3), 4));
            __m256i q4 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b, 4), m4),
                                         _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m3), 4));
            store_mul16x2(y + 0, _mm256_sub_epi8(q1, b32), d * sc[0], d * sc[1]);
            store_mul16x2(y + 32, _mm256_sub_epi8(q2, b32), d * sc[2], d * sc[3]);
            store_mul16x2(y + 64, _mm256_sub_epi8(q3, b32), d * sc[4], d * sc[5]);
            store_mul16x2(y + 96, _mm256_sub_epi8(q4, b32), d * sc[6], d * sc[7]);
        }
    }
}
#endif
