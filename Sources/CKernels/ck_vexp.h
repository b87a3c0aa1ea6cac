/* Private to CKernels: an expf the compiler can vectorise, for softmax and SiLU.
 * libm's expf is a call per element; this is Cephes' expf (range reduction by ln 2 in two parts,
 * degree-6 polynomial, scale by 2^n through the exponent bits), written with plain float and int
 * operations so loops over it become SIMD code. Error within 2 ulp of expf on [-87.3, 88.7];
 * below -87.3 (including -inf, a masked attention score) it returns 0. */
#ifndef CK_VEXP_H
#define CK_VEXP_H
#include <stdint.h>

static inline __attribute__((always_inline)) float ck_vexp(float x) {
    const float hi = 88.7f, lo = -87.3f;
    const float xc = x > hi ? hi : (x < lo ? lo : x);
    const float t = xc * 1.44269504088896341f;
    const int32_t n = (int32_t)(t + (t >= 0 ? 0.5f : -0.5f)); /* round half away from zero */
    const float fn = (float)n;
    float r = xc - fn * 0.693359375f;
    r = r - fn * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    union { int32_t i; float f; } scale = { .i = (n + 127) << 23 };
    return x < lo ? 0.0f : p * scale.f;
}
#endif
