// How many threads ctnn's matrix products may use. On one thread (the default) every product is
// ctnn's own (detail/gemm.hpp). Given more with set_blas_threads, a product of at least
// detail::threaded_product_threshold multiply-adds goes to OpenBLAS, which splits it between
// threads; smaller ones, ctnn's own kernels and element-wise passes stay on the calling thread.
// So threads pay off for large batches of wide layers only (make bench measures both cores),
// and then depend on OpenBLAS's kernels for the CPU. OpenBLAS sums in another order than ctnn's
// kernels: results differ in the last bits.
#pragma once

#include <atomic>
#include <cstdlib>
#include <string>

#include "ctnn/core/errors.hpp"

// OpenBLAS's own functions, declared here rather than taken from <cblas.h>: Debian's cblas.h
// alternative may be netlib's, which lacks them. ctnn links OpenBLAS.
extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
}

namespace ctnn {

namespace detail {
/// Whether the program chose BLAS's threads itself (set_blas_threads).
inline std::atomic<bool>& blas_threads_chosen() noexcept {
    static std::atomic<bool> chosen{false};
    return chosen;
}

/// The threads ctnn lets BLAS use when nobody chose: one. OpenBLAS would start one per core,
/// and once it has run a product on several its workers keep spinning, so every small product
/// after it costs a second core's time (the products of small networks, and the step-by-step
/// products of recurrent layers, are small); see docs/training.md. A choice made with
/// set_blas_threads or in the environment is kept. (A pure decision, tested per case.)
constexpr bool ctnn_chooses_blas_threads(bool program_chose, bool environment_chose) noexcept {
    return !program_chose && !environment_chose;
}

/// Applies that default once, before ctnn's first product or thread query.
inline void default_blas_threads_once() {
    [[maybe_unused]] static const bool applied = [] {
        bool environment = false;
        for (const char* name : {"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"})
            environment = environment || std::getenv(name) != nullptr;
        const bool apply = ctnn_chooses_blas_threads(blas_threads_chosen().load(), environment);
        if (apply) openblas_set_num_threads(1);
        return apply;
    }();
}
}  // namespace detail

/// Lets BLAS use up to `threads` threads from now on (process-wide, as OpenBLAS's setting is).
/// Unless this is called, or OPENBLAS_NUM_THREADS (GOTO_NUM_THREADS, OMP_NUM_THREADS) is set,
/// ctnn gives BLAS one thread at its first product. ctnn's benchmarks and tests run with 1, and
/// the comparisons with PyTorch stay single-threaded.
inline void set_blas_threads(int threads) {
    if (threads < 1)
        throw invalid_argument("ctnn: set_blas_threads needs at least 1 thread, got " + std::to_string(threads));
    detail::blas_threads_chosen() = true;
    openblas_set_num_threads(threads);
}

/// The number of threads BLAS may use now.
inline int blas_threads() {
    detail::default_blas_threads_once();
    return openblas_get_num_threads();
}

}  // namespace ctnn
