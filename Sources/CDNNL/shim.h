// oneDNN (Debian's libdnnl-dev 2.6, an OpenMP build): the int8 GEMM and the ISA query.
#include <oneapi/dnnl/dnnl.h>

// libgomp's thread count, which oneDNN's OpenMP regions follow (omp.h is gcc's header, which
// clang does not search; these two are its stable C ABI).
void omp_set_num_threads(int n);
int omp_get_max_threads(void);
