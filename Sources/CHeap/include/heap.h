#ifndef PARE_HEAP_H
#define PARE_HEAP_H
#include <malloc.h>

/// Gives the free pages of every malloc arena back to the kernel (glibc's malloc_trim): memory a
/// thread freed stays in that thread's arena otherwise and counts in the resident set.
static inline int pare_heap_release_free_pages(void) { return malloc_trim(0); }

#endif
