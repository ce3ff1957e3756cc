#include "pare_mpi.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

typedef void *handle;
static struct {
    int loaded;
    char error[512];
    int (*init_thread)(int *, char ***, int, int *);
    int (*comm_rank)(handle, int *);
    int (*comm_size)(handle, int *);
    int (*allgatherv)(const void *, int, handle, void *, const int *, const int *, handle, handle);
    int (*allgather)(const void *, int, handle, void *, int, handle, handle);
    int (*bcast)(void *, int, handle, int, handle);
    int (*barrier)(handle);
    int (*abort_)(handle, int);
    int (*finalize)(void);
    int (*error_string)(int, char *, int *);
    handle world, byte;
} mpi;

static void *resolve(void *library, const char *name) {
    void *symbol = dlsym(library, name);
    if (!symbol && !mpi.error[0]) snprintf(mpi.error, sizeof mpi.error, "libmpi.so.40 has no symbol %s (not Open MPI 4 or 5?)", name);
    return symbol;
}

int pare_mpi_load(void) {
    if (mpi.loaded) return 0;
    void *library = dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);
    if (!library) {
        const char *why = dlerror();
        snprintf(mpi.error, sizeof mpi.error, "cannot load libmpi.so.40 (%s)", why ? why : "unknown");
        return -1;
    }
    mpi.error[0] = 0;
    *(void **)&mpi.init_thread = resolve(library, "MPI_Init_thread");
    *(void **)&mpi.comm_rank = resolve(library, "MPI_Comm_rank");
    *(void **)&mpi.comm_size = resolve(library, "MPI_Comm_size");
    *(void **)&mpi.allgatherv = resolve(library, "MPI_Allgatherv");
    *(void **)&mpi.allgather = resolve(library, "MPI_Allgather");
    *(void **)&mpi.bcast = resolve(library, "MPI_Bcast");
    *(void **)&mpi.barrier = resolve(library, "MPI_Barrier");
    *(void **)&mpi.abort_ = resolve(library, "MPI_Abort");
    *(void **)&mpi.finalize = resolve(library, "MPI_Finalize");
    *(void **)&mpi.error_string = resolve(library, "MPI_Error_string");
    mpi.world = resolve(library, "ompi_mpi_comm_world");
    mpi.byte = resolve(library, "ompi_mpi_byte");
    if (mpi.error[0]) return -1;
    mpi.loaded = 1;
    return 0;
}

const char *pare_mpi_load_error(void) { return mpi.error; }

int pare_mpi_init(int *provided) {
    if (!mpi.loaded) return -1;
    return mpi.init_thread(NULL, NULL, PARE_MPI_THREAD_SERIALIZED, provided);
}

int pare_mpi_rank(int *rank) { return mpi.loaded ? mpi.comm_rank(mpi.world, rank) : -1; }
int pare_mpi_size(int *size) { return mpi.loaded ? mpi.comm_size(mpi.world, size) : -1; }

int pare_mpi_allgatherv(const void *send, int count, void *receive, const int *counts, const int *displacements) {
    return mpi.loaded ? mpi.allgatherv(send, count, mpi.byte, receive, counts, displacements, mpi.byte, mpi.world) : -1;
}

int pare_mpi_allgather(const void *send, int count, void *receive) {
    return mpi.loaded ? mpi.allgather(send, count, mpi.byte, receive, count, mpi.byte, mpi.world) : -1;
}

int pare_mpi_bcast(void *buffer, int count, int root) { return mpi.loaded ? mpi.bcast(buffer, count, mpi.byte, root, mpi.world) : -1; }
int pare_mpi_barrier(void) { return mpi.loaded ? mpi.barrier(mpi.world) : -1; }
int pare_mpi_abort(int code) { return mpi.loaded ? mpi.abort_(mpi.world, code) : -1; }
int pare_mpi_finalize(void) { return mpi.loaded ? mpi.finalize() : -1; }

void pare_mpi_error_string(int code, char *text, int capacity) {
    int length = 0;
    if (mpi.loaded && capacity >= 256 && mpi.error_string(code, text, &length) == 0) return;
    snprintf(text, (size_t)capacity, "MPI error %d", code);
}
