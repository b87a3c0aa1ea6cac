/* Run-time choice of SIMD paths: the one place that asks the CPU what it supports. */
#include "ck_internal.h"

static int detect_isa(void) {
#ifdef CK_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma"))
        return CK_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
        return CK_ISA_AVX2;
    return CK_ISA_PORTABLE;
#elif defined(__aarch64__) && defined(__ARM_NEON)
    return CK_ISA_NEON; /* Advanced SIMD is part of every AArch64 CPU. */
#else
    return CK_ISA_PORTABLE;
#endif
}

ck_isa ck_cpu_isa(void) {
    /* Computed once; a race only computes the same answer twice. */
    static volatile int cached = -1;
    if (cached < 0) cached = detect_isa();
    return (ck_isa)cached;
}

int ck_isa_supported(ck_isa isa) {
    ck_isa best = ck_cpu_isa();
    switch (isa) {
    case CK_ISA_PORTABLE: return 1;
    case CK_ISA_AVX2: return best == CK_ISA_AVX2 || best == CK_ISA_AVX512;
    case CK_ISA_AVX512: return best == CK_ISA_AVX512;
    case CK_ISA_NEON: return best == CK_ISA_NEON;
    }
    return 0;
}

static int detect_vnni(void) {
#ifdef CK_X86
    return ck_cpu_isa() == CK_ISA_AVX512 && __builtin_cpu_supports("avx512vnni");
#else
    return 0;
#endif
}

int ck_int8_fast(void) {
    static volatile int cached = -1;
    if (cached < 0) cached = detect_vnni();
    return cached;
}

ck_deq_fn ck_deq_fast(ck_type t) {
#ifdef CK_X86
    if (ck_isa_supported(CK_ISA_AVX2)) {
        switch (t) {
        case CK_F32: return ck_deq_f32_ref; /* a memcpy already */
        case CK_F16: return ck_deq_f16_avx2;
        case CK_BF16: return ck_deq_bf16_avx2;
        case CK_Q8_0: return ck_deq_q8_0_avx2;
        case CK_Q5_0: return ck_deq_q5_0_avx2;
        case CK_Q4_K: return ck_deq_q4_K_avx2;
        case CK_Q5_K: return ck_deq_q5_K_avx2;
        case CK_Q6_K: return ck_deq_q6_K_avx2;
        }
    }
#endif
    return ck_deq_reference(t);
}

ck_tile_fn ck_tile_for(ck_isa isa) {
    if (!ck_isa_supported(isa)) isa = CK_ISA_PORTABLE;
    switch (isa) {
#ifdef CK_X86
    case CK_ISA_AVX512: return ck_tile_avx512;
    case CK_ISA_AVX2: return ck_tile_avx2;
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
    case CK_ISA_NEON: return ck_tile_neon;
#endif
    default: return ck_tile_portable;
    }
}

ck_transpose_fn ck_transpose_for(ck_isa isa) {
#ifdef CK_X86
    if ((isa == CK_ISA_AVX2 || isa == CK_ISA_AVX512) && ck_isa_supported(CK_ISA_AVX2)) return ck_transpose8_avx2;
#endif
    (void)isa;
    return ck_transpose8_portable;
}
