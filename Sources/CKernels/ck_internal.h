/* Private to CKernels: block layouts, memory, half-precision conversion, the dispatch table.
 * Block layouts are ggml's (ggml-common.h); sizes are checked at compile time. */
#ifndef CK_INTERNAL_H
#define CK_INTERNAL_H
#include "ckernels.h"
#include <string.h>

#define QK 32      /* weights per Q8_0 / Q5_0 block */
#define QK_K 256   /* weights per K-quant super-block */

/* Q8_0: 32 weights share one fp16 scale: w = d * q. 34 bytes. */
typedef struct { uint16_t d; int8_t qs[QK]; } block_q8_0;
/* Q5_0: w = d * (q - 16), q = low nibble | high bit << 4. Nibbles: qs[j] low = weight j, high = weight j+16. 22 bytes. */
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[QK / 2]; } block_q5_0;
/* Q4_K: 8 sub-blocks of 32, each with a 6-bit scale and min: w = d*sc*q - dmin*m. 144 bytes. */
typedef struct { uint16_t d; uint16_t dmin; uint8_t scales[12]; uint8_t qs[QK_K / 2]; } block_q4_K;
/* Q5_K: as Q4_K plus one high bit per weight in qh. 176 bytes. */
typedef struct { uint16_t d; uint16_t dmin; uint8_t scales[12]; uint8_t qh[QK_K / 8]; uint8_t qs[QK_K / 2]; } block_q5_K;
/* Q6_K: 16 sub-blocks of 16 with int8 scales: w = d * sc * (q - 32), q 6 bits split 4 + 2. 210 bytes. */
typedef struct { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; uint16_t d; } block_q6_K;

_Static_assert(sizeof(block_q8_0) == 34, "block_q8_0 must be 34 bytes as in ggml");
_Static_assert(sizeof(block_q5_0) == 22, "block_q5_0 must be 22 bytes as in ggml");
_Static_assert(sizeof(block_q4_K) == 144, "block_q4_K must be 144 bytes as in ggml");
_Static_assert(sizeof(block_q5_K) == 176, "block_q5_K must be 176 bytes as in ggml");
_Static_assert(sizeof(block_q6_K) == 210, "block_q6_K must be 210 bytes as in ggml");

/* ---- memory (ck_scratch.c) ------------------------------------------------------------------
 * Kernels return nothing and their Swift callers (FolioTensor's Ops) check no status, so a kernel that
 * cannot get memory has no one to tell: it stops the process with a message rather than go on with a
 * NULL. Every allocation in CKernels, the `_ref` twins' included, goes through one of these two. */

/* bytes (0 allowed), 64-byte aligned, released with free(); never NULL. */
void *ck_alloc(size_t bytes);

/* Per-thread scratch, one buffer a slot: at least `bytes`, 64-byte aligned, allocated on the thread's
 * first call, reallocated (contents dropped) when a call asks for more, freed when the thread exits.
 * Heap, not stack: the attention scratch alone is about 200 KiB. One slot per user, so a kernel that
 * calls another (int8's packed panels beside its unpacking buffers) never shares a buffer. */
/* Largest per-thread store of packed weight panels on the row-blocked matmul paths (ck_matmul.c,
 * ck_matmul_bf16.c): bigger tasks pack and run their panels in groups of at most this many bytes. */
#define CK_PANEL_STORE (4 << 20)

typedef enum {
    CK_SCRATCH_MATMUL,         /* ck_matmul.c */
    CK_SCRATCH_MATMUL_PANELS,  /* ck_matmul.c: a group of packed panels, row-blocked path */
    CK_SCRATCH_MATMUL_BF16,    /* ck_matmul_bf16.c */
    CK_SCRATCH_BF16_PANELS,    /* ck_matmul_bf16.c: a group of packed panels, row-blocked path */
    CK_SCRATCH_INT8,           /* ck_matmul_int8.c: one panel's unpacking and packing */
    CK_SCRATCH_INT8_PANELS,    /* ck_matmul_int8.c: a task's packed panels, row-blocked path */
    CK_SCRATCH_ATTENTION,      /* ck_attention.c */
    CK_SCRATCH_ATTENTION_BF16, /* ck_attention_bf16.c */
    CK_SCRATCH_SLOTS
} ck_scratch_slot;
void *ck_thread_scratch(ck_scratch_slot slot, size_t bytes);

/* Attention work item -> (query block qb, query head h), for the f32 and bf16 kernels: kv head by kv head, and
 * within one the last query blocks first (they see the most keys, so dynamic scheduling balances better), the
 * heads sharing it side by side. Threads taking items in order then read the same kv head's keys and values,
 * which stay in L3 (bf16 at 8,192 tokens, one thread: 88% of the register peak, against 70% with the kv heads
 * interleaved and all of them, 32 MiB, streaming from memory). */
static inline void ck_attention_item(int64_t item, int64_t blocks, int64_t Hq, int64_t Hkv, int64_t *qb, int64_t *h) {
    const int64_t group = Hq / Hkv, kh = item / (blocks * group), rest = item % (blocks * group);
    *qb = blocks - 1 - rest / group;
    *h = kh * group + rest % group;
}

/* IEEE half -> float, exact for every input (subnormals, inf, nan). */
static inline float ck_fp16_to_fp32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    } else if (man == 0) {
        bits = sign;
    } else { /* subnormal: normalise the mantissa */
        int e = -1;
        do { man <<= 1; e++; } while (!(man & 0x400));
        bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3ff) << 13);
    }
    float f; memcpy(&f, &bits, 4); return f;
}

/* float -> bf16, round to nearest even; NaN stays NaN (quieted). */
static inline uint16_t ck_bf16_round(float f) {
    uint32_t b; memcpy(&b, &f, 4);
    if ((b & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((b >> 16) | 0x40);
    b += 0x7fffu + ((b >> 16) & 1u);
    return (uint16_t)(b >> 16);
}

static inline float ck_bf16_to_fp32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16; float f; memcpy(&f, &bits, 4); return f;
}

/* sum_i a[i] * b[i] in 16 partial sums: a pattern compilers vectorise (they may not reorder one float
 * sum by themselves), fixed so every caller adds in the same order. The portable dot product of vector
 * search, and RMSNorm's and L2 normalisation's sum of squares (a = b). */
static inline __attribute__((always_inline)) float ck_dot16(const float *a, const float *b, int64_t n) {
    float acc[16] = {0};
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; l++) acc[l] += a[i + l] * b[i + l];
    float s = 0;
    for (int l = 0; l < 16; l++) s += acc[l];
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

/* 6-bit scale and min j (0..7) of a Q4_K / Q5_K super-block (ggml get_scale_min_k4). */
static inline void ck_scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m) {
    if (j < 4) {
        *d = q[j] & 63; *m = q[j + 4] & 63;
    } else {
        *d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

/* A dequantiser: n = whole blocks' worth of weights. Declared through the function type, so the
 * signature is written once for every type and ISA. */
typedef void ck_deq_kernel(const void *src, float *dst, int64_t n);
typedef ck_deq_kernel *ck_deq_fn;

/* Per-type reference dequantisers. */
ck_deq_kernel ck_deq_f32_ref, ck_deq_f16_ref, ck_deq_bf16_ref, ck_deq_q8_0_ref, ck_deq_q5_0_ref,
              ck_deq_q4_K_ref, ck_deq_q5_K_ref, ck_deq_q6_K_ref;

#if defined(__x86_64__) || defined(__i386__)
#define CK_X86 1
ck_deq_kernel ck_deq_f16_avx2, ck_deq_bf16_avx2, ck_deq_q8_0_avx2, ck_deq_q5_0_avx2,
              ck_deq_q4_K_avx2, ck_deq_q5_K_avx2, ck_deq_q6_K_avx2;
#endif

/* The fastest dequantiser of type t this CPU runs (ck_cpu.c). */
ck_deq_fn ck_deq_fast(ck_type t);
ck_deq_fn ck_deq_reference(ck_type t);
/* Weights per block of type t. */
int64_t ck_block_size(ck_type t);

/* Matmul micro-kernel over one dequantised panel (ck_matmul.c):
 *   y[m * ldy + j] (+)= sum_k x[m * ldx + k] * panel[k * CK_MATMUL_NR + j]   for m < M, j < nv
 * panel: [kc, CK_MATMUL_NR] f32, 64-byte aligned, columns nv..NR zero. accumulate: add to y instead of storing. */
typedef void ck_tile_kernel(const float *x, int64_t ldx, const float *panel, int64_t kc,
                            float *y, int64_t ldy, int64_t M, int64_t nv, int accumulate);
typedef ck_tile_kernel *ck_tile_fn;
ck_tile_kernel ck_tile_portable;
#ifdef CK_X86
ck_tile_kernel ck_tile_avx2, ck_tile_avx512;
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
ck_tile_kernel ck_tile_neon;
#endif
ck_tile_fn ck_tile_for(ck_isa isa);
#ifdef CK_X86
/* The bf16 micro-kernel (ck_matmul_bf16.c): y[M, nv] (+)= x · panel over kp pairs of k, with x as bf16
 * pairs (row stride ldx words) and panel[kp][CK_MATMUL_NR] pairs; panel 64-byte aligned. AVX-512 BF16 only. */
void ck_btile_avx512(const uint32_t *x, int64_t ldx, const uint32_t *panel, int64_t kp,
                     float *y, int64_t ldy, int64_t M, int64_t nv, int accumulate);
#endif

/* Packs 8 dequantised rows (row stride lds) into panel columns 0..7: panel[k * NR + r] = rows[r * lds + k]. */
typedef void ck_transpose_kernel(const float *rows, int64_t lds, float *panel, int64_t kc);
typedef ck_transpose_kernel *ck_transpose_fn;
ck_transpose_kernel ck_transpose8_portable;
#ifdef CK_X86
ck_transpose_kernel ck_transpose8_avx2;
#endif
ck_transpose_fn ck_transpose_for(ck_isa isa);

/* Weights of type t as unsigned bytes u[n] with a scale and offset per group (ck_unpack_u8.c). */
void ck_unpack_u8(ck_type t, const void *src, int64_t n, uint8_t *u, float *s, float *o);
/* Z where every offset of type t is o = -Z s (a zero point: Q8_0 128, Q5_0 16, Q6_K 32); 0 otherwise. */
int ck_int8_zero_point(ck_type t);
#ifdef CK_X86
/* Int8 micro-kernel over one packed panel (ck_matmul_vnni.c); see ck_matmul_int8.c for the layout.
 * Z > 0: the type's offsets are o = -Z s, so the kernel subtracts Z sum(q) (xi) in int32 and skips po. */
void ck_itile_vnni(const int8_t *xq, int64_t ldx, const float *xd, int64_t ldd, const float *xs,
                   const int32_t *xi, int64_t lds, int Z,
                   const uint8_t *pu, const float *ps, const float *po, int64_t kc, int G,
                   float *y, int64_t ldy, int64_t M, int64_t nv, int accumulate);
/* AVX2 twin (ck_matmul_int8_avx2.c): weights widened to int16 pairs, pw[k/2][NR][2], so vpmaddwd sums
 * pairs of products exactly (vpmaddubsw would saturate on Q8_0's 0..255 weights). */
void ck_itile_avx2(const int8_t *xq, int64_t ldx, const float *xd, int64_t ldd, const float *xs, int64_t lds,
                   const int16_t *pw, const float *ps, const float *po, int64_t kc, int G,
                   float *y, int64_t ldy, int64_t M, int64_t nv, int accumulate);
#endif

#endif
