/* Dequantisation of the plain and 32-weight block types (F32, F16, BF16, Q8_0, Q5_0), as ggml's
 * dequantize_row_* does. No FMA contraction: results must match ggml / gguf-py bit for bit. */
#pragma STDC FP_CONTRACT OFF
#include "ck_internal.h"

void ck_deq_f32_ref(const void *src, float *dst, int64_t n) { memcpy(dst, src, (size_t)n * 4); }

void ck_deq_f16_ref(const void *src, float *dst, int64_t n) {
    const uint16_t *h = src;
    for (int64_t i = 0; i < n; i++) dst[i] = ck_fp16_to_fp32(h[i]);
}

void ck_deq_bf16_ref(const void *src, float *dst, int64_t n) {
    const uint16_t *h = src;
    for (int64_t i = 0; i < n; i++) dst[i] = ck_bf16_to_fp32(h[i]);
}

void ck_deq_q8_0_ref(const void *src, float *dst, int64_t n) {
    const block_q8_0 *x = src;
    for (int64_t i = 0; i < n / QK; i++) {
        const float d = ck_fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK; j++) dst[i * QK + j] = x[i].qs[j] * d;
    }
}

void ck_deq_q5_0_ref(const void *src, float *dst, int64_t n) {
    const block_q5_0 *x = src;
    for (int64_t i = 0; i < n / QK; i++) {
        const float d = ck_fp16_to_fp32(x[i].d);
        uint32_t qh; memcpy(&qh, x[i].qh, 4);
        for (int j = 0; j < QK / 2; j++) {
            /* Bit j of qh is the fifth bit of weight j; bit j+16 that of weight j+16. */
            const uint8_t xh0 = ((qh >> j) << 4) & 0x10;
            const uint8_t xh1 = (qh >> (j + 12)) & 0x10;
            const int32_t x0 = ((x[i].qs[j] & 0x0F) | xh0) - 16;
            const int32_t x1 = ((x[i].qs[j] >> 4) | xh1) - 16;
            dst[i * QK + j] = x0 * d;
            dst[i * QK + j + QK / 2] = x1 * d;
        }
    }
}

int64_t ck_block_size(ck_type t) {
    switch (t) {
    case CK_F32: case CK_F16: case CK_BF16: return 1;
    case CK_Q5_0: case CK_Q8_0: return QK;
    case CK_Q4_K: case CK_Q5_K: case CK_Q6_K: return QK_K;
    }
    return 1;
}

size_t ck_row_bytes(ck_type t, int64_t K) {
    size_t blocks = (size_t)(K / ck_block_size(t));
    switch (t) {
    case CK_F32: return blocks * 4;
    case CK_F16: case CK_BF16: return blocks * 2;
    case CK_Q5_0: return blocks * sizeof(block_q5_0);
    case CK_Q8_0: return blocks * sizeof(block_q8_0);
    case CK_Q4_K: return blocks * sizeof(block_q4_K);
    case CK_Q5_K: return blocks * sizeof(block_q5_K);
    case CK_Q6_K: return blocks * sizeof(block_q6_K);
    }
    return 0;
}

ck_deq_fn ck_deq_reference(ck_type t) {
    switch (t) {
    case CK_F32: return ck_deq_f32_ref;
    case CK_F16: return ck_deq_f16_ref;
    case CK_BF16: return ck_deq_bf16_ref;
    case CK_Q8_0: return ck_deq_q8_0_ref;
    case CK_Q5_0: return ck_deq_q5_0_ref;
    case CK_Q4_K: return ck_deq_q4_K_ref;
    case CK_Q5_K: return ck_deq_q5_K_ref;
    case CK_Q6_K: return ck_deq_q6_K_ref;
    }
    return ck_deq_f32_ref;
}

void ck_dequantize_ref(ck_type t, const void *src, float *dst, int64_t n) { ck_deq_reference(t)(src, dst, n); }
void ck_dequantize(ck_type t, const void *src, float *dst, int64_t n) { ck_deq_fast(t)(src, dst, n); }
