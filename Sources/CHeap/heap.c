// CHeap is header-only (heap.h); SwiftPM needs one source file in a C target.
#include "heap.h"
