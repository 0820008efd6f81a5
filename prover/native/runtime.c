/* The runtime the prover's native library needs besides the kernels' own machine code (prover/native/build.py).

   numba's cached object code calls a few functions of numba's runtime (NRT) and helper library by name; inside a
   numba process numba's JIT resolves them, in this shared library they are defined here:

   - NRT allocation, with numba's MemInfo layout (numba/core/runtime/nrt.cpp, struct MemInfo: refct, dtor,
     dtor_info, data, size, external_allocator). Reference counting itself is inlined IR in the kernels; when a
     count drops to zero they call NRT_MemInfo_call_dtor. Each kernel call allocates and frees its own arrays, so
     calls on different threads share nothing but malloc.
   - numba_attempt_nocopy_reshape: the strides of a reshaped view without a copy, when the old layout allows it
     (numba/_helperlib.c declares it; the algorithm is the usual one: match runs of old and new axes of equal
     element counts, and give each new axis the stride of the innermost old axis of its run).
   - numba's threading layer (numba_parallel_for, the scheduler helpers): the native entries always run the serial
     code paths (n_threads = 1), so these are never reached; if they were, the process stops with a message rather
     than computing something wrong.
   - the CPython wrapper numba emits beside each kernel (never called here) names numba_gil_ensure/release,
     numba_unpickle, numba_do_raise and numba_runtime_build_excinfo_struct; they are defined so that the library
     loads (dlopen with RTLD_NOW), and stop the process if ever called. The Python C API symbols of that wrapper
     resolve from the interpreter that loads the library.

   Errors raised inside a kernel never reach these: numba's calling convention returns them as a status, which
   the entry points pass to the caller (prover/native/library.py raises NativeKernelError).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*nrt_dtor)(void *data, size_t size, void *info);

typedef struct {
    size_t refct; /* numba's inlined incref/decref read and write this word */
    nrt_dtor dtor;
    void *dtor_info;
    void *data;
    size_t size;
    void *external_allocator; /* always NULL here */
} MemInfo;

void *NRT_Allocate(size_t size) { return malloc(size); }

void NRT_Free(void *ptr) { free(ptr); }

static void meminfo_init(MemInfo *mi, void *data, size_t size, nrt_dtor dtor, void *info) {
    mi->refct = 1;
    mi->dtor = dtor;
    mi->dtor_info = info;
    mi->data = data;
    mi->size = size;
    mi->external_allocator = NULL;
}

/* One block: the MemInfo, then the data (freed together with the MemInfo). */
MemInfo *NRT_MemInfo_alloc(size_t size) {
    MemInfo *mi = malloc(sizeof(MemInfo) + size);
    if (mi == NULL) return NULL;
    meminfo_init(mi, (char *)(mi + 1), size, NULL, NULL);
    return mi;
}

/* As NRT_MemInfo_alloc, with the data pointer rounded up to a multiple of align (a power of two). */
MemInfo *NRT_MemInfo_alloc_aligned(size_t size, unsigned align) {
    if (align == 0) align = 1;
    MemInfo *mi = malloc(sizeof(MemInfo) + size + 2 * (size_t)align);
    if (mi == NULL) return NULL;
    uintptr_t p = (uintptr_t)(mi + 1);
    uintptr_t rem = p % align;
    if (rem) p += align - rem;
    meminfo_init(mi, (void *)p, size, NULL, NULL);
    return mi;
}

MemInfo *NRT_MemInfo_alloc_safe_aligned(size_t size, unsigned align) { return NRT_MemInfo_alloc_aligned(size, align); }

/* Variable-size data (typed lists): the data is a separate block, freed by this destructor after the user's. */
static void varsize_dtor(void *data, size_t size, void *info) {
    if (info) ((nrt_dtor)info)(data, size, NULL);
    free(data);
}

MemInfo *NRT_MemInfo_new_varsize(size_t size) {
    MemInfo *mi = malloc(sizeof(MemInfo));
    void *data = malloc(size ? size : 1);
    if (mi == NULL || data == NULL) {
        free(mi);
        free(data);
        return NULL;
    }
    meminfo_init(mi, data, size, varsize_dtor, NULL);
    return mi;
}

MemInfo *NRT_MemInfo_new_varsize_dtor(size_t size, nrt_dtor dtor) {
    MemInfo *mi = NRT_MemInfo_new_varsize(size);
    if (mi) mi->dtor_info = (void *)dtor;
    return mi;
}

void *NRT_MemInfo_varsize_alloc(MemInfo *mi, size_t size) {
    void *data = malloc(size ? size : 1);
    if (data == NULL) return NULL;
    mi->data = data;
    mi->size = size;
    return data;
}

void *NRT_MemInfo_varsize_realloc(MemInfo *mi, size_t size) {
    void *data = realloc(mi->data, size ? size : 1);
    if (data == NULL) return NULL;
    mi->data = data;
    mi->size = size;
    return data;
}

void NRT_MemInfo_varsize_free(MemInfo *mi, void *ptr) {
    free(ptr);
    if (ptr == mi->data) mi->data = NULL;
}

void NRT_MemInfo_call_dtor(MemInfo *mi) {
    if (mi->dtor) mi->dtor(mi->data, mi->size, mi->dtor_info);
    free(mi);
}

int numba_attempt_nocopy_reshape(intptr_t nd, const intptr_t *dims, const intptr_t *strides, intptr_t newnd,
                                 const intptr_t *newdims, intptr_t *newstrides, intptr_t itemsize, int is_f_order) {
    intptr_t od[64], os[64];
    intptr_t ond = 0, old_size = 1, new_size = 1;
    if (nd > 64 || newnd > 64) return 0;
    for (intptr_t i = 0; i < nd; i++) old_size *= dims[i];
    for (intptr_t i = 0; i < newnd; i++) new_size *= newdims[i];
    if (old_size != new_size) return 0;
    if (new_size == 0) { /* no element is ever addressed: any strides do; give the contiguous ones */
        intptr_t step = itemsize;
        for (intptr_t k = 0; k < newnd; k++) {
            intptr_t i = is_f_order ? k : newnd - 1 - k;
            newstrides[i] = step;
            step *= newdims[i] ? newdims[i] : 1;
        }
        return 1;
    }
    for (intptr_t i = 0; i < nd; i++) { /* axes of length 1 do not constrain the layout */
        if (dims[i] != 1) {
            od[ond] = dims[i];
            os[ond] = strides[i];
            ond++;
        }
    }
    intptr_t oi = 0, oj = 1, ni = 0, nj = 1;
    while (ni < newnd && oi < ond) {
        intptr_t np = newdims[ni], op = od[oi];
        while (np != op) { /* grow the smaller side's run until both hold the same number of elements */
            if (np < op) np *= newdims[nj++];
            else op *= od[oj++];
        }
        for (intptr_t k = oi; k < oj - 1; k++) { /* the old run must be one contiguous block in that order */
            if (is_f_order ? os[k + 1] != od[k] * os[k] : os[k] != od[k + 1] * os[k + 1]) return 0;
        }
        if (is_f_order) {
            newstrides[ni] = os[oi];
            for (intptr_t k = ni + 1; k < nj; k++) newstrides[k] = newstrides[k - 1] * newdims[k - 1];
        } else {
            newstrides[nj - 1] = os[oj - 1];
            for (intptr_t k = nj - 1; k > ni; k--) newstrides[k - 1] = newstrides[k] * newdims[k];
        }
        ni = nj++;
        oi = oj++;
    }
    /* trailing new axes (all of length 1): any stride; use the item size as contiguous arrays do */
    intptr_t last = ni > 0 ? newstrides[ni - 1] : itemsize;
    for (intptr_t k = ni; k < newnd; k++) newstrides[k] = is_f_order ? last * (k > 0 ? newdims[k - 1] : 1) : itemsize;
    return 1;
}

static void unreachable(const char *name) {
    fprintf(stderr, "zksvs native prover library: %s called (the serial entry points never call it); aborting\n",
            name);
    abort();
}

void numba_parallel_for(void *fn, char **args, size_t *dims, size_t *steps, void *data, size_t inner_ndim,
                        size_t array_count, int num_threads) {
    unreachable("numba_parallel_for");
}
int get_num_threads(void) { return 1; }
void set_parallel_chunksize(uintptr_t n) {}
uintptr_t get_parallel_chunksize(void) { return 0; }
uintptr_t get_sched_size(uintptr_t num_threads, uintptr_t num_dim, intptr_t *starts, intptr_t *ends) {
    unreachable("get_sched_size");
    return 0;
}
void *allocate_sched(uintptr_t sched_size) {
    unreachable("allocate_sched");
    return NULL;
}
void deallocate_sched(void *sched) { unreachable("deallocate_sched"); }
void do_scheduling_unsigned(uintptr_t num_dim, intptr_t *starts, intptr_t *ends, uintptr_t num_threads,
                            intptr_t *sched, intptr_t debug) {
    unreachable("do_scheduling_unsigned");
}
void do_scheduling_signed(uintptr_t num_dim, intptr_t *starts, intptr_t *ends, uintptr_t num_threads,
                          intptr_t *sched, intptr_t debug) {
    unreachable("do_scheduling_signed");
}

int numba_gil_ensure(void *state) {
    unreachable("numba_gil_ensure");
    return 0;
}
void numba_gil_release(void *state) { unreachable("numba_gil_release"); }
void *numba_unpickle(const char *data, int n, const char *hashed) {
    unreachable("numba_unpickle");
    return NULL;
}
int numba_do_raise(void *exc) {
    unreachable("numba_do_raise");
    return 0;
}
void *numba_runtime_build_excinfo_struct(void *gv, void *args) {
    unreachable("numba_runtime_build_excinfo_struct");
    return NULL;
}
