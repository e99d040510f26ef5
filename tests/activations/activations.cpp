// Activations: values and derivatives against PyTorch autograd, and against finite differences.
#include <cstdint>
#include <cstring>
#include <vector>

#include <ctnn/ctnn.hpp>
#include <ctnn/detail/rational_tanh.hpp>

#include <catch2/catch.hpp>

#include "support/activation.hpp"
#include "support/approx.hpp"
#include "support/fixture.hpp"

namespace {
template <class Act>
void check_against_torch(const std::string& name) {
    const ctnn_test::fixture f("activations.txt");
    const auto z = f.tensor<double, 2>("z");
    const ctnn::tensor<double, 2> a = ctnn_test::act<Act>::forward(z);
    const ctnn::tensor<double, 2> da = ctnn_test::act<Act>::derivative(z, a);
    const auto torch_a = f.tensor<double, 2>(name + ".y");
    const auto torch_da = f.tensor<double, 2>(name + ".dy");
    CTNN_REQUIRE_CLOSE(a, torch_a, 1e-14);
    CTNN_REQUIRE_CLOSE(da, torch_da, 1e-12);  // 1 − a² cancels near saturation

    // The float path (SIMD kernels) agrees to float precision.
    const ctnn::tensor<float, 2> zf = xt::cast<float>(z);
    const ctnn::tensor<float, 2> af = ctnn_test::act<Act>::forward(zf);
    const ctnn::tensor<float, 2> daf = ctnn_test::act<Act>::derivative(zf, af);
    CTNN_REQUIRE_CLOSE(af, torch_a, 1e-6);
    for (std::size_t i = 0; i < daf.size(); ++i) CHECK(std::abs(double(daf.flat(i)) - torch_da.flat(i)) < 1e-6);
}

template <class Act>
void check_finite_differences() {
    ctnn::rng r(5);
    // Keep away from the kink at 0, where no derivative exists to check.
    auto z = r.uniform_tensor<double>(4, 9, -3.0, 3.0);
    for (auto& v : z)
        if (std::abs(v) < 1e-3) v = 0.5;
    const ctnn::tensor<double, 2> a = ctnn_test::act<Act>::forward(z);
    const ctnn::tensor<double, 2> da = ctnn_test::act<Act>::derivative(z, a);
    const double h = 1e-6;
    const ctnn::tensor<double, 2> up = ctnn_test::act<Act>::forward(ctnn::tensor<double, 2>(z + h));
    const ctnn::tensor<double, 2> down = ctnn_test::act<Act>::forward(ctnn::tensor<double, 2>(z - h));
    const ctnn::tensor<double, 2> numeric = (up - down) / (2 * h);
    for (std::size_t i = 0; i < z.size(); ++i) {
        INFO("z = " << z.flat(i));
        CHECK(std::abs(numeric.flat(i) - da.flat(i)) <= 1e-7 * std::max(1.0, std::abs(da.flat(i))));
    }
}
}  // namespace

TEST_CASE("activations: identity matches torch", "[activations]") {
    check_against_torch<ctnn::identity>("identity");
    check_finite_differences<ctnn::identity>();
}
TEST_CASE("activations: relu matches torch, derivative 0 at 0", "[activations]") {
    check_against_torch<ctnn::relu>("relu");
    check_finite_differences<ctnn::relu>();
}
TEST_CASE("activations: relu and leaky_relu let NaN through, as PyTorch", "[activations]") {
    const ctnn::tensor<float, 2> z = {{std::numeric_limits<float>::quiet_NaN(), -1.0f, 2.0f}};
    const ctnn::tensor<float, 2> a = ctnn_test::act<ctnn::relu>::forward(z);
    const ctnn::tensor<float, 2> b = ctnn_test::act<ctnn::leaky_relu<>>::forward(z);
    CHECK(std::isnan(a(0, 0)));
    CHECK(std::isnan(b(0, 0)));
    CHECK(a(0, 1) == 0.0f);
    CHECK(b(0, 1) == -0.01f);
    CHECK(a(0, 2) == 2.0f);
}

TEST_CASE("activations: leaky_relu matches torch (slope 0.01)", "[activations]") {
    check_against_torch<ctnn::leaky_relu<>>("leaky_relu");
    check_finite_differences<ctnn::leaky_relu<>>();
    check_finite_differences<ctnn::leaky_relu<std::ratio<1, 5>>>();
}
TEST_CASE("activations: tanh matches torch", "[activations]") {
    check_against_torch<ctnn::tanh>("tanh");
    check_finite_differences<ctnn::tanh>();
}
TEST_CASE("activations: float tanh (rational form) is within 5 ulps of tanh for every float", "[activations]") {
    // Every 9973rd positive float and its negation, against tanh in double rounded to float.
    auto ulps = [](float a, float b) {
        std::int32_t ia = 0, ib = 0;
        std::memcpy(&ia, &a, 4);
        std::memcpy(&ib, &b, 4);
        if ((ia < 0) != (ib < 0)) return std::int64_t(std::abs(ia)) + std::abs(ib);
        return std::int64_t(std::abs(std::int64_t(ia) - ib));
    };
    std::int64_t worst = 0;
    std::size_t simd_differs = 0;
    using V = xsimd::batch<float>;
    for (std::uint32_t bits = 0; bits < 0x7f800000u; bits += 9973) {
        float x = 0;
        std::memcpy(&x, &bits, 4);
        for (const float s : {x, -x}) {
            const float r = ctnn::detail::rational_tanh(s);
            worst = std::max(worst, ulps(r, float(std::tanh(double(s)))));
            alignas(64) float lanes[V::size];
            ctnn::detail::rational_tanh(V(s)).store_aligned(lanes);
            simd_differs += lanes[V::size - 1] != r;
        }
    }
    CHECK(worst <= 5);
    CHECK(simd_differs == 0);  // a tail element equals its SIMD neighbours
    // Saturation to exactly ±1, and NaN kept (a clamp that dropped it would give ±1 and
    // hide a divergence), in the SIMD body and the scalar tail alike (9 elements).
    const ctnn::tensor<float, 1> z = {-INFINITY, -100.f, 0.f, 100.f, INFINITY, NAN, 1e-30f, 2.f, NAN};
    const ctnn::tensor<float, 1> a = ctnn_test::act<ctnn::tanh>::forward(z);
    CHECK(a(0) == -1.f);
    CHECK(a(1) == -1.f);
    CHECK(a(2) == 0.f);
    CHECK(a(3) == 1.f);
    CHECK(a(4) == 1.f);
    CHECK(std::isnan(a(5)));
    CHECK(ulps(a(6), 1e-30f) <= 1);
    CHECK(ulps(a(7), float(std::tanh(2.0))) <= 5);
    CHECK(std::isnan(a(8)));
    alignas(64) float lanes[V::size];
    ctnn::detail::rational_tanh(V(NAN)).store_aligned(lanes);
    CHECK(std::isnan(lanes[0]));
}
TEST_CASE("activations: float tanh over an array gives the scalar form's bits on every ISA the CPU runs",
          "[activations][isa]") {
    // Every 9973rd float of each sign, ±inf and NaN, through each kernel the CPU has (AVX-512,
    // AVX2, portable), at every tail length past the last whole vector and in place.
    std::vector<float> in;
    for (std::uint32_t bits = 0; bits < 0x7f800000u; bits += 9973) {
        float x = 0;
        std::memcpy(&x, &bits, 4);
        in.push_back(x);
        in.push_back(-x);
    }
    for (const float special : {INFINITY, -INFINITY, NAN, 8.75f, -8.75f, 8.08f}) in.push_back(special);
    std::vector<float> expected(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) expected[i] = ctnn::detail::rational_tanh(in[i]);
    const auto same = [](float a, float b) { return std::memcmp(&a, &b, 4) == 0 || (std::isnan(a) && std::isnan(b)); };
    using isa = ctnn::detail::gemm_isa;
    for (const isa kernels : {isa::portable, isa::avx2, isa::avx512}) {
        if (!ctnn::detail::cpu_runs(kernels)) continue;
        INFO("kernels " << ctnn::detail::gemm_isa_name(kernels));
        std::vector<float> out(in.size(), 7.0f);
        ctnn::detail::rational_tanh_array(kernels, in.data(), out.data(), in.size());
        std::size_t differ = 0;
        for (std::size_t i = 0; i < in.size(); ++i) differ += !same(out[i], expected[i]);
        CHECK(differ == 0);
        for (std::size_t n = 0; n <= 70; ++n) {  // every tail, and nothing written past n
            std::vector<float> part(in.end() - std::ptrdiff_t(n) - 1, in.end());
            ctnn::detail::rational_tanh_array(kernels, part.data(), part.data(), n);  // in place
            for (std::size_t i = 0; i < n; ++i) CHECK(same(part[i], expected[in.size() - n - 1 + i]));
            CHECK(same(part[n], in.back()));
        }
    }
}

namespace {
struct formula_tanh {  // a user's activation, written as its formula
    static constexpr auto formula = ctnn::expr::tanh(ctnn::expr::z);
};
}  // namespace

TEST_CASE("activations: every activation whose forward is tanh(z) takes the array kernel", "[activations][isa]") {
    const auto z = ctnn::detail::matrix_view(static_cast<const float*>(nullptr), 2, 2);
    using builtin = decltype(ctnn::expr::activation_traits<ctnn::tanh>::forward(z));
    using users = decltype(ctnn::expr::activation_traits<formula_tanh>::forward(z));
    STATIC_REQUIRE(ctnn::detail::is_float_tanh_of_matrix<builtin>::value);
    STATIC_REQUIRE(ctnn::detail::is_float_tanh_of_matrix<users>::value);
    const auto zd = ctnn::detail::matrix_view(static_cast<const double*>(nullptr), 2, 2);  // double keeps xsimd's
    STATIC_REQUIRE_FALSE(ctnn::detail::is_float_tanh_of_matrix<decltype(ctnn::expr::activation_traits<ctnn::tanh>::forward(zd))>::value);
}

TEST_CASE("activations: sigmoid matches torch and saturates without overflow", "[activations]") {
    check_against_torch<ctnn::sigmoid>("sigmoid");
    check_finite_differences<ctnn::sigmoid>();
    const ctnn::tensor<float, 2> z = {{-1000.f, 1000.f}};
    const ctnn::tensor<float, 2> a = ctnn_test::act<ctnn::sigmoid>::forward(z);
    CHECK(a(0, 0) == 0.0f);
    CHECK(a(0, 1) == 1.0f);
}
