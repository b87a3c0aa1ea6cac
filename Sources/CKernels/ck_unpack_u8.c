/* Quantised weights as unsigned bytes for the int8 (VNNI) matmul: every supported type is written as
 *   w = s[g] * u + o[g],   u in 0..255, one (s, o) pair per group g of G consecutive weights,
 * G = ck_int8_group(t) (16 for Q6_K, whose scales change every 16 weights; 32 otherwise).
 * Unsigned weights pair with signed activations in vpdpbusd; the offset o absorbs each type's zero
 * point (Q8_0: q + 128 and o = -128 d; Q4_K: the min). Decoding follows ggml's dequantize_row_*. */
#include "ck_internal.h"
#include <stdlib.h>

int ck_int8_group(ck_type t) { return t == CK_Q6_K ? 16 : 32; }

int ck_int8_zero_point(ck_type t) {
    switch (t) {
    case CK_Q8_0: return 128; /* o = -128 d */
    case CK_Q5_0: return 16;  /* o = -16 d */
    case CK_Q6_K: return 32;  /* o = -32 d sc */
    default: return 0;        /* Q4_K, Q5_K: o is a separate min */
    }
}

int ck_int8_type(ck_type t) {
    return t == CK_Q8_0 || t == CK_Q5_0 || t == CK_Q4_K || t == CK_Q5_K || t == CK_Q6_K;
}

static void unpack_q8_0(const void *src, int64_t n, uint8_t *u, float *s, float *o) {
    const block_q8_0 *x = src;
    for (int64_t i = 0; i < n / QK; i++) {
        const float d = ck_fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK; j++) u[i * QK + j] = (uint8_t)(x[i].qs[j] + 128);
        s[i] = d; o[i] = -128.0f * d;
    }
}

static void unpack_q5_0(const void *src, int64_t n, uint8_t *u, float *s, float *o) {
    const block_q5_0 *x = src;
    for (int64_t i = 0; i < n / QK; i++) {
        const float d = ck_fp16_to_fp32(x[i].d);
        uint32_t qh; memcpy(&qh, x[i].qh, 4);
        for (int j = 0; j < QK / 2; j++) {
            u[i * QK + j] = (uint8_t)((x[i].qs[j] & 0x0F) | (((qh >> j) << 4) & 0x10));
            u[i * QK + j + QK / 2] = (uint8_t)((x[i].qs[j] >> 4) | ((qh >> (j + 12)) & 0x10));
        }
        s[i] = d; o[i] = -16.0f * d;
    }
}

/* Q4_K and Q5_K: the scales and offsets of sub-blocks 2j and 2j + 1 (the 64 weights of pass j). */
static inline void scale_min_pair(int j, const uint8_t *scales, float d, float min, float *s, float *o) {
    for (int h = 0; h < 2; h++) {
        uint8_t sc, m;
        ck_scale_min_k4(2 * j + h, scales, &sc, &m);
        s[2 * j + h] = d * sc; o[2 * j + h] = -(min * m);
    }
}

static void unpack_q4_K(const void *src, int64_t n, uint8_t *u, float *s, float *o) {
    const block_q4_K *x = src;
    for (int64_t i = 0; i < n / QK_K; i++, u += QK_K, s += 8, o += 8) {
        const float d = ck_fp16_to_fp32(x[i].d), min = ck_fp16_to_fp32(x[i].dmin);
        const uint8_t *q = x[i].qs;
        for (int j = 0; j < 4; j++, q += 32) { /* 64 weights: 32 low nibbles, then 32 high nibbles */
            for (int l = 0; l < 32; l++) { u[64 * j + l] = q[l] & 0xF; u[64 * j + 32 + l] = q[l] >> 4; }
            scale_min_pair(j, x[i].scales, d, min, s, o);
        }
    }
}

static void unpack_q5_K(const void *src, int64_t n, uint8_t *u, float *s, float *o) {
    const block_q5_K *x = src;
    for (int64_t i = 0; i < n / QK_K; i++, u += QK_K, s += 8, o += 8) {
        const float d = ck_fp16_to_fp32(x[i].d), min = ck_fp16_to_fp32(x[i].dmin);
        const uint8_t *ql = x[i].qs, *qh = x[i].qh;
        for (int j = 0; j < 4; j++, ql += 32) { /* qh bits 2j and 2j+1 are the fifth bits of this pair */
            for (int l = 0; l < 32; l++) {
                u[64 * j + l] = (uint8_t)((ql[l] & 0xF) | (((qh[l] >> (2 * j)) & 1) << 4));
                u[64 * j + 32 + l] = (uint8_t)((ql[l] >> 4) | (((qh[l] >> (2 * j + 1)) & 1) << 4));
            }
            scale_min_pair(j, x[i].scales, d, min, s, o);
        }
    }
}

static void unpack_q6_K(const void *src, int64_t n, uint8_t *u, float *s, float *o) {
    const block_q6_K *x = src;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = ck_fp16_to_fp32(x[i].d);
        const uint8_t *ql = x[i].ql, *qh = x[i].qh;
        uint8_t *uu = u + i * QK_K;
        for (int h = 0; h < 2; h++, ql += 64, qh += 32, uu += 128) {
            for (int l = 0; l < 32; l++) {
                uu[l] = (uint8_t)((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4));
                uu[l + 32] = (uint8_t)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4));
                uu[l + 64] = (uint8_t)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
                uu[l + 96] = (uint8_t)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4));
            }
        }
        for (int g = 0; g < 16; g++) { /* w = d * sc * (q - 32) */
            const float ds = d * x[i].scales[g];
            s[i * 16 + g] = ds; o[i * 16 + g] = -32.0f * ds;
        }
    }
}

void ck_unpack_u8(ck_type t, const void *src, int64_t n, uint8_t *u, float *s, float *o) {
    switch (t) {
    case CK_Q8_0: unpack_q8_0(src, n, u, s, o); return;
    case CK_Q5_0: unpack_q5_0(src, n, u, s, o); return;
    case CK_Q4_K: unpack_q4_K(src, n, u, s, o); return;
    case CK_Q5_K: unpack_q5_K(src, n, u, s, o); return;
    case CK_Q6_K: unpack_q6_K(src, n, u, s, o); return;
    default: abort(); /* programmer error: callers check ck_int8_type */
    }
}
