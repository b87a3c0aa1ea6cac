/* AArch64 NEON matmul micro-kernel (twin of ck_tile_portable): 4 rows x 16 columns = 16 q-register
 * accumulators, run once per half panel. Compiled only on AArch64, where NEON is always present. */
#include "ck_internal.h"
#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

#define NR CK_MATMUL_NR

static inline __attribute__((always_inline)) void tile_neon(const int MR, const float *x, int64_t ldx, const float *p,
                                                            int64_t kc, float *y, int64_t ldy, int cols, int accumulate) {
    float32x4_t c[4][4];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < 4; j++) c[i][j] = vdupq_n_f32(0);
    for (int64_t k = 0; k < kc; k++) {
        const float *b = p + k * NR;
        const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8), b3 = vld1q_f32(b + 12);
        for (int i = 0; i < MR; i++) {
            const float a = x[i * ldx + k];
            c[i][0] = vfmaq_n_f32(c[i][0], b0, a);
            c[i][1] = vfmaq_n_f32(c[i][1], b1, a);
            c[i][2] = vfmaq_n_f32(c[i][2], b2, a);
            c[i][3] = vfmaq_n_f32(c[i][3], b3, a);
        }
    }
    for (int i = 0; i < MR; i++) {
        float t[16];
        for (int j = 0; j < 4; j++) vst1q_f32(t + 4 * j, c[i][j]);
        float *yr = y + i * ldy;
        for (int j = 0; j < cols; j++) yr[j] = accumulate ? yr[j] + t[j] : t[j];
    }
}

void ck_tile_neon(const float *x, int64_t ldx, const float *panel, int64_t kc,
                  float *y, int64_t ldy, int64_t M, int64_t nv, int accumulate) {
    for (int half = 0; half < 2; half++) {
        const int j0 = 16 * half;
        const int cols = (int)(nv - j0 > 16 ? 16 : nv - j0);
        if (cols <= 0) break;
        int64_t m = 0;
        for (; m + 4 <= M; m += 4) tile_neon(4, x + m * ldx, ldx, panel + j0, kc, y + m * ldy + j0, ldy, cols, accumulate);
        switch (M - m) {
        case 3: tile_neon(3, x + m * ldx, ldx, panel + j0, kc, y + m * ldy + j0, ldy, cols, accumulate); break;
        case 2: tile_neon(2, x + m * ldx, ldx, panel + j0, kc, y + m * ldy + j0, ldy, cols, accumulate); break;
        case 1: tile_neon(1, x + m * ldx, ldx, panel + j0, kc, y + m * ldy + j0, ldy, cols, accumulate); break;
        default: break;
        }
    }
}
#endif
