/* Causal grouped-query attention.
 * Reference: per query row, all scores, a max-subtracted softmax, then the weighted sum of values.
 * Fast: flash-attention style. A work item is (block of CK_ATTN_BQ query rows, head); its keys are
 * visited in tiles of BK with an online softmax (running max m, running sum l, accumulator rescaled
 * by exp(m_old - m_new)), so memory stays O(BQ * D) and the key/value tile stays in L1 across the
 * block's rows. Both products of a block with a tile (scores = Q K^T, then P V) are small matmuls:
 * the tile is packed into panels and run through the matmul micro-kernel of the ISA. */
#include "ck_internal.h"
#include "ck_vexp.h"
#include "ck_softmax_avx512.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BQ CK_ATTN_BQ
#define BK CK_MATMUL_NR /* a key tile is one matmul panel, so both products reuse the matmul micro-kernel */

void ck_attention_ref(const float *q, const float *k, const float *v, float *out,
                      int64_t T, int64_t Hq, int64_t Hkv, int64_t D) {
    const float scale = 1.0f / sqrtf((float)D);
    const int64_t group = Hq / Hkv;
    float *s = ck_alloc((size_t)T * sizeof(float));
    for (int64_t t = 0; t < T; t++)
        for (int64_t h = 0; h < Hq; h++) {
            const float *qr = q + (t * Hq + h) * D;
            const int64_t kh = h / group;
            float mx = -INFINITY;
            for (int64_t j = 0; j <= t; j++) {
                double d = 0;
                for (int64_t i = 0; i < D; i++) d += (double)qr[i] * k[(j * Hkv + kh) * D + i];
                s[j] = (float)d * scale;
                if (s[j] > mx) mx = s[j];
            }
            double sum = 0;
            for (int64_t j = 0; j <= t; j++) sum += exp((double)s[j] - mx);
            float *o = out + (t * Hq + h) * D;
            for (int64_t i = 0; i < D; i++) {
                double a = 0;
                for (int64_t j = 0; j <= t; j++) a += exp((double)s[j] - mx) * v[(j * Hkv + kh) * D + i];
                o[i] = (float)(a / sum);
            }
        }
    free(s);
}

int64_t ck_attention_items(int64_t T, int64_t Hq) { return (T + BQ - 1) / BQ * Hq; }

/* Per-thread scratch: the accumulators of one query block, one key and value tile packed as matmul
 * panels, their scores. Heap, not stack (about 200 KiB): allocated once per thread, freed at its exit. */
typedef struct {
    float acc[BQ * CK_ATTN_MAX_D];
    float kt[CK_ATTN_MAX_D * BK];
    float vt[CK_ATTN_MAX_D * BK];
    float s[BQ * BK];
    float qb[BQ * CK_ATTN_MAX_D];
} attn_scratch;

/* One online-softmax step for a query row against a key tile with jv visible keys: s[0..BK) holds the
 * raw dot products on entry and the probabilities p_j (0 for masked keys) on return; m and l are
 * updated and the row's accumulator a[0..D) is rescaled by exp(m_old - m_new). */
typedef void (*softmax_fn)(float *restrict s, int64_t jv, float scale, float *m, float *l, float *restrict a, int64_t D);
static inline void softmax_step(
    float *restrict s, int64_t jv, float scale, float *m, float *l, float *restrict a, int64_t D) {
    float mx = *m;
    for (int64_t j = 0; j < BK; j++) {
        s[j] = j < jv ? s[j] * scale : -INFINITY;
        mx = s[j] > mx ? s[j] : mx;
    }
    const float corr = ck_vexp(*m - mx); /* 0 on the first tile, where m = -inf */
    for (int64_t j = 0; j < BK; j++) s[j] = ck_vexp(s[j] - mx);
    float sum = 0;
    for (int64_t j = 0; j < jv; j++) sum += s[j];
    *l = *l * corr + sum;
    *m = mx;
    if (corr != 1.0f)
        for (int64_t d = 0; d < D; d++) a[d] *= corr;
}

/* Packs keys j0..j0+jn of kv head kh as matmul panels: kt[d][j] = k[j0 + j][d] (transposed 8 keys at a
 * time); vt[d / BK][j][d % BK] = v[j0 + j][d] (plain copies of BK values). Keys past jn and dimensions
 * past D are zero. kt: [D, BK], vt: [vpanels, BK, BK]. */
static inline __attribute__((always_inline)) void pack_tile(
    const float *k, const float *v, int64_t Hkv, int64_t D, int64_t kh, int64_t j0, int64_t jn,
    float *restrict kt, float *restrict vt, ck_transpose_fn transpose) {
    const int64_t stride = Hkv * D, vpanels = (D + BK - 1) / BK;
    int64_t j = 0;
    for (; j + 8 <= jn; j += 8) transpose(k + ((j0 + j) * Hkv + kh) * D, stride, kt + j, D);
    for (; j < jn; j++)
        for (int64_t d = 0; d < D; d++) kt[d * BK + j] = k[((j0 + j) * Hkv + kh) * D + d];
    for (; j < BK; j++)
        for (int64_t d = 0; d < D; d++) kt[d * BK + j] = 0.0f;
    if (jn < BK || D % BK) memset(vt, 0, (size_t)(vpanels * BK * BK) * sizeof(float));
    for (j = 0; j < jn; j++) {
        const float *vr = v + ((j0 + j) * Hkv + kh) * D;
        for (int64_t p = 0; p < vpanels; p++)
            memcpy(vt + p * BK * BK + j * BK, vr + p * BK, (size_t)(D - p * BK < BK ? D - p * BK : BK) * sizeof(float));
    }
}

/* Floats of one packed tile (kt or vt): D rounded up to whole panels, times BK. */
static int64_t tile_floats(int64_t D) { return (D + BK - 1) / BK * BK * BK; }

static inline __attribute__((always_inline)) void attention_items(
    const float *q, const float *k, const float *v, const float *kp, const float *vp, float *out,
    int64_t T, int64_t Hq, int64_t Hkv, int64_t D, int64_t item0, int64_t item1, ck_tile_fn tile,
    ck_transpose_fn transpose, softmax_fn step) {
    const float scale = 1.0f / sqrtf((float)D);
    const int64_t group = Hq / Hkv, blocks = (T + BQ - 1) / BQ, vpanels = (D + BK - 1) / BK;
    attn_scratch *sc = ck_thread_scratch(CK_SCRATCH_ATTENTION, sizeof(attn_scratch));
    float *restrict acc = sc->acc, *restrict kt = sc->kt, *restrict vt = sc->vt, *restrict s = sc->s, *restrict qrows = sc->qb;
    float mrow[BQ], lrow[BQ];
    for (int64_t item = item0; item < item1; item++) {
        int64_t qb, h;
        ck_attention_item(item, blocks, Hq, Hkv, &qb, &h);
        const int64_t kh = h / group;
        const int64_t i0 = qb * BQ, i1 = i0 + BQ < T ? i0 + BQ : T, nq = i1 - i0;
        for (int64_t r = 0; r < nq; r++) { mrow[r] = -INFINITY; lrow[r] = 0; }
        for (int64_t r = 0; r < nq * D; r++) acc[r] = 0;
        /* The block's query rows, contiguous: in place they sit Hq * D floats apart, a power of two
         * that maps them all to the same few L1 sets. */
        for (int64_t r = 0; r < nq; r++) memcpy(qrows + r * D, q + ((i0 + r) * Hq + h) * D, (size_t)D * sizeof(float));
        for (int64_t j0 = 0; j0 < i1; j0 += BK) {
            const int64_t jn = i1 - j0 < BK ? i1 - j0 : BK;
            /* The tile as matmul panels: packed beforehand (ck_attention_pack), or here. */
            const float *restrict ktile = kt, *restrict vtile = vt;
            if (kp) {
                const int64_t at = (kh * ((T + BK - 1) / BK) + j0 / BK) * tile_floats(D);
                ktile = kp + at; vtile = vp + at;
            } else {
                pack_tile(k, v, Hkv, D, kh, j0, jn, kt, vt, transpose);
            }
            /* Rows r0..nq see this tile (earlier rows are all before key j0). */
            const int64_t r0 = j0 > i0 ? j0 - i0 : 0, rows = nq - r0;
            /* Scores s[r][j] = q[i0 + r] . k[j0 + j]: a [rows, D] x [D, BK] matmul. */
            tile(qrows + r0 * D, D, ktile, D, s + r0 * BK, BK, rows, BK, 0);
            for (int64_t r = r0; r < nq; r++) {
                const int64_t i = i0 + r;
                const int64_t jv = (i - j0 + 1 < jn ? i - j0 + 1 : jn); /* causal: keys <= i */
                step(s + r * BK, jv, scale, &mrow[r], &lrow[r], acc + r * D, D);
            }
            /* acc[r] += sum_j p[r][j] v[j0 + j]: a [rows, BK] x [BK, D] matmul, one panel of D at a time. */
            for (int64_t p = 0; p < vpanels; p++) {
                const int64_t nv = D - p * BK < BK ? D - p * BK : BK;
                tile(s + r0 * BK, BK, vtile + p * BK * BK, BK, acc + r0 * D + p * BK, D, rows, nv, 1);
            }
        }
        for (int64_t r = 0; r < nq; r++) {
            float *o = out + ((i0 + r) * Hq + h) * D;
            const float inv = 1.0f / lrow[r];
            for (int64_t d = 0; d < D; d++) o[d] = acc[r * D + d] * inv;
        }
    }
}

static void attention_portable(const float *q, const float *k, const float *v, const float *kp, const float *vp, float *out,
                               int64_t T, int64_t Hq, int64_t Hkv, int64_t D, int64_t item0, int64_t item1) {
    attention_items(q, k, v, kp, vp, out, T, Hq, Hkv, D, item0, item1, ck_tile_for(ck_cpu_isa()),
                    ck_transpose_for(ck_cpu_isa()), softmax_step);
}

#ifdef CK_X86
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
static void attention_avx512(const float *q, const float *k, const float *v, const float *kp, const float *vp, float *out,
                             int64_t T, int64_t Hq, int64_t Hkv, int64_t D, int64_t item0, int64_t item1) {
    attention_items(q, k, v, kp, vp, out, T, Hq, Hkv, D, item0, item1, ck_tile_avx512, ck_transpose8_avx2, softmax_step_avx512);
}

__attribute__((target("avx2,fma")))
static void attention_avx2(const float *q, const float *k, const float *v, const float *kp, const float *vp, float *out,
                           int64_t T, int64_t Hq, int64_t Hkv, int64_t D, int64_t item0, int64_t item1) {
    attention_items(q, k, v, kp, vp, out, T, Hq, Hkv, D, item0, item1, ck_tile_avx2, ck_transpose8_avx2, softmax_step);
}
#endif

static void attention_dispatch(const float *q, const float *k, const float *v, const float *kp, const float *vp,
                               float *out, int64_t T, int64_t Hq, int64_t Hkv, int64_t D, int64_t item0, int64_t item1) {
    if (D > CK_ATTN_MAX_D || Hkv <= 0 || Hq % Hkv != 0) abort(); /* programmer error: checked by callers */
#ifdef CK_X86
    switch (ck_cpu_isa()) {
    case CK_ISA_AVX512: attention_avx512(q, k, v, kp, vp, out, T, Hq, Hkv, D, item0, item1); return;
    case CK_ISA_AVX2: attention_avx2(q, k, v, kp, vp, out, T, Hq, Hkv, D, item0, item1); return;
    default: break;
    }
#endif
    attention_portable(q, k, v, kp, vp, out, T, Hq, Hkv, D, item0, item1);
}

void ck_attention(const float *q, const float *k, const float *v, float *out,
                  int64_t T, int64_t Hq, int64_t Hkv, int64_t D, int64_t item0, int64_t item1) {
    attention_dispatch(q, k, v, NULL, NULL, out, T, Hq, Hkv, D, item0, item1);
}

/* ---- keys and values packed once --------------------------------------------------------------- */

size_t ck_attention_packed_floats(int64_t T, int64_t Hkv, int64_t D) {
    return (size_t)(Hkv * ((T + BK - 1) / BK) * tile_floats(D));
}

int64_t ck_attention_pack_items(int64_t T, int64_t Hkv) { return Hkv * ((T + BK - 1) / BK); }

void ck_attention_pack(const float *k, const float *v, int64_t T, int64_t Hkv, int64_t D,
                       float *kp, float *vp, int64_t item0, int64_t item1) {
    const int64_t tiles = (T + BK - 1) / BK;
    const ck_transpose_fn transpose = ck_transpose_for(ck_cpu_isa());
    for (int64_t item = item0; item < item1; item++) { /* item = kh * tiles + tile */
        const int64_t kh = item / tiles, j0 = item % tiles * BK, jn = T - j0 < BK ? T - j0 : BK;
        pack_tile(k, v, Hkv, D, kh, j0, jn, kp + item * tile_floats(D), vp + item * tile_floats(D), transpose);
    }
}

void ck_attention_packed(const float *q, const float *kp, const float *vp, float *out,
                         int64_t T, int64_t Hq, int64_t Hkv, int64_t D, int64_t item0, int64_t item1) {
    attention_dispatch(q, NULL, NULL, kp, vp, out, T, Hq, Hkv, D, item0, item1);
}

/* One query row, the sequence's last, against all T keys: what last-token pooling needs from the final layer.
 * Scores, a max-subtracted softmax and the weighted sum of values in f32, head by head; out may be q. */
void ck_attention_last_row(const float *q, const float *k, const float *v, float *out,
                           int64_t T, int64_t Hq, int64_t Hkv, int64_t D) {
    if (D > CK_ATTN_MAX_D || Hkv <= 0 || Hq % Hkv != 0 || T <= 0) abort(); /* programmer error: checked by callers */
    const float scale = 1.0f / sqrtf((float)D);
    const int64_t group = Hq / Hkv;
    float *s = ck_alloc((size_t)T * sizeof(float));
    float *qr = ck_alloc((size_t)(Hq * D) * sizeof(float));
    memcpy(qr, q, (size_t)(Hq * D) * sizeof(float));
    for (int64_t h = 0; h < Hq; h++) {
        const float *qh = qr + h * D;
        const int64_t kh = h / group;
        float mx = -INFINITY;
        for (int64_t j = 0; j < T; j++) {
            const float *kr = k + (j * Hkv + kh) * D;
            float d = 0;
            for (int64_t i = 0; i < D; i++) d += qh[i] * kr[i];
            s[j] = d * scale;
            if (s[j] > mx) mx = s[j];
        }
        double sum = 0;
        for (int64_t j = 0; j < T; j++) {
            s[j] = expf(s[j] - mx);
            sum += s[j];
        }
        const float inv = (float)(1.0 / sum);
        float *o = out + h * D;
        for (int64_t i = 0; i < D; i++) o[i] = 0;
        for (int64_t j = 0; j < T; j++) {
            const float p = s[j] * inv;
            const float *vr = v + (j * Hkv + kh) * D;
            for (int64_t i = 0; i < D; i++) o[i] += p * vr[i];
        }
    }
    free(qr);
    free(s);
}
