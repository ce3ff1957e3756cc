#ifndef PARE_MPI_H
#define PARE_MPI_H
#include <stddef.h>
#include <stdint.h>

/// Open MPI bound at run time: `pare_mpi_load` dlopens libmpi.so.40 (RTLD_GLOBAL, so Open MPI's
/// components find its symbols) and resolves the few functions and predefined handles Pare uses,
/// so a `pare` built here runs where MPI is not installed. Open MPI's ABI: handles are pointers,
/// and MPI_COMM_WORLD, MPI_BYTE are the addresses of the globals ompi_mpi_comm_world, ompi_mpi_byte.
///
/// Every function returns MPI's error code (0: MPI_SUCCESS) or -1 when the library is not loaded.

/// 0 when libmpi is loaded and every symbol resolved; otherwise -1 and `pare_mpi_load_error()` says why.
int pare_mpi_load(void);
const char *pare_mpi_load_error(void);

/// MPI_Init_thread with MPI_THREAD_SERIALIZED (calls may come from any thread, one at a time);
/// `provided` receives the level granted.
int pare_mpi_init(int *provided);
int pare_mpi_rank(int *rank);
int pare_mpi_size(int *size);
/// MPI_Allgatherv of bytes on MPI_COMM_WORLD.
int pare_mpi_allgatherv(const void *send, int count, void *receive, const int *counts, const int *displacements);
/// MPI_Allgather of `count` bytes per rank on MPI_COMM_WORLD.
int pare_mpi_allgather(const void *send, int count, void *receive);
int pare_mpi_bcast(void *buffer, int count, int root);
int pare_mpi_barrier(void);
int pare_mpi_abort(int code);
int pare_mpi_finalize(void);
/// MPI_Error_string of `code` into `text` (at least 256 bytes).
void pare_mpi_error_string(int code, char *text, int capacity);

/// MPI_THREAD_SERIALIZED in Open MPI.
#define PARE_MPI_THREAD_SERIALIZED 2

#endif
