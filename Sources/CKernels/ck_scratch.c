/* The one allocator and the one per-thread scratch getter of CKernels (conventions in ck_internal.h). */
#include "ck_internal.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

void *ck_alloc(size_t bytes) {
    void *p = NULL;
    /* A zero-byte request still gets a block, so NULL only ever means out of memory. */
    if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0 || !p) {
        fprintf(stderr, "CKernels: out of memory allocating %zu bytes\n", bytes);
        abort();
    }
    return p;
}

/* A thread's buffers, one per slot, behind one pthread key whose destructor frees them at thread exit. */
typedef struct { void *data[CK_SCRATCH_SLOTS]; size_t bytes[CK_SCRATCH_SLOTS]; } thread_buffers;
static pthread_key_t buffers_key;
static pthread_once_t buffers_once = PTHREAD_ONCE_INIT;

static void free_buffers(void *p) {
    thread_buffers *b = p;
    for (int i = 0; i < CK_SCRATCH_SLOTS; i++) free(b->data[i]);
    free(b);
}

static void make_buffers_key(void) {
    if (pthread_key_create(&buffers_key, free_buffers) != 0) abort(); /* out of keys: nothing else to do */
}

void *ck_thread_scratch(ck_scratch_slot slot, size_t bytes) {
    pthread_once(&buffers_once, make_buffers_key);
    thread_buffers *b = pthread_getspecific(buffers_key);
    if (!b) {
        b = ck_alloc(sizeof *b);
        memset(b, 0, sizeof *b);
        if (pthread_setspecific(buffers_key, b) != 0) abort();
    }
    if (b->bytes[slot] < bytes) {
        free(b->data[slot]);
        b->data[slot] = ck_alloc(bytes);
        b->bytes[slot] = bytes;
    }
    return b->data[slot];
}
