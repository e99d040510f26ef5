// detail/cpu_isa.hpp: the loops besides the products that are compiled per instruction set and
// chosen at run time (transposes, the largest magnitude, tanh) give exactly what their portable
// forms give, on every CPU path this machine runs, at edge sizes and with NaN and ±inf.
// gemm.hpp comes first: the other headers' kernels must be compiled whatever was included
// before them (gemm.hpp once undefined cpu_isa.hpp's macros, and tanh's AVX kernels silently
// fell back to the portable loop in every program).
#include <ctnn/detail/gemm.hpp>
#include <ctnn/detail/norms.hpp>
#include <ctnn/detail/rational_tanh.hpp>
#include <ctnn/detail/transpose.hpp>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(CTNN_GEMM_X86)
#error "ctnn: the x86 kernels are compiled out after gemm.hpp (cpu_isa.hpp's macros were undefined)"
#endif

namespace {
using ctnn::detail::gemm_isa;

/// src (rows, cols; lds) -> dst (cols, rows; ldd) one element at a time: the reference.
template <class T>
std::vector<T> transposed(const std::vector<T>& src, std::size_t rows, std::size_t cols, std::size_t lds,
                          std::size_t ldd) {
    std::vector<T> dst(cols * ldd, T(-1));
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) dst[c * ldd + r] = src[r * lds + c];
    return dst;
}
}  // namespace

TEMPLATE_TEST_CASE("transpose_matrix: tiles and edges, in AVX2 where the CPU has it and portably, equal the element-wise transpose",
                   "[transpose][isa]", float, double) {
    using T = TestType;
    for (const std::size_t rows : {1u, 7u, 8u, 9u, 16u, 29u})
        for (const std::size_t cols : {1u, 5u, 8u, 15u, 24u, 33u}) {
            INFO(rows << " x " << cols);
            const std::size_t lds = cols + 3, ldd = rows + 2;  // padded rows, left untouched
            std::vector<T> src(rows * lds);
            for (std::size_t i = 0; i < src.size(); ++i) src[i] = T(std::sin(double(i)));
            const auto want = transposed(src, rows, cols, lds, ldd);
            std::vector<T> got(cols * ldd, T(-1));
            ctnn::detail::transpose_matrix(src.data(), rows, cols, lds, got.data(), ldd);  // as dispatched
            CHECK(got == want);
            std::vector<T> portable(cols * ldd, T(-1));
            ctnn::detail::transpose_in_tiles(src.data(), rows, cols, lds, portable.data(), ldd,
                                             [](const T* s, std::size_t ls, T* d, std::size_t ld) {
                                                 ctnn::detail::transpose_tile_8x8(s, ls, d, ld);
                                             });
            CHECK(portable == want);
#if defined(CTNN_GEMM_X86)
            if constexpr (std::is_same_v<T, float>) {
                if (ctnn::detail::cpu_runs(gemm_isa::avx2)) {
                    std::vector<T> avx2(cols * ldd, T(-1));
                    ctnn::detail::transpose_matrix_avx2(src.data(), rows, cols, lds, avx2.data(), ldd);
                    CHECK(avx2 == want);
                }
            }
#endif
        }
}

TEMPLATE_TEST_CASE("max_magnitude: max |v|, +inf for NaN or ±inf anywhere, in AVX2 where the CPU has it and portably",
                   "[norms][isa]", float, double) {
    using T = TestType;
    const auto reference = [](const std::vector<T>& v) {
        double largest = 0.0;
        for (const T x : v) {
            if (!std::isfinite(x)) return std::numeric_limits<double>::infinity();
            largest = std::max(largest, double(std::abs(x)));
        }
        return largest;
    };
    const auto every_path = [&](const std::vector<T>& v) {
        const double want = reference(v);
        CHECK(ctnn::detail::max_magnitude(v.data(), v.size()) == want);  // as dispatched
        CHECK(ctnn::detail::magnitude_of_bits<T>(ctnn::detail::largest_magnitude_bits(v.data(), v.size())) == want);
#if defined(CTNN_GEMM_X86)
        if (ctnn::detail::cpu_runs(gemm_isa::avx2))
            CHECK(ctnn::detail::magnitude_of_bits<T>(ctnn::detail::largest_magnitude_bits_avx2(v.data(), v.size()))
                  == want);
#endif
    };
    for (const std::size_t n : {0u, 1u, 7u, 63u, 64u, 65u, 1000u}) {
        INFO(n << " values");
        std::vector<T> v(n);
        for (std::size_t i = 0; i < n; ++i) v[i] = T(std::cos(3.0 * double(i)) * double(i % 17));
        every_path(v);
        if (n == 0) continue;
        v[n / 2] = -T(1e30);  // the largest is negative
        every_path(v);
        for (const T bad : {std::numeric_limits<T>::quiet_NaN(), std::numeric_limits<T>::infinity(),
                            -std::numeric_limits<T>::infinity()}) {
            auto with_bad = v;
            with_bad[n - 1] = bad;  // last, past every whole vector
            every_path(with_bad);
        }
    }
}

TEST_CASE("rational tanh: the AVX-512 and AVX2 kernels, called directly, give the portable loop's bits",
          "[tanh][isa]") {
    std::vector<float> in;
    for (int i = -4000; i <= 4000; ++i) in.push_back(float(i) * 0.0027f);
    for (const float special : {INFINITY, -INFINITY, NAN, 8.75f, -8.75f, 1e-30f, -0.0f}) in.push_back(special);
    std::vector<float> want(in.size());
    ctnn::detail::rational_tanh_array_portable(in.data(), want.data(), in.size());
    const auto same_bits = [&](const std::vector<float>& got) {
        for (std::size_t i = 0; i < want.size(); ++i)
            if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0 && !(std::isnan(got[i]) && std::isnan(want[i])))
                return false;
        return true;
    };
#if defined(CTNN_GEMM_X86)
    if (ctnn::detail::cpu_runs(gemm_isa::avx2)) {
        std::vector<float> got(in.size());
        ctnn::detail::rational_tanh_array_avx2(in.data(), got.data(), in.size());
        CHECK(same_bits(got));
    }
    if (ctnn::detail::cpu_runs(gemm_isa::avx512)) {
        std::vector<float> got(in.size());
        ctnn::detail::rational_tanh_array_avx512(in.data(), got.data(), in.size());
        CHECK(same_bits(got));
    }
#endif
}
