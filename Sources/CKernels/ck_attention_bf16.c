/* Causal grouped-query attention in bfloat16 (AVX-512 BF16): the flash-attention loop of
 * ck_attention.c with both products on vdpbf16ps, about twice the f32 throughput. q, k and v are
 * rounded to bf16 once; scores, the online softmax (max, sum, rescaling) and the output accumulators
 * stay f32; the probabilities are rounded to bf16 for the P V product.
 * Packed layouts (one tile = CK_MATMUL_NR = 32 keys of one kv head, D a multiple of 32):
 *   keys   kt[D/2][32]        word (k[j][d], k[j][d+1]) at [d/2][j]: columns are keys, pairs along d;
 *   values vt[D/32][16][32]   word (v[j][d], v[j+1][d]) at [d/32][j/2][d%32]: pairs along keys.
 * Both are bf16 matmul panels, so the micro-kernel is ck_btile_avx512's. */
#include "ck_internal.h"
#include "ck_softmax_avx512.h"
#include <math.h>
#include <stdlib.h>

#define BQ CK_ATTN_BQ
#define BK CK_MATMUL_NR

/* The hardware, not the FOLIO_KERNELS cap: a cap lowered by another thread between a caller's check and
 * its call must not turn a valid call into an abort. */
static int hardware_bf16(void) {
#ifdef CK_X86
    return __builtin_cpu_supports("avx512bf16");
#else
    return 0;
#endif
}

static inline float rb(float x) { return ck_bf16_to_fp32(ck_bf16_round(x)); }

/* Reference twin: exact attention (double sums, one global max) over q, k, v rounded to bf16. The fast
 * kernel also rounds each probability to bf16 (relative 2^-9, averaging out over the keys). */
void ck_attention_bf16_ref(const float *q, const float *k, const float *v, float *out,
                           int64_t T, int64_t Hq, int64_t Hkv, int64_t D) {
    const float scale = 1.0f / sqrtf((float)D);
    const int64_t group = Hq / Hkv;
    double *s = ck_alloc((size_t)T * sizeof(double));
    for (int64_t t = 0; t < T; t++)
        for (int64_t h = 0; h < Hq; h++) {
            const float *qr = q + (t * Hq + h) * D;
            const int64_t kh = h / group;
            double mx = -INFINITY;
            for (int64_t j = 0; j <= t; j++) {
                double d = 0;
                for (int64_t i = 0; i < D; i++) d += (double)rb(qr[i]) * rb(k[(j * Hkv + kh) * D + i]);
                s[j] = d * scale;
                if (s[j] > mx) mx = s[j];
            }
            double sum = 0;
            for (int64_t j = 0; j <= t; j++) sum += exp(s[j] - mx);
            for (int64_t i = 0; i < D; i++) {
                double a = 0;
                for (int64_t j = 0; j <= t; j++) a += exp(s[j] - mx) * rb(v[(j * Hkv + kh) * D + i]);
                out[(t * Hq + h) * D + i] = (float)(a / sum);
            }
        }
    free(s);
}

int ck_attention_bf16_supported(int64_t D) {
#ifdef CK_X86
    return ck_bf16_fast() && D % BK == 0 && D <= CK_ATTN_MAX_D;
#else
    (void)D;
    return 0;
#endif
}

/* Words of one packed tile (kt or vt). */
static int64_t tile_words(int64_t D) { return D * BK / 2; }

size_t ck_attention_bf16_packed_words(int64_t T, int64_t Hkv, int64_t D) {
    return (size_t)(Hkv * ((T + BK - 1) / BK) * tile_words(D));
}

#ifdef CK_X86
#define CK_BF16 __attribute__((target("avx512bf16,avx512f,avx512bw,avx512vl,avx512dq,fma")))

/* 16 floats -> 16 bf16 in the low halves of 32-bit lanes. */
static inline __attribute__((always_inline)) CK_BF16 __m512i bf16_lanes(const float *x) {
    return _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(x)));
}

CK_BF16 static void pack_tiles(const float *k, const float *v, int64_t T, int64_t Hkv, int64_t D,
                               uint32_t *kp, uint32_t *vp, int64_t item0, int64_t item1) {
    const int64_t tiles = (T + BK - 1) / BK, stride = Hkv * D;
    const __m512i down = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32(BK));
    for (int64_t item = item0; item < item1; item++) { /* item = kh * tiles + tile */
        const int64_t kh = item / tiles, j0 = item % tiles * BK, jn = T - j0 < BK ? T - j0 : BK;
        uint32_t *kt = kp + item * tile_words(D), *vt = vp + item * tile_words(D);
        if (jn < BK) { memset(kt, 0, (size_t)tile_words(D) * 4); memset(vt, 0, (size_t)tile_words(D) * 4); }
        for (int64_t j = 0; j < jn; j++) { /* key row j: 32 floats -> 16 pairs, down column j */
            const float *kr = k + ((j0 + j) * Hkv + kh) * D;
            for (int64_t d = 0; d < D; d += 32) {
                const __m512bh b = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(kr + d + 16), _mm512_loadu_ps(kr + d));
                _mm512_i32scatter_epi32((void *)(kt + d / 2 * BK + j), down, (__m512i)b, 4);
            }
        }
        for (int64_t j = 0; j < jn; j += 2) { /* value rows j, j + 1 interleaved per column */
            const float *v0 = v + ((j0 + j) * Hkv + kh) * D, *v1 = j + 1 < jn ? v0 + stride : NULL;
            for (int64_t d = 0; d < D; d += 16) {
                __m512i w = bf16_lanes(v0 + d);
                if (v1) w = _mm512_or_si512(w, _mm512_slli_epi32(bf16_lanes(v1 + d), 16));
                _mm512_store_si512((void *)(vt + (d / BK * (BK / 2) + j / 2) * BK + d % BK), w);
            }
        }
    }
}

typedef struct {
    float acc[BQ * CK_ATTN_MAX_D];
    float s[BQ * BK];
    uint32_t qb[BQ * CK_ATTN_MAX_D / 2];
    uint32_t pb[BQ * BK / 2];
} attn_bf16_scratch; /* about 100 KiB a thread */

CK_BF16 static void attention_items(const float *q, const uint32_t *kp, const uint32_t *vp, float *out,
                                    int64_t T, int64_t Hq, int64_t Hkv, int64_t D, int64_t item0, int64_t item1) {
    const float scale = 1.0f / sqrtf((float)D);
    const int64_t group = Hq / Hkv, blocks = (T + BQ - 1) / BQ, tiles = (T + BK - 1) / BK, dw = D / 2;
    attn_bf16_scratch *sc = ck_thread_scratch(CK_SCRATCH_ATTENTION_BF16, sizeof(attn_bf16_scratch));
    float *restrict acc = sc->acc, *restrict s = sc->s;
    float mrow[BQ], lrow[BQ];
    for (int64_t item = item0; item < item1; item++) {
        const int64_t qb = blocks - 1 - item / Hq, h = item % Hq, kh = h / group; /* costliest first */
        const int64_t i0 = qb * BQ, i1 = i0 + BQ < T ? i0 + BQ : T, nq = i1 - i0;
        for (int64_t r = 0; r < nq; r++) {
            mrow[r] = -INFINITY; lrow[r] = 0;
            const float *qr = q + ((i0 + r) * Hq + h) * D;
            for (int64_t d = 0; d < D; d += 32)
                _mm512_storeu_si512((void *)(sc->qb + r * dw + d / 2),
                                    (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(qr + d + 16), _mm512_loadu_ps(qr + d)));
        }
        memset(acc, 0, (size_t)(nq * D) * sizeof(float));
        for (int64_t j0 = 0; j0 < i1; j0 += BK) {
            const int64_t jn = i1 - j0 < BK ? i1 - j0 : BK;
            const uint32_t *kt = kp + (kh * tiles + j0 / BK) * tile_words(D), *vt = vp + (kh * tiles + j0 / BK) * tile_words(D);
            const int64_t r0 = j0 > i0 ? j0 - i0 : 0, rows = nq - r0; /* earlier rows end before key j0 */
            ck_btile_avx512(sc->qb + r0 * dw, dw, kt, dw, s + r0 * BK, BK, rows, BK, 0); /* s = q k^T */
            for (int64_t r = r0; r < nq; r++) {
                const int64_t i = i0 + r, jv = i - j0 + 1 < jn ? i - j0 + 1 : jn; /* causal: keys <= i */
                softmax_step_avx512(s + r * BK, jv, scale, &mrow[r], &lrow[r], acc + r * D, D);
                _mm512_storeu_si512((void *)(sc->pb + r * (BK / 2)),
                                    (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(s + r * BK + 16), _mm512_loadu_ps(s + r * BK)));
            }
            for (int64_t p = 0; p < D / BK; p++) /* acc += P V, one 32-column panel of D at a time */
                ck_btile_avx512(sc->pb + r0 * (BK / 2), BK / 2, vt + p * (BK / 2) * BK, BK / 2,
                                acc + r0 * D + p * BK, D, rows, BK, 1);
        }
        for (int64_t r = 0; r < nq; r++) {
            float *o = out + ((i0 + r) * Hq + h) * D;
            const float inv = 1.0f / lrow[r];
            for (int64_t d = 0; d < D; d++) o[d] = acc[r * D + d] * inv;
        }
    }
}
#endif

void ck_attention_pack_bf16(const float *k, const float *v, int64_t T, int64_t Hkv, int64_t D,
                            uint32_t *kp, uint32_t *vp, int64_t item0, int64_t item1) {
    if (!hardware_bf16() || D % BK != 0 || D > CK_ATTN_MAX_D) abort(); /* programmer error: callers check */
#ifdef CK_X86
    pack_tiles(k, v, T, Hkv, D, kp, vp, item0, item1);
#endif
}

void ck_attention_packed_bf16(const float *q, const uint32_t *kp, const uint32_t *vp, float *out,
                              int64_t T, int64_t Hq, int64_t Hkv, int64_t D, int64_t item0, int64_t item1) {
    if (!hardware_bf16() || D % BK != 0 || D > CK_ATTN_MAX_D || Hkv <= 0 || Hq % Hkv != 0) abort(); /* programmer error */
#ifdef CK_X86
    attention_items(q, kp, vp, out, T, Hq, Hkv, D, item0, item1);
#endif
}
