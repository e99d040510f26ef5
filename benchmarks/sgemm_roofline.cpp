// The machine's practical limit for the products a network step is made of: GFLOP/s of one
// large single-threaded OpenBLAS sgemm (n×n times n×n, 2n³ FLOPs), best of --repeats runs
// after a warm-up; then the same product by ctnn's own gemm, with the kernels it chose. Run it with OPENBLAS_NUM_THREADS=1. The default 512³ (1 MiB matrices, past
// L2) runs in ~2.7 ms, short enough that the best of 20 escapes the other processes of a shared
// machine; 1024³ reaches the same ~100 GFLOP/s on an idle one.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <ctnn/core/blas_core.hpp>
#include <ctnn/core/product_kernels.hpp>
#include <ctnn/detail/gemm.hpp>

int main(int argc, char** argv) {
    int repeats = 20, n = 512;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--repeats" && i + 1 < argc) repeats = std::atoi(argv[++i]);
        else if (arg == "--size" && i + 1 < argc) n = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: %s [--repeats N] [--size N]\n", argv[0]);
            return 2;
        }
    }
    const std::size_t elements = std::size_t(n) * std::size_t(n);
    std::vector<float> a(elements), b(elements), c(elements);
    for (std::size_t i = 0; i < elements; ++i) {
        a[i] = float(i % 17) * 0.01f;
        b[i] = float(i % 13) * 0.02f;
    }
    const auto best_seconds = [&](auto product) {
        double best = 1e30;
        for (int r = -1; r < repeats; ++r) {
            const auto start = std::chrono::steady_clock::now();
            product();
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (r >= 0) best = std::min(best, s);
        }
        return best;
    };
    const double flops = 2.0 * double(n) * n * n;
    const double openblas = best_seconds([&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f,
                    c.data(), n);
    });
    const std::string_view core = ctnn::blas_core();
    // blas_core: the kernels OpenBLAS runs here (OPENBLAS_CORETYPE overrides its choice)
    std::printf("bench workload=roofline system=openblas size=%d ms=%.3f gflops=%.2f blas_core=%.*s\n", n,
                openblas * 1e3, flops / openblas * 1e-9, int(core.size()), core.data());
    const std::size_t side = std::size_t(n);
    const double own = best_seconds([&] {
        ctnn::detail::gemm(false, false, side, side, side, 1.0f, a.data(), side, b.data(), side, 0.0f, c.data(), side);
    });
    const std::string_view kernels = ctnn::product_kernels();
    // kernels: the instruction set of ctnn's own (CTNN_ISA may narrow it)
    std::printf("bench workload=roofline system=ctnn size=%d ms=%.3f gflops=%.2f kernels=%.*s\n", n, own * 1e3,
                flops / own * 1e-9, int(kernels.size()), kernels.data());
}
