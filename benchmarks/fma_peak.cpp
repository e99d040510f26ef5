// The machine's compute peak for one core, without any BLAS: float32 fused multiply-adds in
// registers at each vector width the CPU runs (SSE-less scalar is not measured), chosen at run
// time, so one binary measures AVX-512 where it exists and AVX2 elsewhere. Enough independent
// accumulators to cover the FMA latency on every port; best of --repeats runs.
// Prints one line per width and one `bench workload=fma_peak ... gflops=` with the widest.
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {
constexpr long iterations = 20'000'000;
constexpr int accumulators = 12;  // latency 4 × 2 ports = 8 in flight, with room

// Each function runs `iterations` rounds of `accumulators` independent FMAs and returns a value
// that depends on all of them (so none is optimised away).
__attribute__((target("avx2,fma"))) float run_avx2(float seed) {
    __m256 acc[accumulators];
    for (int k = 0; k < accumulators; ++k) acc[k] = _mm256_set1_ps(seed + float(k));
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    for (long i = 0; i < iterations; ++i)
        for (int k = 0; k < accumulators; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
    __m256 sum = acc[0];
    for (int k = 1; k < accumulators; ++k) sum = _mm256_add_ps(sum, acc[k]);
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, sum);
    return lanes[0] + lanes[7];
}

__attribute__((target("avx512f"))) float run_avx512(float seed) {
    __m512 acc[accumulators];
    for (int k = 0; k < accumulators; ++k) acc[k] = _mm512_set1_ps(seed + float(k));
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (long i = 0; i < iterations; ++i)
        for (int k = 0; k < accumulators; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
    __m512 sum = acc[0];
    for (int k = 1; k < accumulators; ++k) sum = _mm512_add_ps(sum, acc[k]);
    alignas(64) float lanes[16];  // not _mm512_reduce_add_ps: GCC 12 warns inside it (-Wuninitialized)
    _mm512_store_ps(lanes, sum);
    return lanes[0] + lanes[15];
}

/// Best GFLOP/s of `repeats` runs of f: lanes × 2 FLOPs per FMA.
template <class F>
double measure(F f, int lanes, int repeats, float& sink) {
    double best = 1e30;
    for (int r = -1; r < repeats; ++r) {
        const auto start = std::chrono::steady_clock::now();
        sink += f(float(r));
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (r >= 0) best = std::min(best, s);
    }
    return double(iterations) * accumulators * lanes * 2.0 / best * 1e-9;
}
}  // namespace

int main(int argc, char** argv) {
    int repeats = 5;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--repeats" && i + 1 < argc) {
            repeats = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: %s [--repeats N]\n", argv[0]);
            return 2;
        }
    }
    __builtin_cpu_init();
    float sink = 0;
    double peak = 0;
    const char* widest = "none";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        const double g = measure(run_avx2, 8, repeats, sink);
        std::printf("fma avx2: %.1f GFLOP/s\n", g);
        peak = g, widest = "avx2";
    }
    if (__builtin_cpu_supports("avx512f")) {
        const double g = measure(run_avx512, 16, repeats, sink);
        std::printf("fma avx512: %.1f GFLOP/s\n", g);
        if (g > peak) peak = g;
        widest = "avx512";
    }
    std::printf("bench workload=fma_peak isa=%s gflops=%.2f check=%g\n", widest, peak, double(sink) * 0.0);
    return peak > 0 ? 0 : 1;
}
