/* Grouped-query attention in bfloat16 (AVX-512 BF16), causal (decoders) or bidirectional (encoders): the
 * flash-attention loop of ck_attention.c with both products on vdpbf16ps, about twice the f32 throughput. q, k and v are
 * rounded to bf16 once; scores, the online softmax (max, sum, rescaling) and the output accumulators
 * stay f32; the probabilities are rounded to bf16 for the P V product.
 * Keys are visited in chunks of BC = 128 (four 32-key panels of Q K^T, one P V product of 64 key pairs),
 * so the softmax's reductions and the accumulators' loads and stores are paid once per 128 keys. The
 * softmax works in base 2 (scores times scale * log2 e, exp2 as a degree-3 polynomial and vscalefps), keeps
 * each row's sum in 16 lanes, and rescales lazily: the running max moves only when a chunk's max passes it
 * by more than TAU (2^8), so the probabilities stay below 2^TAU and most chunks need no rescaling (as
 * FlashAttention-4 does); only the chunks a row sees in part (the causal diagonal, the last keys) pay for
 * masks. Together about 4% faster than a degree-5 exp2 with
 * masks and both reductions on every chunk (8,192 tokens, one thread). Rounding q * scale * log2 e instead of
 * q (saving the scale's multiply) moved the sharp-attention fixture's cosine at 8,192 tokens from 0.99994
 * to 0.99982: there q's rounding is most of the error, so q is rounded as it is.
 * Packed layouts (D a multiple of 32; Tp = T rounded up to 32 keys):
 *   keys   kt[kh][T/32][D/2][32]    word (k[j][d], k[j][d+1]) at [..][d/2][j%32]: one Q K^T panel per 32 keys;
 *   values vt[kh][D/32][Tp/2][32]   word (v[j][d], v[j+1][d]) at [..][d/32][j/2][d%32]: a panel of D's 32
 *                                   columns runs down all key pairs, so a chunk's P V is one product.
 * Both are bf16 matmul panels, so the micro-kernel is ck_btile_avx512's. */
#include "ck_internal.h"
#include <math.h>
#ifdef CK_X86
#include <immintrin.h>
#endif
#include <stdlib.h>

#define BQ CK_ATTN_BQ
#define BK CK_MATMUL_NR
#define BC 128   /* keys per softmax chunk: four key panels */
#define TAU 8.0f /* lazy rescaling: the running max (log2 units) moves when passed by more than this */

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

/* Reference twin: exact attention (double sums, one global max) over q, k, v rounded to bf16; row t sees keys
 * 0...t (causal) or all T. The fast kernel also rounds each probability to bf16 (relative 2^-9, averaging out
 * over the keys). */
static void attention_bf16_ref(const float *q, const float *k, const float *v, float *out,
                               int64_t T, int64_t Hq, int64_t Hkv, int64_t D, double scale, int causal) {
    const int64_t group = Hq / Hkv;
    double *s = ck_alloc((size_t)T * sizeof(double));
    for (int64_t t = 0; t < T; t++)
        for (int64_t h = 0; h < Hq; h++) {
            const float *qr = q + (t * Hq + h) * D;
            const int64_t kh = h / group;
            const int64_t keys = causal ? t + 1 : T;
            double mx = -INFINITY;
            for (int64_t j = 0; j < keys; j++) {
                double d = 0;
                for (int64_t i = 0; i < D; i++) d += (double)rb(qr[i]) * rb(k[(j * Hkv + kh) * D + i]);
                s[j] = d * scale;
                if (s[j] > mx) mx = s[j];
            }
            double sum = 0;
            for (int64_t j = 0; j < keys; j++) sum += exp(s[j] - mx);
            for (int64_t i = 0; i < D; i++) {
                double a = 0;
                for (int64_t j = 0; j < keys; j++) a += exp(s[j] - mx) * rb(v[(j * Hkv + kh) * D + i]);
                out[(t * Hq + h) * D + i] = (float)(a / sum);
            }
        }
    free(s);
}

void ck_attention_bf16_ref(const float *q, const float *k, const float *v, float *out,
                           int64_t T, int64_t Hq, int64_t Hkv, int64_t D) {
    attention_bf16_ref(q, k, v, out, T, Hq, Hkv, D, 1.0 / sqrt((double)D), 1);
}

void ck_encoder_attention_bf16_ref(const float *q, const float *k, const float *v, float *out,
                                   int64_t T, int64_t Hq, int64_t Hkv, int64_t D, double scale) {
    attention_bf16_ref(q, k, v, out, T, Hq, Hkv, D, scale, 0);
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

CK_BF16 static void pack_tiles(const float *k, const float *kmean, const float *v, int64_t T, int64_t Hkv, int64_t D,
                               uint32_t *kp, uint32_t *vp, int64_t item0, int64_t item1) {
    const int64_t tiles = (T + BK - 1) / BK, stride = Hkv * D, pairs = tiles * BK / 2;
    const __m512i down = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32(BK));
    for (int64_t item = item0; item < item1; item++) { /* item = kh * tiles + tile */
        const int64_t kh = item / tiles, j0 = item % tiles * BK, jn = T - j0 < BK ? T - j0 : BK;
        uint32_t *kt = kp + item * tile_words(D);
        if (jn < BK) memset(kt, 0, (size_t)tile_words(D) * 4);
        for (int64_t j = 0; j < jn; j++) { /* key row j: 32 floats -> 16 pairs, down column j */
            const float *kr = k + ((j0 + j) * Hkv + kh) * D, *km = kmean ? kmean + kh * D : NULL;
            for (int64_t d = 0; d < D; d += 32) {
                __m512 lo = _mm512_loadu_ps(kr + d), hi = _mm512_loadu_ps(kr + d + 16);
                if (km) { lo = _mm512_sub_ps(lo, _mm512_loadu_ps(km + d)); hi = _mm512_sub_ps(hi, _mm512_loadu_ps(km + d + 16)); }
                const __m512bh b = _mm512_cvtne2ps_pbh(hi, lo);
                _mm512_i32scatter_epi32((void *)(kt + d / 2 * BK + j), down, (__m512i)b, 4);
            }
        }
        for (int64_t j = 0; j < BK; j += 2) { /* value rows j, j + 1 interleaved per column; zero past T */
            const float *v0 = j < jn ? v + ((j0 + j) * Hkv + kh) * D : NULL, *v1 = j + 1 < jn ? v0 + stride : NULL;
            for (int64_t d = 0; d < D; d += 16) {
                __m512i w = v0 ? bf16_lanes(v0 + d) : _mm512_setzero_si512();
                if (v1) w = _mm512_or_si512(w, _mm512_slli_epi32(bf16_lanes(v1 + d), 16));
                _mm512_store_si512((void *)(vp + ((kh * (D / BK) + d / BK) * pairs + (j0 + j) / 2) * BK + d % BK), w);
            }
        }
    }
}

/* 2^x for x <= TAU: x = n + f with n an integer and |f| <= 1/2, 2^f by a degree-3 polynomial (relative
 * error 7.5e-5, far below the bf16 rounding of the probabilities, 2^-9), times 2^n by vscalefps (0 for very
 * negative n). Lanes outside `keep` are 0 (x may be -inf or NaN there). */
static inline __attribute__((always_inline)) CK_BF16 __m512 exp2_16(__mmask16 keep, __m512 x) {
    const __m512 n = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512 f = _mm512_sub_ps(x, n);
    __m512 p = _mm512_set1_ps(5.517166875457689e-2f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.4261114787052274e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.932609877583408e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.99928072030799e-1f));
    return _mm512_maskz_scalef_ps(keep, p, n);
}

/* One query row against a chunk of jv visible keys (jv <= BC) whose raw scores are s[0..BC): the online
 * softmax in base 2 with lazy rescaling. c = scale * log2 e; m: the row's running max (log2 units);
 * l[0..16): its sum, lane-wise; a[0..D): its accumulator, rescaled with l when the max moves
 * (`fresh`: nothing accumulated yet). Writes the probabilities as bf16 pairs pb[0..BC/2), 0 for the masked
 * keys. MASKED: some keys of the chunk are not visible (jv < BC); else no masks. */
static inline __attribute__((always_inline)) CK_BF16 void softmax_chunk(
    const int MASKED, const float *restrict s, int64_t jv, float c, float *m, float *restrict l, float *restrict a, int64_t D,
    int fresh, uint32_t *restrict pb) {
    __m512 x[BC / 16];
    __mmask16 keep[BC / 16];
    const __m512 vc = _mm512_set1_ps(c);
    for (int i = 0; i < BC / 16; i++) {
        const int64_t n = jv - 16 * i;
        keep[i] = !MASKED || n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
        x[i] = MASKED ? _mm512_mask_mul_ps(_mm512_set1_ps(-INFINITY), keep[i], _mm512_loadu_ps(s + 16 * i), vc)
                      : _mm512_mul_ps(_mm512_loadu_ps(s + 16 * i), vc);
    }
    __m512 t[BC / 32];
    for (int i = 0; i < BC / 32; i++) t[i] = _mm512_max_ps(x[2 * i], x[2 * i + 1]);
    const __m512 vmax = _mm512_max_ps(_mm512_max_ps(t[0], t[1]), _mm512_max_ps(t[2], t[3]));
    if (_mm512_cmp_ps_mask(vmax, _mm512_set1_ps(*m + TAU), _CMP_GT_OQ)) { /* also on the first chunk (m = -inf) */
        const float tmax = _mm512_reduce_max_ps(vmax);
        if (!fresh) {
            const __m512 vk = _mm512_set1_ps(exp2f(*m - tmax));
            _mm512_storeu_ps(l, _mm512_mul_ps(_mm512_loadu_ps(l), vk));
            for (int64_t d = 0; d < D; d += 16) _mm512_storeu_ps(a + d, _mm512_mul_ps(_mm512_loadu_ps(a + d), vk));
        }
        *m = tmax;
    }
    const __m512 vm = _mm512_set1_ps(*m);
    __m512 sum = _mm512_loadu_ps(l);
    for (int i = 0; i < BC / 16; i += 2) {
        const __m512 p0 = exp2_16(keep[i], _mm512_sub_ps(x[i], vm)), p1 = exp2_16(keep[i + 1], _mm512_sub_ps(x[i + 1], vm));
        sum = _mm512_add_ps(sum, _mm512_add_ps(p0, p1));
        _mm512_storeu_si512((void *)(pb + 8 * i), (__m512i)_mm512_cvtne2ps_pbh(p1, p0));
    }
    _mm512_storeu_ps(l, sum);
}

typedef struct {
    float acc[BQ * CK_ATTN_MAX_D];
    float s[BQ * BC];
    uint32_t qb[BQ * CK_ATTN_MAX_D / 2];
    uint32_t pb[BQ * BC / 2];
    float l[BQ * 16];
} attn_bf16_scratch; /* about 122 KiB a thread (D 512) */

/* Causal: row i sees keys 0...i; else all T (padding keys of the last panel are masked either way). */
CK_BF16 static void attention_items(const float *q, const uint32_t *kp, const uint32_t *vp, float *out,
                                    int64_t T, int64_t Hq, int64_t Hkv, int64_t D, float scale, int causal,
                                    int64_t item0, int64_t item1) {
    const float c = 1.44269504088896341f * scale;
    const int64_t group = Hq / Hkv, blocks = (T + BQ - 1) / BQ, tiles = (T + BK - 1) / BK, dw = D / 2;
    const int64_t pairs = tiles * BK / 2;
    attn_bf16_scratch *sc = ck_thread_scratch(CK_SCRATCH_ATTENTION_BF16, sizeof(attn_bf16_scratch));
    float *restrict acc = sc->acc, *restrict s = sc->s;
    float mrow[BQ];
    for (int64_t item = item0; item < item1; item++) {
        int64_t qb, h;
        ck_attention_item(item, blocks, Hq, Hkv, &qb, &h);
        const int64_t kh = h / group;
        const int64_t i0 = qb * BQ, i1 = i0 + BQ < T ? i0 + BQ : T, nq = i1 - i0;
        for (int64_t r = 0; r < nq; r++) {
            mrow[r] = -INFINITY;
            _mm512_storeu_ps(sc->l + 16 * r, _mm512_setzero_ps());
            const float *qr = q + ((i0 + r) * Hq + h) * D;
            for (int64_t d = 0; d < D; d += 32)
                _mm512_storeu_si512((void *)(sc->qb + r * dw + d / 2),
                                    (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(qr + d + 16), _mm512_loadu_ps(qr + d)));
        }
        /* Chunks start at multiples of BC <= i0 (BQ divides BC), so every row sees each chunk's first key. */
        const int64_t keys = causal ? i1 : T;
        for (int64_t j0 = 0; j0 < keys; j0 += BC) {
            const int64_t jn = keys - j0 < BC ? keys - j0 : BC;
            for (int64_t t = 0; t * BK < jn; t++) /* s[r][t*32..] = q k^T over one key panel */
                ck_btile_avx512(sc->qb, dw, kp + (kh * tiles + j0 / BK + t) * tile_words(D), dw, s + t * BK, BC, nq, BK, 0);
            for (int64_t r = 0; r < nq; r++) {
                const int64_t jv = causal && i0 + r - j0 + 1 < jn ? i0 + r - j0 + 1 : jn; /* causal: keys <= i0 + r */
                if (jv == BC)
                    softmax_chunk(0, s + r * BC, jv, c, &mrow[r], sc->l + 16 * r, acc + r * D, D, j0 == 0, sc->pb + r * (BC / 2));
                else
                    softmax_chunk(1, s + r * BC, jv, c, &mrow[r], sc->l + 16 * r, acc + r * D, D, j0 == 0, sc->pb + r * (BC / 2));
            }
            for (int64_t p = 0; p < D / BK; p++) /* acc += P V, one 32-column panel of D over the chunk's pairs */
                ck_btile_avx512(sc->pb, BC / 2, vp + ((kh * (D / BK) + p) * pairs + j0 / 2) * BK, (jn + 1) / 2,
                                acc + p * BK, D, nq, BK, j0 > 0);
        }
        for (int64_t r = 0; r < nq; r++) {
            float *o = out + ((i0 + r) * Hq + h) * D;
            const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(_mm512_loadu_ps(sc->l + 16 * r)));
            for (int64_t d = 0; d < D; d += 16) _mm512_storeu_ps(o + d, _mm512_mul_ps(_mm512_loadu_ps(acc + r * D + d), inv));
        }
    }
}
#endif

void ck_attention_key_mean(const float *k, int64_t T, int64_t Hkv, int64_t D, float *mean) {
    double *sum = ck_alloc((size_t)(Hkv * D) * sizeof(double));
    for (int64_t i = 0; i < Hkv * D; i++) sum[i] = 0;
    for (int64_t t = 0; t < T; t++)
        for (int64_t i = 0; i < Hkv * D; i++) sum[i] += k[t * Hkv * D + i];
    for (int64_t i = 0; i < Hkv * D; i++) mean[i] = (float)(sum[i] / (double)T);
    free(sum);
}

void ck_attention_pack_bf16(const float *k, const float *kmean, const float *v, int64_t T, int64_t Hkv, int64_t D,
                            uint32_t *kp, uint32_t *vp, int64_t item0, int64_t item1) {
    if (!hardware_bf16() || D % BK != 0 || D > CK_ATTN_MAX_D) abort(); /* programmer error: callers check */
#ifdef CK_X86
    pack_tiles(k, kmean, v, T, Hkv, D, kp, vp, item0, item1);
#endif
}

void ck_attention_packed_bf16(const float *q, const uint32_t *kp, const uint32_t *vp, float *out,
                              int64_t T, int64_t Hq, int64_t Hkv, int64_t D, int64_t item0, int64_t item1) {
    if (!hardware_bf16() || D % BK != 0 || D > CK_ATTN_MAX_D || Hkv <= 0 || Hq % Hkv != 0) abort(); /* programmer error */
#ifdef CK_X86
    attention_items(q, kp, vp, out, T, Hq, Hkv, D, 1.0f / sqrtf((float)D), 1, item0, item1);
#endif
}

void ck_encoder_attention_packed_bf16(const float *q, const uint32_t *kp, const uint32_t *vp, float *out,
                                      int64_t T, int64_t Hq, int64_t Hkv, int64_t D, float scale,
                                      int64_t item0, int64_t item1) {
    if (!hardware_bf16() || D % BK != 0 || D > CK_ATTN_MAX_D || Hkv <= 0 || Hq % Hkv != 0) abort(); /* programmer error */
#ifdef CK_X86
    attention_items(q, kp, vp, out, T, Hq, Hkv, D, scale, 0, item0, item1);
#endif
}
