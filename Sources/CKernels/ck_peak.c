/* Register peaks of the multiply instructions the kernels use, measured rather than looked up
 * (turbo, SMT and virtual machines make tables wrong): each thread runs independent chains of one
 * instruction on registers, with no loads, for a fixed count; ops / wall time over all threads.
 * 24 accumulators hide the latency (4-5 cycles) at up to 4 issues a cycle. */
#include "ck_internal.h"
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define CHAINS 24
#define ROUNDS 4000000 /* about 0.1 s of one instruction type on one core */

#ifdef CK_X86
#include <immintrin.h>
/* An opaque barrier: keeps the accumulators in registers and alive without storing them each round. */
#define KEEP(v) __asm__ volatile("" : "+v"(v))

__attribute__((target("avx512f,fma"))) static double fma512(void) {
    __m512 a[CHAINS];
    const __m512 w = _mm512_set1_ps(0.999f), x = _mm512_set1_ps(1e-3f);
    for (int i = 0; i < CHAINS; i++) a[i] = _mm512_set1_ps((float)i);
    for (long r = 0; r < ROUNDS; r++) {
#pragma unroll
        for (int i = 0; i < CHAINS; i++) { a[i] = _mm512_fmadd_ps(a[i], w, x); KEEP(a[i]); }
    }
    return 32.0 * CHAINS * ROUNDS; /* 16 lanes x (multiply + add) */
}

__attribute__((target("avx2,fma"))) static double fma256(void) { /* 16 ymm registers: 12 chains */
    __m256 a[CHAINS / 2];
    const __m256 w = _mm256_set1_ps(0.999f), x = _mm256_set1_ps(1e-3f);
    for (int i = 0; i < CHAINS / 2; i++) a[i] = _mm256_set1_ps((float)i);
    for (long r = 0; r < 2 * ROUNDS; r++) {
#pragma unroll
        for (int i = 0; i < CHAINS / 2; i++) { a[i] = _mm256_fmadd_ps(a[i], w, x); KEEP(a[i]); }
    }
    return 16.0 * CHAINS * ROUNDS;
}

__attribute__((target("avx512bf16,avx512f,avx512bw,avx512vl"))) static double dpbf16(void) {
    __m512 a[CHAINS];
    const __m512bh w = (__m512bh)_mm512_set1_epi32(0x3f803f80), x = (__m512bh)_mm512_set1_epi32(0x3a833a83);
    for (int i = 0; i < CHAINS; i++) a[i] = _mm512_set1_ps((float)i);
    for (long r = 0; r < ROUNDS; r++) {
#pragma unroll
        for (int i = 0; i < CHAINS; i++) { a[i] = _mm512_dpbf16_ps(a[i], w, x); KEEP(a[i]); }
    }
    return 64.0 * CHAINS * ROUNDS; /* 16 lanes x 2 products x (multiply + add) */
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) static double dpbusd(void) {
    __m512i a[CHAINS];
    const __m512i w = _mm512_set1_epi8(3), x = _mm512_set1_epi8(5);
    for (int i = 0; i < CHAINS; i++) a[i] = _mm512_set1_epi32(i);
    for (long r = 0; r < ROUNDS; r++) {
#pragma unroll
        for (int i = 0; i < CHAINS; i++) { a[i] = _mm512_dpbusd_epi32(a[i], w, x); KEEP(a[i]); }
    }
    return 128.0 * CHAINS * ROUNDS; /* 16 lanes x 4 products x (multiply + add) */
}
#endif

typedef struct { ck_peak_kind kind; double ops; } probe_job;

static void *probe(void *arg) {
    probe_job *job = arg;
    job->ops = 0;
#ifdef CK_X86
    switch (job->kind) {
    case CK_PEAK_F32: job->ops = ck_cpu_isa() == CK_ISA_AVX512 ? fma512() : fma256(); break;
    case CK_PEAK_BF16: job->ops = dpbf16(); break;
    case CK_PEAK_INT8: job->ops = dpbusd(); break;
    }
#endif
    return NULL;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double ck_peak_ops(ck_peak_kind kind, int threads) {
#ifdef CK_X86
    const int available = kind == CK_PEAK_F32 ? (ck_cpu_isa() == CK_ISA_AVX512 || ck_cpu_isa() == CK_ISA_AVX2)
                        : kind == CK_PEAK_BF16 ? ck_bf16_fast() : ck_int8_fast();
    if (!available || threads < 1) return 0;
    pthread_t *ids = ck_alloc(sizeof(pthread_t) * (size_t)threads);
    probe_job *jobs = ck_alloc(sizeof(probe_job) * (size_t)threads);
    const double start = now();
    for (int i = 0; i < threads; i++) { jobs[i].kind = kind; pthread_create(&ids[i], NULL, probe, &jobs[i]); }
    double ops = 0;
    for (int i = 0; i < threads; i++) { pthread_join(ids[i], NULL); ops += jobs[i].ops; }
    const double seconds = now() - start;
    free(ids); free(jobs);
    return ops / seconds;
#else
    (void)kind; (void)threads;
    return 0;
#endif
}
