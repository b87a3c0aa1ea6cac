/* Run-time choice of SIMD paths: the one place that asks the CPU what it supports.
 * A cap (ck_set_isa_cap, or FOLIO_KERNELS=portable|avx2|avx512|neon read at first use) lowers the
 * path every dispatcher picks, so parity tests and benchmarks can force the AVX2 or portable kernels
 * on an AVX-512 machine. The cap never raises the path above what the CPU runs. */
#include "ck_internal.h"
#include <stdlib.h>
#include <string.h>

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

/* The best path of the hardware, computed once; a race only computes the same answer twice. */
static ck_isa hardware_isa(void) {
    static volatile int cached = -1;
    if (cached < 0) cached = detect_isa();
    return (ck_isa)cached;
}

/* -2: FOLIO_KERNELS not read yet; -1: no cap; otherwise a ck_isa. */
static volatile int isa_cap = -2;

static int cap_from_environment(void) {
    const char *e = getenv("FOLIO_KERNELS");
    if (!e || !*e) return -1;
    if (!strcmp(e, "portable")) return CK_ISA_PORTABLE;
    if (!strcmp(e, "avx2")) return CK_ISA_AVX2;
    if (!strcmp(e, "avx512")) return CK_ISA_AVX512;
    if (!strcmp(e, "neon")) return CK_ISA_NEON;
    return -1; /* an unknown name leaves the choice to the CPU */
}

int ck_isa_cap(void) {
    if (isa_cap == -2) isa_cap = cap_from_environment();
    return isa_cap;
}

void ck_set_isa_cap(int cap) { isa_cap = cap < 0 ? -1 : cap; }

ck_isa ck_cpu_isa(void) {
    const ck_isa best = hardware_isa();
    const int cap = ck_isa_cap();
    if (cap < 0 || cap == (int)best) return best;
    if (cap == CK_ISA_PORTABLE) return CK_ISA_PORTABLE;
    /* x86 paths are ordered portable < AVX2 < AVX-512; NEON only caps to itself or portable. */
    if (best != CK_ISA_NEON && cap != CK_ISA_NEON && cap < (int)best) return (ck_isa)cap;
    return best;
}

int ck_isa_supported(ck_isa isa) {
    ck_isa best = hardware_isa();
    switch (isa) {
    case CK_ISA_PORTABLE: return 1;
    case CK_ISA_AVX2: return best == CK_ISA_AVX2 || best == CK_ISA_AVX512;
    case CK_ISA_AVX512: return best == CK_ISA_AVX512;
    case CK_ISA_NEON: return best == CK_ISA_NEON;
    }
    return 0;
}

/* AVX-512 extensions beyond the base set, probed once. */
static int detect_feature(int which) {
#ifdef CK_X86
    if (hardware_isa() != CK_ISA_AVX512) return 0;
    return which == 0 ? __builtin_cpu_supports("avx512vnni") : __builtin_cpu_supports("avx512bf16");
#else
    (void)which;
    return 0;
#endif
}

int ck_int8_fast(void) {
    static volatile int cached = -1;
    if (cached < 0) cached = detect_feature(0);
    return cached && ck_cpu_isa() == CK_ISA_AVX512;
}

int ck_bf16_fast(void) {
    static volatile int cached = -1;
    if (cached < 0) cached = detect_feature(1);
    return cached && ck_cpu_isa() == CK_ISA_AVX512;
}

ck_deq_fn ck_deq_fast(ck_type t) {
#ifdef CK_X86
    if (ck_cpu_isa() == CK_ISA_AVX2 || ck_cpu_isa() == CK_ISA_AVX512) {
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
