/* CKernels for exact vector search: one query against N stored rows, and half-precision row conversion.
 * Each fast kernel has a plain `_ref` twin (double-precision sums, in order); tests check one against the other.
 * Letters: N = stored rows (vectors), D = dimensions. Rows are contiguous: rows[r * D + i]. */
#ifndef CK_VECSEARCH_H
#define CK_VECSEARCH_H
#include <stdint.h>
#include "ckernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Dot products of every row with the query: out[r] = sum_i rows[r * d + i] * q[i] for r < n.
 * rows: [n, d] f32, q: [d] f32, out: [n]. The fast versions sum in f32 in a different order (relative
 * error near 1e-7 * sqrt(d) for unit vectors); the scan is memory-bound, so it reads each row once. */
void ck_dot_rows_f32_ref(const float *rows, int64_t n, int d, const float *q, float *out);
void ck_dot_rows_f32(const float *rows, int64_t n, int d, const float *q, float *out);

/* As ck_dot_rows_f32 with rows stored as IEEE half precision (binary16 bit patterns), widened exactly to f32. */
void ck_dot_rows_f16_ref(const uint16_t *rows, int64_t n, int d, const float *q, float *out);
void ck_dot_rows_f16(const uint16_t *rows, int64_t n, int d, const float *q, float *out);

/* The kernels on a chosen path (portable when the CPU lacks it); for tests and benchmarks. */
void ck_dot_rows_f32_isa(ck_isa isa, const float *rows, int64_t n, int d, const float *q, float *out);
void ck_dot_rows_f16_isa(ck_isa isa, const uint16_t *rows, int64_t n, int d, const float *q, float *out);

/* f32 -> binary16, round to nearest even; overflow gives +-inf, NaN stays NaN. n values. */
void ck_f32_to_f16(const float *src, uint16_t *dst, int64_t n);
/* binary16 -> f32, exact. n values. */
void ck_f16_to_f32(const uint16_t *src, float *dst, int64_t n);

#ifdef __cplusplus
}
#endif
#endif
