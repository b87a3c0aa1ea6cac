/* Linear layer with int8 activations for quantised weights (llama.cpp's approach): VNNI or AVX2 kernels.
 * x is quantised once per call (ck_quantize_act); each panel of CK_MATMUL_NR weight rows by IKC columns
 * is unpacked to unsigned bytes (ck_unpack_u8.c) and packed for vpdpbusd: pu[k/4][NR][4], so one
 * 64-byte load holds 4 consecutive weights of 16 rows; scales and offsets ps, po: [kc/G][NR].
 * The micro-kernel (ck_matmul_vnni.c) runs every M row over the panel, so a panel is unpacked once; above
 * ck_int8_row_block(K) rows, all of a task's panels are packed first and rows run in blocks over them. */
#include "ck_internal.h"
#include <math.h>
#include <stdlib.h>
#ifdef CK_X86
#include <immintrin.h>
#endif

#define NR CK_MATMUL_NR
#define IKC 256 /* columns of K per panel: whole K-quant super-blocks */

/* ---- activations ---------------------------------------------------------------------------- */

size_t ck_act_bytes(int64_t M, int64_t K) {
    return (size_t)(M * K) + sizeof(float) * (size_t)(M * (K / 32) * 2 + M * (K / 16))
         + sizeof(int32_t) * (size_t)(M * (K / 32) + M * (K / 16));
}

/* Pointers into an activation buffer (layout in ckernels.h). The integer sums sum(q) per group follow
 * the float ones: [M, K/32] then [M, K/16] int32. */
static const float *act_d(const void *act, int64_t M, int64_t K) { return (const float *)((const char *)act + M * K); }
static const float *act_sums(const void *act, int64_t M, int64_t K, int G) {
    const float *s32 = act_d(act, M, K) + M * (K / 32);
    return G == 32 ? s32 : s32 + M * (K / 32);
}
static const int32_t *act_isums(const void *act, int64_t M, int64_t K, int G) {
    const int32_t *i32 = (const int32_t *)(act_sums(act, M, K, 16) + M * (K / 16));
    return G == 32 ? i32 : i32 + M * (K / 32);
}

/* The arrays of an activation buffer being written, and the one store of a block's scale and sums that
 * both quantisers (reference and AVX-512) make: sum0 and sum1 are the int8 sums of the block's two halves. */
typedef struct { int8_t *q; float *d, *s32, *s16; int32_t *i32, *i16; } act_out;
static act_out act_arrays(void *act, int64_t M, int64_t K) {
    return (act_out){act, (float *)act_d(act, M, K), (float *)act_sums(act, M, K, 32), (float *)act_sums(act, M, K, 16),
                     (int32_t *)act_isums(act, M, K, 32), (int32_t *)act_isums(act, M, K, 16)};
}
static inline void act_store_block(const act_out *a, int64_t K, int64_t m, int64_t b, float db, int sum0, int sum1) {
    a->d[m * (K / 32) + b] = db;
    a->s32[m * (K / 32) + b] = db * (float)(sum0 + sum1);
    a->s16[m * (K / 16) + 2 * b] = db * (float)sum0;
    a->s16[m * (K / 16) + 2 * b + 1] = db * (float)sum1;
    a->i32[m * (K / 32) + b] = sum0 + sum1;
    a->i16[m * (K / 16) + 2 * b] = sum0;
    a->i16[m * (K / 16) + 2 * b + 1] = sum1;
}

/* Reference twin of ck_quantize_act_avx512: per block of 32, d = amax / 127, q = round-half-even(x * 127 / amax). */
void ck_quantize_act_ref(const float *x, int64_t M, int64_t K, void *act, int64_t m0, int64_t m1) {
    const act_out a = act_arrays(act, M, K);
    for (int64_t m = m0; m < m1; m++)
        for (int64_t b = 0; b < K / 32; b++) {
            const float *xb = x + m * K + b * 32;
            int8_t *qb = a.q + m * K + b * 32;
            float amax = 0;
            for (int i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(xb[i]));
            const float db = amax / 127.0f, id = amax > 0 ? 127.0f / amax : 0.0f;
            int sum0 = 0, sum1 = 0;
            for (int i = 0; i < 16; i++) { qb[i] = (int8_t)nearbyintf(xb[i] * id); sum0 += qb[i]; }
            for (int i = 16; i < 32; i++) { qb[i] = (int8_t)nearbyintf(xb[i] * id); sum1 += qb[i]; }
            act_store_block(&a, K, m, b, db, sum0, sum1);
        }
}

#ifdef CK_X86
/* The same arithmetic 16 lanes at a time: vcvtps2dq rounds half to even, as nearbyintf does in the
 * default rounding mode, so the bytes, scales and sums equal the reference's exactly. */
__attribute__((target("avx512f,avx512bw,avx512vl")))
static void quantize_act_avx512(const float *x, int64_t M, int64_t K, void *act, int64_t m0, int64_t m1) {
    const act_out a = act_arrays(act, M, K);
    for (int64_t m = m0; m < m1; m++)
        for (int64_t b = 0; b < K / 32; b++) {
            const float *xb = x + m * K + b * 32;
            const __m512 x0 = _mm512_loadu_ps(xb), x1 = _mm512_loadu_ps(xb + 16);
            const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(x0), _mm512_abs_ps(x1)));
            const float db = amax / 127.0f, id = amax > 0 ? 127.0f / amax : 0.0f;
            const __m512 vid = _mm512_set1_ps(id);
            const __m512i i0 = _mm512_cvtps_epi32(_mm512_mul_ps(x0, vid)), i1 = _mm512_cvtps_epi32(_mm512_mul_ps(x1, vid));
            _mm_storeu_si128((__m128i *)(a.q + m * K + b * 32), _mm512_cvtsepi32_epi8(i0));
            _mm_storeu_si128((__m128i *)(a.q + m * K + b * 32 + 16), _mm512_cvtsepi32_epi8(i1));
            const int sum0 = _mm512_reduce_add_epi32(i0), sum1 = _mm512_reduce_add_epi32(i1);
            act_store_block(&a, K, m, b, db, sum0, sum1);
        }
}
#endif

void ck_quantize_act(const float *x, int64_t M, int64_t K, void *act, int64_t m0, int64_t m1) {
#ifdef CK_X86
    if (ck_cpu_isa() == CK_ISA_AVX512) { quantize_act_avx512(x, M, K, act, m0, m1); return; }
#endif
    ck_quantize_act_ref(x, M, K, act, m0, m1);
}

/* ---- reference ------------------------------------------------------------------------------ */

void ck_matmul_int8_ref(ck_type t, const void *W, const void *act, float *y,
                        int64_t M, int64_t K, int64_t ldy, int64_t n0, int64_t n1) {
    const int G = ck_int8_group(t);
    const int64_t ng = K / G;
    const int8_t *q = act;
    const float *d = act_d(act, M, K), *xs = act_sums(act, M, K, G);
    uint8_t *u = ck_alloc((size_t)K);
    float *s = ck_alloc((size_t)ng * sizeof(float)), *o = ck_alloc((size_t)ng * sizeof(float));
    const size_t rb = ck_row_bytes(t, K);
    for (int64_t n = n0; n < n1; n++) {
        ck_unpack_u8(t, (const char *)W + (size_t)n * rb, K, u, s, o);
        for (int64_t m = 0; m < M; m++) {
            float acc = 0;
            for (int64_t g = 0; g < ng; g++) {
                int32_t dot = 0;
                for (int64_t k = g * G; k < (g + 1) * G; k++) dot += q[m * K + k] * u[k];
                acc += ((float)dot * s[g]) * d[m * (K / 32) + g * G / 32];
                acc += o[g] * xs[m * ng + g];
            }
            y[m * ldy + n] = acc;
        }
    }
    free(u); free(s); free(o);
}

/* ---- driver ---------------------------------------------------------------------------------- */

typedef struct {
    uint8_t pu[IKC * NR];
    int16_t pw[IKC * NR];
    float ps[IKC / 16 * NR], po[IKC / 16 * NR];
    uint8_t rows[NR * IKC];
    float rs[NR * IKC / 16], ro[NR * IKC / 16];
} int8_scratch; /* about 46 KiB a thread */

/* Unpacks the panel of weight rows nb..nb+nv (zero rows past nv), columns k0..k0+kc, and packs it
 * for the VNNI kernel (pu) or the AVX2 one (pw, when pu is NULL), with its scales and offsets. */
static void pack_panel(ck_type t, const void *W, size_t rb, int64_t nb, int64_t nv, int64_t k0, int64_t kc, int G,
                       int8_scratch *s, uint8_t *pu8, int16_t *pw, float *ps, float *po) {
    const int64_t ngc = kc / G;
    for (int64_t r = 0; r < NR; r++) {
        if (r < nv) {
            ck_unpack_u8(t, (const char *)W + (size_t)(nb + r) * rb + ck_row_bytes(t, k0), kc,
                         s->rows + r * IKC, s->rs + r * (IKC / 16), s->ro + r * (IKC / 16));
        } else { /* missing rows: zero weights, scales and offsets, so they add nothing */
            memset(s->rows + r * IKC, 0, (size_t)kc);
            for (int64_t g = 0; g < ngc; g++) s->rs[r * (IKC / 16) + g] = s->ro[r * (IKC / 16) + g] = 0;
        }
    }
    if (pu8) { /* Pack: 4 bytes of row r at k-quad j -> pu[(j * NR + r) * 4]. */
        uint32_t *pu = (uint32_t *)pu8;
        for (int64_t j = 0; j < kc / 4; j++)
            for (int64_t r = 0; r < NR; r++) memcpy(pu + j * NR + r, s->rows + r * IKC + 4 * j, 4);
    } else { /* AVX2: weights k, k+1 of row r as int16 -> pw[(k / 2 * NR + r) * 2 + k % 2]. */
        for (int64_t j = 0; j < kc / 2; j++)
            for (int64_t r = 0; r < NR; r++) {
                pw[(j * NR + r) * 2] = s->rows[r * IKC + 2 * j];
                pw[(j * NR + r) * 2 + 1] = s->rows[r * IKC + 2 * j + 1];
            }
    }
    for (int64_t g = 0; g < ngc; g++)
        for (int64_t r = 0; r < NR; r++) {
            ps[g * NR + r] = s->rs[r * (IKC / 16) + g];
            po[g * NR + r] = s->ro[r * (IKC / 16) + g];
        }
}

/* Rows a block when M is large: the block's int8 activations (about 256 KiB) stay in L2 while every panel
 * of the task runs over them, instead of all M rows streaming through once per panel (one core, Q8_0,
 * N 3072: M 8192 270 -> 322 GOP/s; the MLP's down projection, K 3072 and M 2048, 266 -> 320). */
int64_t ck_int8_row_block(int64_t K) {
    const int64_t mb = (256 << 10) / K / 4 * 4;
    return mb < 64 ? 64 : mb;
}

/* One packed panel chunk in the store: pu [IKC / 4][NR][4] bytes, then ps and po [IKC / 16][NR] floats. */
#define PANEL_SLOT (IKC * NR + 2 * sizeof(float) * (IKC / 16 * NR))
static float *slot_ps(uint8_t *slot) { return (float *)(slot + IKC * NR); }
static float *slot_po(uint8_t *slot) { return slot_ps(slot) + IKC / 16 * NR; }

void ck_matmul_int8(ck_type t, const void *W, const void *act, float *y,
                    int64_t M, int64_t K, int64_t ldy, int64_t n0, int64_t n1) {
#ifdef CK_X86
    if (M <= 0 || n1 <= n0) return;
    /* VNNI, else AVX2, else the reference (which is the portable path). */
    const int vnni = ck_int8_fast(), avx2 = ck_cpu_isa() == CK_ISA_AVX2 || ck_cpu_isa() == CK_ISA_AVX512;
    if (!vnni && !avx2) { ck_matmul_int8_ref(t, W, act, y, M, K, ldy, n0, n1); return; }
    const int G = ck_int8_group(t);
    const int8_t *q = act;
    const float *d = act_d(act, M, K), *xs = act_sums(act, M, K, G);
    const int32_t *xi = act_isums(act, M, K, G);
    const int Z = ck_int8_zero_point(t);
    int8_scratch *s = ck_thread_scratch(CK_SCRATCH_INT8, sizeof(int8_scratch));
    const size_t rb = ck_row_bytes(t, K);
    const int64_t MB = ck_int8_row_block(K);
    if (vnni && M > MB) {
        /* Row-blocked: every panel of the task packed once, then each block of MB rows runs over all of them. */
        const int64_t panels = (n1 - n0 + NR - 1) / NR, chunks = (K + IKC - 1) / IKC;
        /* The task's packed panels: a per-thread buffer that grows to the largest task seen. */
        uint8_t *store = ck_thread_scratch(CK_SCRATCH_INT8_PANELS, (size_t)(panels * chunks) * PANEL_SLOT);
        for (int64_t p = 0; p < panels; p++)
            for (int64_t c = 0; c < chunks; c++) {
                const int64_t nb = n0 + p * NR, nv = n1 - nb < NR ? n1 - nb : NR, k0 = c * IKC;
                if (c == 0 && p + 1 < panels) { /* the next panel's 32 rows: too many streams for the prefetcher */
                    const int64_t next = nb + NR, rows = n1 - next < NR ? n1 - next : NR;
                    for (int64_t r = 0; r < rows; r++)
                        for (size_t b = 0; b < rb; b += 64) __builtin_prefetch((const char *)W + (size_t)(next + r) * rb + b, 0, 2);
                }
                uint8_t *pu = store + (size_t)(p * chunks + c) * PANEL_SLOT;
                pack_panel(t, W, rb, nb, nv, k0, K - k0 < IKC ? K - k0 : IKC, G, s, pu, NULL, slot_ps(pu), slot_po(pu));
            }
        for (int64_t m0 = 0; m0 < M; m0 += MB) {
            const int64_t mb = M - m0 < MB ? M - m0 : MB;
            for (int64_t p = 0; p < panels; p++)
                for (int64_t c = 0; c < chunks; c++) {
                    const int64_t nb = n0 + p * NR, nv = n1 - nb < NR ? n1 - nb : NR, k0 = c * IKC;
                    const int64_t kc = K - k0 < IKC ? K - k0 : IKC;
                    uint8_t *pu = store + (size_t)(p * chunks + c) * PANEL_SLOT;
                    ck_itile_vnni(q + m0 * K + k0, K, d + m0 * (K / 32) + k0 / 32, K / 32, xs + m0 * (K / G) + k0 / G,
                                  xi + m0 * (K / G) + k0 / G, K / G, Z, pu, slot_ps(pu), slot_po(pu), kc, G,
                                  y + m0 * ldy + nb, ldy, mb, nv, k0 > 0);
                }
        }
        return;
    }
    for (int64_t nb = n0; nb < n1; nb += NR) {
        const int64_t nv = n1 - nb < NR ? n1 - nb : NR;
        for (int64_t k0 = 0; k0 < K; k0 += IKC) {
            const int64_t kc = K - k0 < IKC ? K - k0 : IKC;
            pack_panel(t, W, rb, nb, nv, k0, kc, G, s, vnni ? s->pu : NULL, s->pw, s->ps, s->po);
            if (vnni)
                ck_itile_vnni(q + k0, K, d + k0 / 32, K / 32, xs + k0 / G, xi + k0 / G, K / G, Z, s->pu, s->ps, s->po, kc, G,
                              y + nb, ldy, M, nv, k0 > 0);
            else
                ck_itile_avx2(q + k0, K, d + k0 / 32, K / 32, xs + k0 / G, K / G, s->pw, s->ps, s->po, kc, G,
                              y + nb, ldy, M, nv, k0 > 0);
        }
    }
#else
    ck_matmul_int8_ref(t, W, act, y, M, K, ldy, n0, n1);
#endif
}
