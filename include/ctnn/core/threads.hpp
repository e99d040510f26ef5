// How many threads ctnn's BLAS products may use. Every matrix product from blas_threshold on
// goes to OpenBLAS, which splits a large product between threads; ctnn's own kernels and
// element-wise passes stay on the calling thread. Small products are not split, so this pays
// off for large batches of wide layers (make bench: W2 and W6 on both cores). On one thread, a
// product too large for OpenBLAS's small-matrix kernels runs as panels that fit them; with more,
// it stays whole for OpenBLAS to share out. OpenBLAS's threaded driver may sum in another order:
// results can differ in the last bits.
#pragma once

#include <string>

#include "ctnn/core/errors.hpp"

// OpenBLAS's own functions, declared here rather than taken from <cblas.h>: Debian's cblas.h
// alternative may be netlib's, which lacks them. ctnn links OpenBLAS.
extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
}

namespace ctnn {

/// Lets BLAS use up to `threads` threads from now on (process-wide, as OpenBLAS's setting is).
/// OpenBLAS starts with OPENBLAS_NUM_THREADS, or one per core; ctnn's benchmarks and tests run
/// with 1, and the comparisons with PyTorch stay single-threaded.
inline void set_blas_threads(int threads) {
    if (threads < 1)
        throw invalid_argument("ctnn: set_blas_threads needs at least 1 thread, got " + std::to_string(threads));
    openblas_set_num_threads(threads);
}

/// The number of threads BLAS may use now.
inline int blas_threads() { return openblas_get_num_threads(); }

}  // namespace ctnn
