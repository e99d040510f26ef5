// elu, selu, gelu, gelu_tanh, silu, softplus, softsign, hardtanh: values and derivatives against
// PyTorch autograd (double and float), against finite differences, and at saturation in float.
#include <ctnn/activations/elu.hpp>
#include <ctnn/activations/gelu.hpp>
#include <ctnn/activations/gelu_tanh.hpp>
#include <ctnn/activations/hardtanh.hpp>
#include <ctnn/activations/selu.hpp>
#include <ctnn/activations/silu.hpp>
#include <ctnn/activations/softplus.hpp>
#include <ctnn/activations/softsign.hpp>
#include <ctnn/ctnn.hpp>

#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>

#include <catch2/catch.hpp>

#include "support/activation.hpp"
#include "support/approx.hpp"
#include "support/fixture.hpp"

namespace {
template <class A, class B>
void require_close(const A& actual, const B& expected, double tolerance, double floor, const std::string& what) {
    const double error = ctnn_test::max_relative_error(actual, expected, floor);
    INFO(what << ": max error " << error << " (relative, absolute below " << floor << ")");
    REQUIRE(error <= tolerance);
}

/// On z (|z| <= 4, step 1/4) and z_wide (up to ±1000). `floor`: below it, errors are absolute;
/// PyTorch's own gelu and gelu_tanh cancel in the left tail (off by up to 3e-10 relative at
/// z = −5, measured against mpmath), so those are compared absolutely below 1.
template <class Act>
void check_against_torch(const std::string& name, double floor = 1e-12) {
    const ctnn_test::fixture f("activations_more.txt");
    for (const std::string suffix : {"", "_wide"}) {
        const auto z = f.tensor<double, 2>(suffix.empty() ? "z" : "z_wide");
        const auto torch_a = f.tensor<double, 2>(name + ".y" + suffix);
        const auto torch_da = f.tensor<double, 2>(name + ".dy" + suffix);
        const ctnn::tensor<double, 2> a = ctnn_test::act<Act>::forward(z);
        const ctnn::tensor<double, 2> da = ctnn_test::act<Act>::derivative(z, a);
        require_close(a, torch_a, 1e-14, floor, name + ".y" + suffix);
        require_close(da, torch_da, 1e-12, floor, name + ".dy" + suffix);

        // The float path (xsimd kernels) against the float64 reference: values to 1e-6 relative
        // everywhere, tails included; derivatives absolutely below 1 (some cross zero).
        const ctnn::tensor<float, 2> zf = xt::cast<float>(z);
        const ctnn::tensor<float, 2> af = ctnn_test::act<Act>::forward(zf);
        const ctnn::tensor<float, 2> daf = ctnn_test::act<Act>::derivative(zf, af);
        require_close(af, torch_a, 1e-6, 1e-12, name + ".y" + suffix + " in float");
        require_close(daf, torch_da, 1e-6, 1.0, name + ".dy" + suffix + " in float");
    }
}

/// Central differences on random z in [low, high], kept 1e-3 away from each kink.
template <class Act>
void check_finite_differences(double low, double high, std::initializer_list<double> kinks = {}) {
    ctnn::rng r(5);
    auto z = r.uniform_tensor<double>(4, 9, low, high);
    for (auto& v : z)
        for (const double k : kinks)
            if (std::abs(v - k) < 1e-3) v = k + 2e-3;
    const ctnn::tensor<double, 2> a = ctnn_test::act<Act>::forward(z);
    const ctnn::tensor<double, 2> da = ctnn_test::act<Act>::derivative(z, a);
    const double h = 1e-6;
    const ctnn::tensor<double, 2> up = ctnn_test::act<Act>::forward(ctnn::tensor<double, 2>(z + h));
    const ctnn::tensor<double, 2> down = ctnn_test::act<Act>::forward(ctnn::tensor<double, 2>(z - h));
    const ctnn::tensor<double, 2> numeric = (up - down) / (2 * h);
    for (std::size_t i = 0; i < z.size(); ++i) {
        INFO(Act::name << " at z = " << z.flat(i) << ": analytic " << da.flat(i) << ", numeric " << numeric.flat(i));
        REQUIRE(std::abs(numeric.flat(i) - da.flat(i)) <= 1e-7 * std::max(1.0, std::abs(da.flat(i))));
    }
}

/// In float, far into saturation (where e^|z| and z³ overflow): values and derivatives are
/// finite and, up to ±1000, agree with the double evaluation; a NaN input stays NaN.
/// (Not beyond ±1000 or NaN in double: xsimd's double exp family converts to int64 in scalar
/// code on AVX2, which UBSan reports for |x| > 2^63 and NaN; the float kernels do not.)
template <class Act>
void check_saturation_in_float() {
    const ctnn::tensor<float, 2> z = {{-1e30f, -1000.0f, -100.0f, 100.0f, 1000.0f, 1e30f}};
    const ctnn::tensor<float, 2> a = ctnn_test::act<Act>::forward(z);
    const ctnn::tensor<float, 2> da = ctnn_test::act<Act>::derivative(z, a);
    for (std::size_t i = 0; i < z.size(); ++i) {
        INFO(Act::name << " at z = " << z.flat(i) << ": a = " << a.flat(i) << ", da/dz = " << da.flat(i));
        REQUIRE(std::isfinite(a.flat(i)));
        REQUIRE(std::isfinite(da.flat(i)));
    }
    const ctnn::tensor<float, 2> zf = {{-1000.0f, -100.0f, 100.0f, 1000.0f}};
    const ctnn::tensor<float, 2> af = ctnn_test::act<Act>::forward(zf);
    const ctnn::tensor<float, 2> daf = ctnn_test::act<Act>::derivative(zf, af);
    const ctnn::tensor<double, 2> zd = xt::cast<double>(zf);
    const ctnn::tensor<double, 2> ad = ctnn_test::act<Act>::forward(zd);
    const ctnn::tensor<double, 2> dad = ctnn_test::act<Act>::derivative(zd, ad);
    require_close(af, ad, 1e-6, 1e-12, std::string(Act::name) + " saturated, float vs double");
    require_close(daf, dad, 1e-6, 1.0, std::string(Act::name) + "' saturated, float vs double");

    const ctnn::tensor<float, 2> nan = {{std::numeric_limits<float>::quiet_NaN()}};
    const ctnn::tensor<float, 2> a_nan = ctnn_test::act<Act>::forward(nan);
    CHECK(std::isnan(a_nan(0, 0)));
}

/// a and da/dz at one input (through the same code path as a whole tensor).
template <class Act, class T>
std::pair<T, T> at(T z) {
    const ctnn::tensor<T, 2> zt = {{z}};
    const ctnn::tensor<T, 2> a = ctnn_test::act<Act>::forward(zt);
    const ctnn::tensor<T, 2> da = ctnn_test::act<Act>::derivative(zt, a);
    return {a(0, 0), da(0, 0)};
}

/// Forward and backward, as the dense layer evaluates them, take xtensor's SIMD loop.
template <class Act>
constexpr bool evaluates_with_simd() {
    using view = ctnn::detail::matrix_view_t<float>;
    using cview = ctnn::detail::matrix_view_t<const float>;
    using forward_expr = decltype(ctnn_test::act<Act>::forward(std::declval<cview&>()));
    using backward_expr =
        decltype(std::declval<view&>() * ctnn_test::act<Act>::derivative(std::declval<cview&>(), std::declval<cview&>()));
    return xt::xassign_traits<view, forward_expr>::simd_linear_assign()
        && xt::xassign_traits<view, backward_expr>::simd_linear_assign();
}
}  // namespace

TEST_CASE("activations: elu matches torch, derivative alpha at 0", "[activations]") {
    check_against_torch<ctnn::elu<>>("elu");
    check_against_torch<ctnn::elu<std::ratio<1, 2>>>("elu_alpha0p5");
    check_finite_differences<ctnn::elu<>>(-4, 4, {0.0});
    check_finite_differences<ctnn::elu<std::ratio<1, 2>>>(-4, 4, {0.0});
    check_saturation_in_float<ctnn::elu<>>();
    CHECK(at<ctnn::elu<>>(-1000.0f) == std::pair{-1.0f, 0.0f});
    CHECK(at<ctnn::elu<>>(1000.0f) == std::pair{1000.0f, 1.0f});
    // PyTorch's backward takes the exponential branch at z = 0: α, not 1.
    CHECK(at<ctnn::elu<std::ratio<1, 2>>>(0.0f).second == 0.5f);
    STATIC_REQUIRE(ctnn_test::act<ctnn::elu<>>::needs_preactivation);
}

TEST_CASE("activations: selu matches torch with its constants", "[activations]") {
    check_against_torch<ctnn::selu>("selu");
    check_finite_differences<ctnn::selu>(-4, 4, {0.0});
    check_saturation_in_float<ctnn::selu>();
    CHECK(at<ctnn::selu>(-1000.0f).first == float(-ctnn::selu::scale * ctnn::selu::alpha));
    CHECK(at<ctnn::selu>(1000.0f).second == float(ctnn::selu::scale));
    CHECK(at<ctnn::selu>(0.0f).second == float(ctnn::selu::scale * ctnn::selu::alpha));
}

TEST_CASE("activations: gelu (erf) matches torch", "[activations]") {
    check_against_torch<ctnn::gelu>("gelu", 1.0);
    check_finite_differences<ctnn::gelu>(-6, 6);
    check_saturation_in_float<ctnn::gelu>();
    CHECK(at<ctnn::gelu>(-1000.0f) == std::pair{0.0f, 0.0f});
    CHECK(at<ctnn::gelu>(1000.0f) == std::pair{1000.0f, 1.0f});
}

TEST_CASE("activations: gelu_tanh matches torch's approximate='tanh'", "[activations]") {
    check_against_torch<ctnn::gelu_tanh>("gelu_tanh", 1.0);
    check_finite_differences<ctnn::gelu_tanh>(-6, 6);
    check_saturation_in_float<ctnn::gelu_tanh>();
    CHECK(at<ctnn::gelu_tanh>(-1000.0f) == std::pair{0.0f, 0.0f});
    CHECK(at<ctnn::gelu_tanh>(1e30f) == std::pair{1e30f, 1.0f});  // z³ would overflow
    // Clamping z at ±30 inside tanh changes nothing: even in double, the result has saturated
    // exactly before that.
    CHECK(at<ctnn::gelu_tanh>(29.9) == std::pair{29.9, 1.0});
    CHECK(at<ctnn::gelu_tanh>(-29.9) == std::pair{-0.0, 0.0});
}

TEST_CASE("activations: gelu and gelu_tanh keep relative precision in the left tail", "[activations]") {
    // Where PyTorch's 1 + erf and 1 + tanh cancel. References in long double, from the same
    // functions written as erfc and as the logistic function.
    const ctnn::tensor<double, 2> z = {{-3.0, -5.0, -8.0, -12.0}};
    const ctnn::tensor<double, 2> a = ctnn_test::act<ctnn::gelu>::forward(z);
    const ctnn::tensor<double, 2> da = ctnn_test::act<ctnn::gelu>::derivative(z, a);
    const ctnn::tensor<double, 2> b = ctnn_test::act<ctnn::gelu_tanh>::forward(z);
    const ctnn::tensor<double, 2> db = ctnn_test::act<ctnn::gelu_tanh>::derivative(z, b);
    for (std::size_t i = 0; i < z.size(); ++i) {
        const long double x = z.flat(i);
        const long double phi = 0.5L * std::erfc(-x / std::sqrt(2.0L));
        const long double dphi = phi + x * std::exp(-0.5L * x * x) / std::sqrt(2.0L * 3.14159265358979323846264338L);
        const long double u = 0.797884560802865355879892119868763737L * (x + 0.044715L * x * x * x);
        const long double s = 1.0L / (1.0L + std::exp(-2.0L * u));
        const long double ds =
            s + 0.5L * x * 0.797884560802865355879892119868763737L * (1.0L + 3.0L * 0.044715L * x * x)
                    / (std::cosh(u) * std::cosh(u));
        auto rel = [](double v, long double ref) { return double(std::abs((v - ref) / ref)); };
        INFO("z = " << z.flat(i));
        // xsimd's double erfc: ~1e-11 relative here (PyTorch: 8e-11 at z = −5, 100% from
        // z = −8.3, where 1 + erf rounds to 0).
        CHECK(rel(a.flat(i), x * phi) < 1e-10);
        CHECK(rel(da.flat(i), dphi) < 1e-10);
        // Conditioned by e^(2u) only: 2|u|·ε (PyTorch: 3e-10 at z = −5, 100% from z = −5.9).
        CHECK(rel(b.flat(i), x * s) < 1e-13);
        CHECK(rel(db.flat(i), ds) < 1e-13);
    }
}

TEST_CASE("activations: silu matches torch and saturates without overflow", "[activations]") {
    check_against_torch<ctnn::silu>("silu");
    check_finite_differences<ctnn::silu>(-6, 6);
    check_saturation_in_float<ctnn::silu>();
    CHECK(at<ctnn::silu>(-1000.0f) == std::pair{0.0f, 0.0f});
    CHECK(at<ctnn::silu>(1000.0f) == std::pair{1000.0f, 1.0f});
    CHECK(at<ctnn::silu>(1e30f).second == 1.0f);  // (z − a) + 1, not (1 + z) − a
}

TEST_CASE("activations: softplus matches torch, linear above the threshold", "[activations]") {
    check_against_torch<ctnn::softplus<>>("softplus");
    check_against_torch<ctnn::softplus<std::ratio<2>, std::ratio<5>>>("softplus_beta2_threshold5");
    check_finite_differences<ctnn::softplus<>>(-6, 6);
    check_finite_differences<ctnn::softplus<>>(15, 25, {20.0});
    check_finite_differences<ctnn::softplus<std::ratio<2>, std::ratio<5>>>(-3, 4, {2.5});
    check_saturation_in_float<ctnn::softplus<>>();
    CHECK(at<ctnn::softplus<>>(-1000.0f) == std::pair{0.0f, 0.0f});
    CHECK(at<ctnn::softplus<>>(1000.0f) == std::pair{1000.0f, 1.0f});
    // βz = threshold is still the log1p branch (PyTorch tests βz > threshold).
    const ctnn::tensor<double, 2> z = {{20.0, std::nextafter(20.0, 21.0)}};
    const ctnn::tensor<double, 2> a = ctnn_test::act<ctnn::softplus<>>::forward(z);
    const ctnn::tensor<double, 2> da = ctnn_test::act<ctnn::softplus<>>::derivative(z, a);
    CHECK(a(0, 0) > 20.0);
    CHECK(da(0, 0) < 1.0);
    CHECK(a(0, 1) == z(0, 1));
    CHECK(da(0, 1) == 1.0);
    // With a large threshold the log1p branch runs far out, and still neither overflows.
    CHECK(at<ctnn::softplus<std::ratio<1>, std::ratio<1000000>>>(1000.0f) == std::pair{1000.0f, 1.0f});
}

TEST_CASE("activations: softsign matches torch", "[activations]") {
    check_against_torch<ctnn::softsign>("softsign");
    check_finite_differences<ctnn::softsign>(-6, 6, {0.0});
    check_saturation_in_float<ctnn::softsign>();
    const auto [a, da] = at<ctnn::softsign>(1000.0f);
    CHECK(a == Approx(1000.0 / 1001.0).epsilon(1e-7));
    CHECK(da == Approx(1.0 / (1001.0 * 1001.0)).epsilon(1e-6));
}

TEST_CASE("activations: hardtanh matches torch, derivative 0 at the bounds", "[activations]") {
    using custom = ctnn::hardtanh<std::ratio<-1, 2>, std::ratio<2>>;
    check_against_torch<ctnn::hardtanh<>>("hardtanh");
    check_against_torch<custom>("hardtanh_m0p5_2");
    check_finite_differences<ctnn::hardtanh<>>(-3, 3, {-1.0, 1.0});
    check_finite_differences<custom>(-3, 3, {-0.5, 2.0});
    check_saturation_in_float<ctnn::hardtanh<>>();
    CHECK(at<ctnn::hardtanh<>>(-1.0f) == std::pair{-1.0f, 0.0f});
    CHECK(at<ctnn::hardtanh<>>(1.0f) == std::pair{1.0f, 0.0f});
    CHECK(at<ctnn::hardtanh<>>(std::nextafter(1.0f, 0.0f)).second == 1.0f);
    CHECK(at<ctnn::hardtanh<>>(std::nextafter(-1.0f, 0.0f)).second == 1.0f);
    CHECK(at<custom>(-0.5f) == std::pair{-0.5f, 0.0f});
    CHECK(at<custom>(2.0f) == std::pair{2.0f, 0.0f});
    STATIC_REQUIRE_FALSE(ctnn_test::act<ctnn::hardtanh<>>::needs_preactivation);
}

TEST_CASE("activations: the new activations evaluate with SIMD on a layer's buffers", "[activations][simd]") {
    STATIC_REQUIRE(evaluates_with_simd<ctnn::elu<>>());
    STATIC_REQUIRE(evaluates_with_simd<ctnn::selu>());
    STATIC_REQUIRE(evaluates_with_simd<ctnn::gelu>());
    STATIC_REQUIRE(evaluates_with_simd<ctnn::gelu_tanh>());
    STATIC_REQUIRE(evaluates_with_simd<ctnn::silu>());
    STATIC_REQUIRE(evaluates_with_simd<ctnn::softplus<>>());
    STATIC_REQUIRE(evaluates_with_simd<ctnn::softsign>());
    STATIC_REQUIRE(evaluates_with_simd<ctnn::hardtanh<>>());
}
