/* CKernels: the numeric kernels of Folio.
 * Every fast kernel has a plain `_ref` twin; tests check one against the other.
 * SIMD variants are __attribute__((target(...))) functions chosen at run time (ck_cpu.c),
 * so the target builds without special flags on any machine.
 *
 * Letters: M = rows of activations (tokens), N = output features (weight rows), K = input features.
 */
#ifndef CKERNELS_H
#define CKERNELS_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Storage types, numbered as GGML numbers them. */
typedef enum ck_type {
    CK_F32 = 0, CK_F16 = 1, CK_Q5_0 = 6, CK_Q8_0 = 8,
    CK_Q4_K = 12, CK_Q5_K = 13, CK_Q6_K = 14, CK_BF16 = 30
} ck_type;

/* Dequantise n weights (a whole number of blocks) of type t into f32. */
void ck_dequantize_ref(ck_type t, const void *src, float *dst, int64_t n);
void ck_dequantize(ck_type t, const void *src, float *dst, int64_t n);

/* Linear layer, output columns [n0, n1) only (threads split N):
 *   y[m * ldy + n] = sum_k x[m * K + k] * W[n][k]   for m < M, n0 <= n < n1
 * W holds N rows of K weights of type t, each row `ck_row_bytes(t, K)` bytes, contiguous.
 * x: [M, K] f32. Results are as if W were dequantised exactly and multiplied in f32. */
size_t ck_row_bytes(ck_type t, int64_t K);
void ck_matmul_ref(ck_type t, const void *W, const float *x, float *y,
                   int64_t M, int64_t K, int64_t ldy, int64_t n0, int64_t n1);
void ck_matmul(ck_type t, const void *W, const float *x, float *y,
               int64_t M, int64_t K, int64_t ldy, int64_t n0, int64_t n1);

/* ---- CPU paths ----------------------------------------------------------------------------- */

/* SIMD instruction sets a kernel can use. ck_cpu_isa() is the best this CPU runs (chosen in ck_cpu.c). */
typedef enum ck_isa { CK_ISA_PORTABLE = 0, CK_ISA_AVX2 = 1, CK_ISA_AVX512 = 2, CK_ISA_NEON = 3 } ck_isa;
ck_isa ck_cpu_isa(void);
/* Whether the hardware runs isa (whatever the cap below). */
int ck_isa_supported(ck_isa isa);

/* Caps the path every dispatcher picks: ck_cpu_isa() becomes the lower of the CPU's best and cap
 * (-1 removes the cap). FOLIO_KERNELS=portable|avx2|avx512|neon sets it when first read. For parity
 * tests and benchmarks of the slower paths on a fast machine; int8 and bf16 kernels honour it too. */
void ck_set_isa_cap(int cap);
int ck_isa_cap(void);

/* Weight rows dequantised together by ck_matmul (the panel width). Split N across threads in
 * multiples of it so no panel is dequantised twice. */
#define CK_MATMUL_NR 32

/* ck_matmul on a chosen path (falls back to portable when the CPU lacks it); for tests and benchmarks. */
void ck_matmul_isa(ck_isa isa, ck_type t, const void *W, const float *x, float *y,
                   int64_t M, int64_t K, int64_t ldy, int64_t n0, int64_t n1);

/* ---- Int8 linear layer (quantised weights x int8 activations, AVX-512 VNNI) ------------------ */

/* Activations quantised per row in blocks of 32, as llama.cpp's Q8_0: q = round(x / d), d = max|x| / 127.
 * The buffer (ck_act_bytes(M, K) bytes, K a multiple of 32) holds q: [M, K] int8, then d: [M, K/32],
 * then the group sums d * sum(q) per 32 ([M, K/32]) and per 16 ([M, K/16]) values, all f32, then the
 * same sums without d as int32 ([M, K/32], [M, K/16]).
 * ck_quantize_act fills rows [m0, m1) so threads can split it. */
size_t ck_act_bytes(int64_t M, int64_t K);
void ck_quantize_act(const float *x, int64_t M, int64_t K, void *act, int64_t m0, int64_t m1);
void ck_quantize_act_ref(const float *x, int64_t M, int64_t K, void *act, int64_t m0, int64_t m1);

/* Types with an int8 path (Q8_0, Q5_0, Q4_K, Q5_K, Q6_K), and whether this CPU runs it fast (VNNI).
 * ck_matmul_int8 runs everywhere: VNNI, else AVX2 (exact int16 products), else the reference. */
int ck_int8_type(ck_type t);
int ck_int8_fast(void);

/* ck_matmul with int8 activations: weights are read as w = s[g] * u + o[g] (u unsigned 8-bit, one scale
 * and offset per group g of ck_int8_group(t) weights; exact for every type above), and
 *   y[m][n] = sum_g (float(sum_k q[m][k] u[n][k]) * s[g]) * d[m][g] + o[g] * dsum[m][g].
 * The integer sums are exact, so the only error is that of quantising x. Columns [n0, n1) only. */
int ck_int8_group(ck_type t);
void ck_matmul_int8_ref(ck_type t, const void *W, const void *act, float *y,
                        int64_t M, int64_t K, int64_t ldy, int64_t n0, int64_t n1);
void ck_matmul_int8(ck_type t, const void *W, const void *act, float *y,
                    int64_t M, int64_t K, int64_t ldy, int64_t n0, int64_t n1);
/* Above this many rows (for K columns) the VNNI path packs a task's panels once and runs its rows in
 * blocks of this size over them (the same sums in the same order: blocking changes no bit). */
int64_t ck_int8_row_block(int64_t K);

/* ---- Register peaks ------------------------------------------------------------------------------ */

/* The multiply instruction a run leans on: f32 FMA (AVX-512, else AVX2), bf16 vdpbf16ps, int8 vpdpbusd. */
typedef enum ck_peak_kind { CK_PEAK_F32 = 0, CK_PEAK_BF16 = 1, CK_PEAK_INT8 = 2 } ck_peak_kind;
/* Operations a second (a multiply and an add count two) of `threads` threads issuing only that
 * instruction on registers, run at once for about 0.1 s; 0 where the kernels do not use it here. */
double ck_peak_ops(ck_peak_kind kind, int threads);

/* ---- Attention in bf16 (AVX-512 BF16) ------------------------------------------------------------ */

/* Whether ck_attention_packed_bf16 runs here for head size D: AVX-512 BF16 (and the FOLIO_KERNELS cap
 * allows it) and D a multiple of 32. Callers use the f32 kernels otherwise. */
int ck_attention_bf16_supported(int64_t D);
/* The f32 attention's contract with q, k, v rounded to bf16 and both products on vdpbf16ps (scores,
 * softmax and accumulators in f32). Keys and values are packed once: ck_attention_bf16_packed_words
 * uint32 words each, 64-byte aligned, in ck_attention_pack_items(T, Hkv) items. */
size_t ck_attention_bf16_packed_words(int64_t T, int64_t Hkv, int64_t D);
/* Per kv head, each dimension's mean over the T keys: mean [Hkv, D] (double sums). Subtracting it from every key
 * (kmean in ck_attention_pack_bf16; NULL packs k as it is) changes each query row's scores by one constant, which
 * softmax ignores, and shrinks what bf16 rounds (SageAttention's smoothing of K). */
void ck_attention_key_mean(const float *k, int64_t T, int64_t Hkv, int64_t D, float *mean);
void ck_attention_pack_bf16(const float *k, const float *kmean, const float *v, int64_t T, int64_t Hkv, int64_t D,
                            uint32_t *kp, uint32_t *vp, int64_t item0, int64_t item1);
void ck_attention_packed_bf16(const float *q, const uint32_t *kp, const uint32_t *vp, float *out,
                              int64_t T, int64_t Hq, int64_t Hkv, int64_t D, int64_t item0, int64_t item1);
/* Reference twin: exact attention over bf16-rounded q, k, v (double sums). */
void ck_attention_bf16_ref(const float *q, const float *k, const float *v, float *out,
                           int64_t T, int64_t Hq, int64_t Hkv, int64_t D);
/* Bidirectional (encoders): every row sees all T keys, softmax scale `scale`; the same packing and work items
 * (ck_attention_items(T, Hq), all of equal cost). out may be q. */
void ck_encoder_attention_packed_bf16(const float *q, const uint32_t *kp, const uint32_t *vp, float *out,
                                      int64_t T, int64_t Hq, int64_t Hkv, int64_t D, float scale,
                                      int64_t item0, int64_t item1);
void ck_encoder_attention_bf16_ref(const float *q, const float *k, const float *v, float *out,
                                   int64_t T, int64_t Hq, int64_t Hkv, int64_t D, double scale);

/* ---- bf16 linear layer (AVX-512 BF16 vdpbf16ps) ------------------------------------------------- */

/* x rounded to bfloat16, round to nearest even: xb[i] = bf16(x[i]) for i < n. */
void ck_round_bf16(const float *x, uint16_t *xb, int64_t n);
/* Whether this CPU multiplies in bf16 natively (AVX-512 BF16, and the cap allows AVX-512). */
int ck_bf16_fast(void);
/* ck_matmul with both operands rounded to bf16 and products summed in f32:
 *   y[m][n] = sum_k bf16(x[m][k]) * bf16(W[n][k])
 * xb: [M, K] from ck_round_bf16, K even. Weights of any type are dequantised a panel at a time and
 * rounded (exact for BF16 weights). The reference sums in double; without AVX-512 BF16 the fast
 * version is the reference (callers should use ck_matmul then). Columns [n0, n1) only. */
void ck_matmul_bf16_ref(ck_type t, const void *W, const uint16_t *xb, float *y,
                        int64_t M, int64_t K, int64_t ldy, int64_t n0, int64_t n1);
void ck_matmul_bf16(ck_type t, const void *W, const uint16_t *xb, float *y,
                    int64_t M, int64_t K, int64_t ldy, int64_t n0, int64_t n1);

/* ---- Row-wise ops (all f32, rows contiguous) ------------------------------------------------ */

/* RMSNorm (Qwen3 / Llama): y[r] = w * x[r] / sqrt(mean(x[r]^2) + eps). x: [rows, dim]; y may equal x. */
void ck_rmsnorm_ref(const float *x, const float *w, float *y, int64_t rows, int64_t dim, float eps);
void ck_rmsnorm(const float *x, const float *w, float *y, int64_t rows, int64_t dim, float eps);

/* SwiGLU activation: gate[i] = silu(gate[i]) * up[i], silu(g) = g / (1 + exp(-g)). */
void ck_silu_mul_ref(float *gate, const float *up, int64_t n);
void ck_silu_mul(float *gate, const float *up, int64_t n);
/* GeGLU activation (Gemma): gate[i] = gelu_tanh(gate[i]) * up[i], the tanh approximation of GELU
 * (PyTorch's approximate="tanh"). The fast version's error is within a few float ulps of the reference. */
void ck_gelu_tanh_mul_ref(float *gate, const float *up, int64_t n);
void ck_gelu_tanh_mul(float *gate, const float *up, int64_t n);

/* a[i] += b[i] (residual connection). */
void ck_add(float *a, const float *b, int64_t n);

/* v /= max(||v||_2, 1e-12), as torch.nn.functional.normalize. */
void ck_l2_normalize(float *v, int64_t n);

/* NeoX / Hugging Face `rotate_half` RoPE, in place on x: [T, H, D], token t at position pos0 + t.
 * Pairs (i, i + D/2): inv_freq[i] = 1 / theta^(2i/D) and angle = pos * inv_freq[i], both in float32
 * exactly as transformers computes them; then x_i' = x_i cos - x_{i+D/2} sin, x_{i+D/2}' = x_{i+D/2} cos + x_i sin. */
void ck_rope_ref(float *x, int64_t T, int64_t H, int64_t D, int64_t pos0, float theta);
void ck_rope(float *x, int64_t T, int64_t H, int64_t D, int64_t pos0, float theta);

/* ---- Attention ------------------------------------------------------------------------------ */

/* Causal grouped-query attention, scale 1/sqrt(D); query head h reads kv head h / (Hq / Hkv).
 *   q: [T, Hq, D], k, v: [T, Hkv, D], out: [T, Hq, D]; query t attends to keys 0...t.
 * The reference keeps one row of T scores; the fast version is flash-attention style (online softmax
 * over key tiles, memory O(CK_ATTN_BQ * D) per call) and runs work items [item0, item1) so threads can
 * split it: ck_attention_items(T, Hq) items of (block of CK_ATTN_BQ query rows, head), kv head by kv head and
 * costliest first within one.
 * out may be q itself: an item reads only its own query rows and head, and writes them last.
 * D must be at most CK_ATTN_MAX_D. */
#define CK_ATTN_BQ 32
#define CK_ATTN_MAX_D 512
void ck_attention_ref(const float *q, const float *k, const float *v, float *out,
                      int64_t T, int64_t Hq, int64_t Hkv, int64_t D);
int64_t ck_attention_items(int64_t T, int64_t Hq);
void ck_attention(const float *q, const float *k, const float *v, float *out,
                  int64_t T, int64_t Hq, int64_t Hkv, int64_t D, int64_t item0, int64_t item1);

/* Attention of one query row q [Hq, D] at the last of T positions, against all T keys and values [T, Hkv, D]:
 * out [Hq, D] (may be q). Last-token pooling needs only that row from the final layer; its reference is
 * ck_attention_ref's last row. */
void ck_attention_last_row(const float *q, const float *k, const float *v, float *out,
                           int64_t T, int64_t Hq, int64_t Hkv, int64_t D);

/* The same with keys and values packed once for all query blocks and heads (packing them per work item
 * costs about a quarter of the time): ck_attention_pack fills kp and vp (ck_attention_packed_floats each, 64-byte aligned)
 * in ck_attention_pack_items(T, Hkv) items (kv head, tile of CK_MATMUL_NR keys) that threads can split;
 * ck_attention_packed then reads them instead of k and v. Results equal ck_attention's exactly. */
size_t ck_attention_packed_floats(int64_t T, int64_t Hkv, int64_t D);
int64_t ck_attention_pack_items(int64_t T, int64_t Hkv);
void ck_attention_pack(const float *k, const float *v, int64_t T, int64_t Hkv, int64_t D,
                       float *kp, float *vp, int64_t item0, int64_t item1);
void ck_attention_packed(const float *q, const float *kp, const float *vp, float *out,
                         int64_t T, int64_t Hq, int64_t Hkv, int64_t D, int64_t item0, int64_t item1);

#ifdef __cplusplus
}
#endif
#endif
