/* CKernels for encoder models (BERT and its family): bias add, LayerNorm, GELU, bidirectional attention.
 * Each fast kernel has a plain `_ref` twin (double-precision sums, libm); tests check one against the other.
 * Letters: T = tokens, H = heads, D = head size, C = hidden size. All f32, rows contiguous. */
#ifndef CK_ENCODER_H
#define CK_ENCODER_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Linear-layer bias: y[r * n + i] += b[i] for r < rows, i < n. */
void ck_add_bias(float *y, const float *b, int64_t rows, int64_t n);

/* LayerNorm over each row (BERT): y[r] = (x[r] - mean) / sqrt(var + eps) * w + b, var the biased
 * (population) variance as torch.nn.LayerNorm computes it. x: [rows, dim]; y may equal x. */
void ck_layernorm_ref(const float *x, const float *w, const float *b, float *y, int64_t rows, int64_t dim, float eps);
void ck_layernorm(const float *x, const float *w, const float *b, float *y, int64_t rows, int64_t dim, float eps);

/* GELU in place, the exact erf form (Hugging Face "gelu", torch's default): x * (1 + erf(x / sqrt 2)) / 2.
 * The fast version uses an erf approximation with absolute error below 2e-7 (Abramowitz & Stegun 7.1.26
 * with a vectorisable exp). */
void ck_gelu_ref(float *x, int64_t n);
void ck_gelu(float *x, int64_t n);

/* Bidirectional multi-head attention of one sequence, scale 1/sqrt(D): every query sees every key
 * (no mask: Folio never pads, so a sequence is all real tokens).
 *   q, k, v: [T, H, D] (the rows of a [T, H * D] projection), out: [T, H, D].
 * Work items are (block of CK_ENC_ATTN_BQ query rows, head): ck_encoder_attention_items(T, H) of them,
 * run [item0, item1) per call so threads can split the work. Keeps one [BQ, T] score block per call. */
#define CK_ENC_ATTN_BQ 16
void ck_encoder_attention_ref(const float *q, const float *k, const float *v, float *out,
                              int64_t T, int64_t H, int64_t D);
int64_t ck_encoder_attention_items(int64_t T, int64_t H);
void ck_encoder_attention(const float *q, const float *k, const float *v, float *out,
                          int64_t T, int64_t H, int64_t D, int64_t item0, int64_t item1);

/* The same generalised (EmbeddingGemma): grouped-query heads (query head h reads kv head h / (Hq / Hkv)), a given
 * softmax scale, and an optional symmetric window: query i sees keys j with |i - j| <= radius (radius < 0: all).
 *   q, out: [T, Hq, D]; k, v: [T, Hkv, D]. Work items: ck_encoder_attention_items(T, Hq).
 * ck_encoder_attention is this with Hkv = H, scale 1/sqrt(D), no window. */
void ck_encoder_attention_gqa_ref(const float *q, const float *k, const float *v, float *out,
                                  int64_t T, int64_t Hq, int64_t Hkv, int64_t D, double scale, int64_t radius);
void ck_encoder_attention_gqa(const float *q, const float *k, const float *v, float *out,
                              int64_t T, int64_t Hq, int64_t Hkv, int64_t D, float scale, int64_t radius,
                              int64_t item0, int64_t item1);

#ifdef __cplusplus
}
#endif
#endif
