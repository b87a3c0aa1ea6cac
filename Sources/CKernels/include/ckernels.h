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

#ifdef __cplusplus
}
#endif
#endif
