// detail/gemm.hpp: ctnn's own matrix product. Every kernel the CPU can run (the portable one
// always, AVX2 and AVX-512 where the CPU has them) against a long-double reference, over every
// transpose, edge rows and columns, blocks of the sum, alpha and beta; the kernels against each
// other; and the choice of kernel, per case.
#include <ctnn/core/product_kernels.hpp>
#include <ctnn/detail/gemm.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

namespace {
using ctnn::detail::gemm_isa;

constexpr gemm_isa every_isa[] = {gemm_isa::portable, gemm_isa::avx2, gemm_isa::avx512};

// One product with padded leading dimensions; C's padding columns must come back untouched.
template <class T>
struct product {
    bool trans_a, trans_b;
    std::size_t m, n, k;
    T alpha, beta;
    std::size_t lda = (trans_a ? m : k) + 3, ldb = (trans_b ? k : n) + 1, ldc = n + 2;
    std::vector<T> a, b, c;

    product(bool ta, bool tb, std::size_t m_, std::size_t n_, std::size_t k_, T alpha_, T beta_, unsigned seed)
        : trans_a(ta), trans_b(tb), m(m_), n(n_), k(k_), alpha(alpha_), beta(beta_) {
        std::mt19937 g(seed);
        std::uniform_real_distribution<double> u(-1, 1);
        a.resize((trans_a ? k : m) * lda);
        b.resize((trans_b ? n : k) * ldb);
        c.resize(m * ldc);
        for (auto& v : a) v = T(u(g));
        for (auto& v : b) v = T(u(g));
        for (auto& v : c) v = T(u(g));
    }
    T op_a(std::size_t i, std::size_t p) const { return trans_a ? a[p * lda + i] : a[i * lda + p]; }
    T op_b(std::size_t p, std::size_t j) const { return trans_b ? b[j * ldb + p] : b[p * ldb + j]; }

    std::vector<T> expected() const {
        std::vector<T> r = c;
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                long double s = 0;
                for (std::size_t p = 0; p < k; ++p) s += static_cast<long double>(op_a(i, p)) * op_b(p, j);
                const long double before = beta == T(0) ? 0.0L : static_cast<long double>(beta) * c[i * ldc + j];
                r[i * ldc + j] = T(alpha * s + before);
            }
        return r;
    }
    // C with beta = 0 may hold anything, NaN included: the kernels must not read it.
    std::vector<T> computed(gemm_isa isa) const {
        std::vector<T> out = c;
        if (beta == T(0))
            for (std::size_t i = 0; i < m; ++i)
                for (std::size_t j = 0; j < n; ++j) out[i * ldc + j] = std::numeric_limits<T>::quiet_NaN();
        ctnn::detail::gemm_with(isa, trans_a, trans_b, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta,
                                out.data(), ldc);
        return out;
    }
};

// Largest error relative to the sum's size, k·max|a|·max|b| ≤ k: what rounding can reach.
template <class T>
double worst_error(const product<T>& p, const std::vector<T>& got, const std::vector<T>& want) {
    double worst = 0;
    for (std::size_t i = 0; i < p.m; ++i)
        for (std::size_t j = 0; j < p.ldc; ++j) {
            const double g = double(got[i * p.ldc + j]), w = double(want[i * p.ldc + j]);
            if (j >= p.n) {  // padding: untouched
                if (g != w) return std::numeric_limits<double>::infinity();
                continue;
            }
            if (!std::isfinite(g)) return std::numeric_limits<double>::infinity();
            worst = std::max(worst, std::abs(g - w) / double(std::max<std::size_t>(p.k, 1)));
        }
    return worst;
}

// ldb: B's rows that far apart (0: one more than a row), so that a B one panel wide is read in
// place at every stride, or packed at a stride of a multiple of 4 KiB
template <class T>
void check_every_kernel(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha, T beta,
                        std::size_t ldb = 0) {
    product<T> p(ta, tb, m, n, k, alpha, beta, unsigned(m * 131 + n * 17 + k));
    if (ldb != 0) {
        p.ldb = ldb;
        p.b.resize((tb ? n : k) * p.ldb);
    }
    const auto want = p.expected();
    const double tolerance = 8 * std::numeric_limits<T>::epsilon();
    std::vector<T> portable;
    for (const gemm_isa isa : every_isa) {
        if (!ctnn::detail::cpu_runs(isa)) continue;
        INFO("kernel " << ctnn::detail::gemm_isa_name(isa) << ", " << (ta ? "Aᵀ" : "A") << "·" << (tb ? "Bᵀ" : "B")
                       << ", m " << m << " n " << n << " k " << k << ", alpha " << alpha << " beta " << beta);
        const auto got = p.computed(isa);
        CHECK(worst_error(p, got, want) <= tolerance);
        if (isa == gemm_isa::portable)
            portable = got;
        else  // the dispatch: each instruction set agrees with the portable path to rounding
            CHECK(worst_error(p, got, portable) <= tolerance);
    }
}
}  // namespace

TEMPLATE_TEST_CASE("gemm: every kernel the CPU runs matches a long-double product", "[gemm]", float, double) {
    using T = TestType;
    // heights around each kernel's row blocks (4, 6, 8), so that every family meets every count
    // of last rows (1 to 7: every sum of the heights 4, 2 and 1); widths around its vectors
    // (2 to 32 columns), sums shorter than a vector and longer than one block of the sum
    for (const bool ta : {false, true})
        for (const bool tb : {false, true})
            for (const std::size_t m : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 15u, 17u})
                for (const std::size_t n : {1u, 7u, 16u, 33u, 70u})
                    for (const std::size_t k : {1u, 3u, 300u})
                        check_every_kernel<T>(ta, tb, m, n, k, T(0.75), m % 2 ? T(0) : T(1.25));
}

TEMPLATE_TEST_CASE("gemm: blocks of rows, columns and the sum, each kept apart", "[gemm]", float, double) {
    using T = TestType;
    // m past MC (row blocks of A), n past NC (blocks of packed B), k past KC (blocks of the
    // sum, each adding to what the first wrote)
    check_every_kernel<T>(false, false, 600, 40, 20, T(1), T(0));
    check_every_kernel<T>(true, false, 20, 2200, 30, T(1), T(1));
    check_every_kernel<T>(false, true, 37, 45, 1100, T(-0.5), T(2));
    check_every_kernel<T>(true, true, 70, 90, 700, T(1), T(0));
    // B exactly one panel wide (each instruction set's panel is 8, 16 or 32 columns), its rows a
    // panel apart, further apart, or 4 KiB apart, over sums shorter and longer than a block of
    // the sum
    for (const std::size_t n : {8u, 16u, 32u})
        for (const std::size_t ldb : {n, n + 5, 4096 / sizeof(T)})
            for (const std::size_t k : {3u, 300u, 1100u}) {
                check_every_kernel<T>(false, false, 70, n, k, T(1), T(0), ldb);
                check_every_kernel<T>(true, false, 9, n, k, T(-0.5), T(1), ldb);
            }
    // a convolution's weight gradient: few columns, formed as its transpose and turned
    check_every_kernel<T>(false, true, 32, 9, 2000, T(1), T(0));
    check_every_kernel<T>(false, true, 32, 9, 2000, T(-0.5), T(1));
}

TEST_CASE("gemm: a result narrower than a register block is formed transposed when its rows fill blocks better",
          "[gemm]") {
    using ctnn::detail::product_better_transposed;
    STATIC_REQUIRE(product_better_transposed<32>(32, 9, 50176));   // 9 of 32 columns used, against 32 of 32
    STATIC_REQUIRE_FALSE(product_better_transposed<32>(32, 32, 50176));  // every column used already
    STATIC_REQUIRE_FALSE(product_better_transposed<32>(9, 8, 50176));    // 9 rows fill no better
    STATIC_REQUIRE_FALSE(product_better_transposed<32>(32, 9, 8));       // too short a sum to pay for the turn
    STATIC_REQUIRE(product_better_transposed<16>(64, 5, 100));
}

TEST_CASE("gemm: an empty sum, or alpha = 0, scales C by beta and reads none of A or B", "[gemm]") {
    std::vector<double> c{1, 2, 3, 4, 5, 6};
    const double* none = nullptr;
    for (const gemm_isa isa : every_isa) {
        if (!ctnn::detail::cpu_runs(isa)) continue;
        std::vector<double> out = c;
        ctnn::detail::gemm_with(isa, false, false, 2, 3, 0, 1.0, none, 1, none, 3, 0.5, out.data(), 3);
        CHECK(out == std::vector<double>{0.5, 1, 1.5, 2, 2.5, 3});
        out.assign(6, std::numeric_limits<double>::quiet_NaN());
        ctnn::detail::gemm_with(isa, false, false, 2, 3, 4, 0.0, none, 4, none, 3, 0.0, out.data(), 3);
        CHECK(out == std::vector<double>(6, 0.0));
    }
}

TEST_CASE("gemm: the kernel chosen is the CPU's widest, narrowed by CTNN_ISA", "[gemm]") {
    using ctnn::detail::choose_gemm_isa;
    STATIC_REQUIRE(choose_gemm_isa(true, true, "") == gemm_isa::avx512);
    STATIC_REQUIRE(choose_gemm_isa(true, false, "") == gemm_isa::avx2);
    STATIC_REQUIRE(choose_gemm_isa(false, false, "") == gemm_isa::portable);
    STATIC_REQUIRE(choose_gemm_isa(false, true, "") == gemm_isa::portable);  // AVX-512 kernels use FMA too
    STATIC_REQUIRE(choose_gemm_isa(true, true, "avx2") == gemm_isa::avx2);
    STATIC_REQUIRE(choose_gemm_isa(true, true, "portable") == gemm_isa::portable);
    STATIC_REQUIRE(choose_gemm_isa(true, false, "avx512") == gemm_isa::avx2);  // never wider than the CPU
    STATIC_REQUIRE(choose_gemm_isa(true, true, "sse9") == gemm_isa::avx512);   // unknown: no cap ...
    STATIC_REQUIRE(choose_gemm_isa(true, true, "AVX2") == gemm_isa::avx512);
    // ... and said so on stderr (once, at the first product)
    using ctnn::detail::known_isa_setting;
    STATIC_REQUIRE(known_isa_setting("") && known_isa_setting("portable") && known_isa_setting("avx2")
                   && known_isa_setting("avx512"));
    STATIC_REQUIRE(!known_isa_setting("AVX2") && !known_isa_setting("sse2") && !known_isa_setting("avx-2"));
    const auto in_use = ctnn::detail::gemm_isa_in_use();
    CHECK(ctnn::detail::cpu_runs(in_use));
    CHECK(ctnn::product_kernels() == ctnn::detail::gemm_isa_name(in_use));
}

TEST_CASE("gemm: a product no larger than the last one allocates nothing", "[gemm][allocation]") {
    const product<float> p(false, true, 64, 96, 200, 1.0f, 0.0f, 3);
    auto out = p.computed(ctnn::detail::gemm_isa_in_use());
    const std::byte* buffer = reinterpret_cast<const std::byte*>(ctnn::detail::gemm_pack_buffer::of_this_thread<float>(1));
    ctnn::detail::gemm(false, true, 64, 96, 200, 1.0f, p.a.data(), p.lda, p.b.data(), p.ldb, 0.0f, out.data(), p.ldc);
    CHECK(reinterpret_cast<const std::byte*>(ctnn::detail::gemm_pack_buffer::of_this_thread<float>(1)) == buffer);
}
