/* Rotary position embedding, NeoX / Hugging Face `rotate_half` layout (Qwen3): dimension i pairs with
 * i + D/2. The float32 steps copy transformers' `_compute_default_rope_parameters` and
 * `apply_rotary_pos_emb`, so long positions round the angle exactly as the reference does. */
#pragma STDC FP_CONTRACT OFF
#include "ck_internal.h"
#include <math.h>

/* inv_freq[i] = 1.0 / (theta ** (float(2i) / D)), all float32 as torch computes it. */
static inline float inv_freq(int64_t i, int64_t D, float theta) {
    return 1.0f / powf(theta, (float)(2 * i) / (float)D);
}

static inline void rotate(float *x, int64_t half, const float *c, const float *s) {
    for (int64_t i = 0; i < half; i++) {
        const float a = x[i], b = x[i + half];
        x[i] = a * c[i] - b * s[i];
        x[i + half] = b * c[i] + a * s[i];
    }
}

void ck_rope_ref(float *x, int64_t T, int64_t H, int64_t D, int64_t pos0, float theta) {
    const int64_t half = D / 2;
    for (int64_t t = 0; t < T; t++)
        for (int64_t h = 0; h < H; h++)
            for (int64_t i = 0; i < half; i++) {
                const float angle = (float)(pos0 + t) * inv_freq(i, D, theta);
                const float c = cosf(angle), s = sinf(angle);
                float *p = x + (t * H + h) * D;
                const float a = p[i], b = p[i + half];
                p[i] = a * c - b * s;
                p[i + half] = b * c + a * s;
            }
}

void ck_rope(float *x, int64_t T, int64_t H, int64_t D, int64_t pos0, float theta) {
    const int64_t half = D / 2;
    float inv[CK_ATTN_MAX_D / 2], c[CK_ATTN_MAX_D / 2], s[CK_ATTN_MAX_D / 2];
    if (half > CK_ATTN_MAX_D / 2) { ck_rope_ref(x, T, H, D, pos0, theta); return; }
    for (int64_t i = 0; i < half; i++) inv[i] = inv_freq(i, D, theta);
    /* cos and sin once per token, shared by every head. */
    for (int64_t t = 0; t < T; t++) {
        for (int64_t i = 0; i < half; i++) {
            const float angle = (float)(pos0 + t) * inv[i];
            c[i] = cosf(angle); s[i] = sinf(angle);
        }
        for (int64_t h = 0; h < H; h++) rotate(x + (t * H + h) * D, half, c, s);
    }
}
