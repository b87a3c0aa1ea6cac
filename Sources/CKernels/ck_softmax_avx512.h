/* Private to CKernels: the online-softmax step of the f32 flash attention (ck_attention.c) on AVX-512. Twin of
 * softmax_step in ck_attention.c. (The bf16 kernel has its own base-2 step over 128-key chunks.) */
#ifndef CK_SOFTMAX_AVX512_H
#define CK_SOFTMAX_AVX512_H
#include "ck_internal.h"
#include "ck_vexp.h"
#include <math.h>
#ifdef CK_X86
#include <immintrin.h>
#define CK_SOFTMAX_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
/* ck_vexp on 16 lanes: the same Cephes steps (clamp, n = round-half-away(x / ln 2), two-part
 * reduction, degree-6 polynomial, 2^n through the exponent bits), 0 below -87.3. */
static inline __attribute__((always_inline)) CK_SOFTMAX_TARGET __m512 vexp16(__m512 x) {
    const __m512 xc = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.7f));
    const __m512 t = _mm512_mul_ps(xc, _mm512_set1_ps(1.44269504088896341f));
    const __m512 half = _mm512_castsi512_ps(_mm512_or_si512(
        _mm512_and_si512(_mm512_castps_si512(t), _mm512_set1_epi32((int)0x80000000)), _mm512_castps_si512(_mm512_set1_ps(0.5f))));
    const __m512i n = _mm512_cvttps_epi32(_mm512_add_ps(t, half));
    const __m512 fn = _mm512_cvtepi32_ps(n);
    __m512 r = _mm512_fnmadd_ps(fn, _mm512_set1_ps(0.693359375f), xc);
    r = _mm512_fnmadd_ps(fn, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    const __m512 scale = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n, _mm512_set1_epi32(127)), 23));
    const __mmask16 tiny = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.3f), _CMP_LT_OQ);
    return _mm512_maskz_mul_ps((__mmask16)~tiny, p, scale);
}

/* softmax_step for BK = 32 keys as two vectors: the scalar loops' max and sum reductions do not
 * vectorise without reassociation, and this step runs once per query row per key tile. */
static inline CK_SOFTMAX_TARGET void softmax_step_avx512(
    float *restrict s, int64_t jv, float scale, float *m, float *l, float *restrict a, int64_t D) {
    _Static_assert(CK_MATMUL_NR == 32, "softmax_step_avx512 holds a key tile in two vectors");
    const __mmask16 k0 = jv >= 16 ? 0xFFFF : (__mmask16)((1u << jv) - 1);
    const __mmask16 k1 = jv >= 32 ? 0xFFFF : jv <= 16 ? 0 : (__mmask16)((1u << (jv - 16)) - 1);
    const __m512 ninf = _mm512_set1_ps(-INFINITY), vs = _mm512_set1_ps(scale);
    const __m512 s0 = _mm512_mask_mul_ps(ninf, k0, _mm512_loadu_ps(s), vs);
    const __m512 s1 = _mm512_mask_mul_ps(ninf, k1, _mm512_loadu_ps(s + 16), vs);
    const float tmax = _mm512_reduce_max_ps(_mm512_max_ps(s0, s1));
    const float mx = tmax > *m ? tmax : *m;
    const float corr = ck_vexp(*m - mx); /* 0 on the first tile, where m = -inf */
    const __m512 vm = _mm512_set1_ps(mx);
    const __m512 p0 = vexp16(_mm512_sub_ps(s0, vm)), p1 = vexp16(_mm512_sub_ps(s1, vm));
    _mm512_storeu_ps(s, p0);
    _mm512_storeu_ps(s + 16, p1);
    *l = *l * corr + _mm512_reduce_add_ps(_mm512_add_ps(p0, p1));
    *m = mx;
    if (corr != 1.0f) {
        const __m512 vc = _mm512_set1_ps(corr);
        int64_t d = 0;
        for (; d + 16 <= D; d += 16) _mm512_storeu_ps(a + d, _mm512_mul_ps(_mm512_loadu_ps(a + d), vc));
        for (; d < D; d++) a[d] *= corr;
    }
}
#endif

#endif
