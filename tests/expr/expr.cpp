// The expression language (ctnn/expr/): what terms simplify to, how they print, derivatives
// against finite differences, the xtensor evaluator against the scalar one, and every built-in
// activation and loss derived from its formula against the hand-written derivative it replaced.
#include <ctnn/ctnn.hpp>
#include <ctnn/expr/to_string.hpp>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/activation.hpp"
#include "support/approx.hpp"

using namespace ctnn::expr;
using ctnn_test::act;

namespace {
template <class E>
using var_of = std::remove_cvref_t<E>;
using z_t = var_of<decltype(z)>;

/// clamp with bounds computed from constants: exact at run time, not a number known here.
struct clamp_root_two {
    static constexpr std::string_view name = "clamp_root_two";
    static constexpr auto formula = clamp(z, -sqrt(2_c), sqrt(2_c));
};

/// d/dz of f at x by central differences, and the derived derivative there, in double.
template <class F>
void check_derivative_at(F f, double x) {
    const auto derived = derivative(f, z);
    const double h = 1e-6 * std::max(1.0, std::abs(x));
    const auto at = [&](auto e, double v) { return evaluate_scalar(e, make_environment<void>(nullptr, bind(z, v))); };
    const double numeric = (at(f, x + h) - at(f, x - h)) / (2 * h);
    const double exact = at(derived, x);
    INFO(to_string(f) << " at z = " << x << ": derived " << to_string(derived) << " = " << exact
                      << ", central difference " << numeric);
    CHECK(std::abs(exact - numeric) <= 1e-6 * std::max(1.0, std::abs(numeric)));
}

/// The derivative of every built-in activation as it was written by hand before ctnn derived
/// them (z, a in double).
struct handwritten {
    const char* name;
    std::function<double(double z, double a)> derivative;
};
}  // namespace

TEST_CASE("expr: builders simplify as they build", "[expr]") {
    STATIC_REQUIRE(std::is_same_v<decltype(0_c * z), rational<0>>);
    STATIC_REQUIRE(std::is_same_v<decltype(1_c * z), z_t>);
    STATIC_REQUIRE(std::is_same_v<decltype(z * 1_c + 0_c), z_t>);
    STATIC_REQUIRE(std::is_same_v<decltype(z - z), rational<0>>);
    STATIC_REQUIRE(std::is_same_v<decltype(-(-z)), z_t>);
    STATIC_REQUIRE(std::is_same_v<decltype(2_c / 4_c), rational<1, 2>>);
    STATIC_REQUIRE(std::is_same_v<decltype(0.25_c + 0.5_c), rational<3, 4>>);
    STATIC_REQUIRE(std::is_same_v<decltype(0.044715_c), rational<8943, 200000>>);
    // constants cancel before they multiply and add over the least common denominator, so
    // exact results that fit in 64 bits are found even when the naive products would not
    STATIC_REQUIRE(std::is_same_v<decltype(0.1234567891_c + 0.1234567892_c), rational<2469135783, 10000000000>>);
    STATIC_REQUIRE(std::is_same_v<decltype(0.000000001_c * 1000000000_c), rational<1>>);
    STATIC_REQUIRE(std::is_same_v<decltype(0.75_c - 1_c), rational<-1, 4>>);
    STATIC_REQUIRE(std::is_same_v<decltype(pow<3>(2.5_c)), rational<125, 8>>);
    STATIC_REQUIRE(std::is_same_v<decltype(0.999999999999999999_c), rational<999999999999999999, 1000000000000000000>>);
    STATIC_REQUIRE(std::is_same_v<decltype(pow<1>(z)), z_t>);
    STATIC_REQUIRE(std::is_same_v<decltype(pow<2>(pow<3>(z))), call<pow_fn<6>, z_t>>);
    STATIC_REQUIRE(std::is_same_v<decltype(z * z), call<pow_fn<2>, z_t>>);
    STATIC_REQUIRE(std::is_same_v<decltype(select(z > 0_c, z, z)), z_t>);
    STATIC_REQUIRE(std::is_same_v<decltype(2_c > 1_c), rational<1>>);
    STATIC_REQUIRE(std::is_same_v<decltype(z * 3_c), decltype(3_c * z)>);  // constants first
    STATIC_REQUIRE(is_constant_v<decltype(sqrt(2_c) * 3_c)>);
    STATIC_REQUIRE_FALSE(is_constant_v<decltype(sqrt(z))>);
}

TEST_CASE("expr: derivatives print as one would write them", "[expr][to_string]") {
    CHECK(to_string(derivative(sigmoid(z), z)) == "σ(z)·(1 − σ(z))");
    CHECK(to_string(derivative(tanh(z), z)) == "1 − tanh(z)²");
    CHECK(to_string(derivative(z * sigmoid(z), z)) == "σ(z) + z·σ(z)·(1 − σ(z))");
    CHECK(to_string(derivative(max(z, 0_c), z)) == "[max(z, 0) > 0]");
    // a negative multiple added or subtracted turns the sign, constants stand first, x + x is 2·x
    CHECK(to_string(z - (-2_c) * z) == "z + 2·z");
    CHECK(to_string(1_c + (-2_c) * sigmoid(z)) == "1 − 2·σ(z)");
    CHECK(to_string(derivative(z * tanh(-2_c * z), z)) == "tanh(−2·z) − 2·z·(1 − tanh(−2·z)²)");
    CHECK(to_string(derivative(sigmoid(z) - 2_c * z * z, z)) == "σ(z)·(1 − σ(z)) − 4·z");
    CHECK(to_string(derivative(softsign(z), z)) == "1/(1 + |z|)²");
    CHECK(to_string(derivative(pow<3>(1_c + z), z)) == "3·(1 + z)²");
    CHECK(to_string(derivative(pow<-2>(z), z)) == "−2·z⁻³");
    CHECK(to_string(derivative(log(z) * exp(z), z)) == "exp(z)/z + log(z)·exp(z)");
    CHECK(to_string(derivative(select(z > 0_c, z, 0.01_c * z), z)) == "(z > 0 ? 1 : 0.01)");
    CHECK(to_string(-(1_c / 3_c) * z) == "−1/3·z");
    CHECK(to_string(0.044715_c * pow<3>(z)) == "0.044715·z³");
    CHECK(to_string(derivative(pow<2>(prediction - target), prediction)) == "2·(ŷ − y)");
    CHECK(to_string(derivative(pow<2>(prediction - target), target)) == "−2·(ŷ − y)");
    CHECK(to_string(derivative(z * sigmoid(z), prediction)) == "0");
}

TEST_CASE("expr: an activation's derivative reads its output where it can", "[expr][activation]") {
    using sigmoid_traits = act<ctnn::sigmoid>;
    CHECK(to_string(sigmoid_traits::derivative_in_z{}) == "σ(z)·(1 − σ(z))");
    CHECK(to_string(sigmoid_traits::derivative_expression{}) == "a·(1 − a)");
    CHECK(to_string(act<ctnn::tanh>::derivative_expression{}) == "1 − a²");
    CHECK(to_string(act<ctnn::relu>::derivative_expression{}) == "[a > 0]");
    CHECK(to_string(act<ctnn::hardtanh<>>::derivative_expression{}) == "[a > −1]·[a < 1]");
    CHECK(to_string(act<ctnn::silu>::derivative_expression{}) == "σ(z) + z·σ(z)·(1 − σ(z))");
    // Where the derivative reads only a, a layer keeps no z: the same choices as the
    // hand-written activations made, except leaky_relu (its select reads z > 0).
    STATIC_REQUIRE_FALSE(act<ctnn::identity>::needs_preactivation);
    STATIC_REQUIRE_FALSE(act<ctnn::relu>::needs_preactivation);
    STATIC_REQUIRE_FALSE(act<ctnn::tanh>::needs_preactivation);
    STATIC_REQUIRE_FALSE(act<ctnn::sigmoid>::needs_preactivation);
    STATIC_REQUIRE_FALSE(act<ctnn::hardtanh<>>::needs_preactivation);
    STATIC_REQUIRE(act<ctnn::leaky_relu<>>::needs_preactivation);
    STATIC_REQUIRE(act<ctnn::elu<>>::needs_preactivation);
    STATIC_REQUIRE(act<ctnn::selu>::needs_preactivation);
    STATIC_REQUIRE(act<ctnn::gelu>::needs_preactivation);
    STATIC_REQUIRE(act<ctnn::gelu_tanh>::needs_preactivation);
    STATIC_REQUIRE(act<ctnn::silu>::needs_preactivation);
    STATIC_REQUIRE(act<ctnn::softplus<>>::needs_preactivation);
    STATIC_REQUIRE(act<ctnn::softsign>::needs_preactivation);
    // |a| bounds, from the outermost function: what lets the fused SGD step skip a scan.
    STATIC_REQUIRE(act<ctnn::tanh>::output_bound == 1.0);
    STATIC_REQUIRE(act<ctnn::sigmoid>::output_bound == 1.0);
    STATIC_REQUIRE(act<ctnn::softsign>::output_bound == 1.0);
    STATIC_REQUIRE(act<ctnn::hardtanh<std::ratio<-1, 2>, std::ratio<2>>>::output_bound == 2.0);
    STATIC_REQUIRE(act<ctnn::relu>::output_bound < 0);
    STATIC_REQUIRE(act<ctnn::silu>::output_bound < 0);
    STATIC_REQUIRE(act<ctnn::hardtanh<>>::output_bound == 1.0);  // clamp(z, −1, 1): −1 folds to a rational
    // bounds that are not numbers here (−√2) leave the bound unknown, not the unit uncompilable
    STATIC_REQUIRE(ctnn::activation_policy<clamp_root_two>);
    STATIC_REQUIRE(act<clamp_root_two>::output_bound < 0);
}

TEST_CASE("expr: derivatives of every primitive against finite differences", "[expr][gradient]") {
    // Points away from every kink (0, ±1, the clamp bounds) and inside every domain (log, √).
    for (const double x : {0.3, 0.7, 1.4, 2.9}) {
        [&](auto... e) { (check_derivative_at(e, x), ...); }(
            exp(z), expm1(-z), log(z), log1p(z), sqrt(z), abs(z - 1_c), tanh(z), sigmoid(z), softplus(-z),
            softsign(z - 2_c), erf(z), erfc(z), pow<3>(z), pow<-2>(z), z / (1_c + z * z), max(z, 1_c - z),
            min(z, 1_c - z), clamp(z, 0.5_c, 2_c), select(z > 1_c, pow<2>(z), z), -z * exp(-z),
            sqrt(2_c) * z - z / sqrt(3_c), z * tanh(softplus(z)), log(sigmoid(z)) * z);
    }
    for (const double x : {-2.9, -1.4, -0.7, -0.3, 0.4, 1.3, 3.1}) {
        [&](auto... e) { (check_derivative_at(e, x), ...); }(
            ctnn::gelu::formula, ctnn::gelu_tanh::formula, ctnn::silu::formula, ctnn::elu<>::formula,
            ctnn::selu::formula, ctnn::softplus<>::formula, ctnn::softsign::formula, ctnn::leaky_relu<>::formula,
            ctnn::sigmoid::formula, ctnn::tanh::formula, ctnn::relu::formula);
    }
}

TEST_CASE("expr: the xtensor evaluator agrees with the scalar one", "[expr][evaluate]") {
    const ctnn::tensor<double, 2> zs = {{-30.0, -4.0, -1.0, -0.25, 0.0}, {0.25, 1.0, 2.5, 7.0, 40.0}};
    const auto check = [&](auto e) {
        const ctnn::tensor<double, 2> tensor_values = evaluate<double>(e, make_environment<void>(nullptr, bind(z, zs)));
        for (std::size_t i = 0; i < zs.size(); ++i) {
            const double scalar = evaluate_scalar(e, make_environment<void>(nullptr, bind(z, zs.flat(i))));
            INFO(to_string(e) << " at " << zs.flat(i));
            CHECK(std::abs(tensor_values.flat(i) - scalar) <= 1e-15 * std::max(1.0, std::abs(scalar)));
        }
    };
    check(derivative(ctnn::gelu_tanh::formula, z));
    check(derivative(z * tanh(softplus(z)), z));
    check(derivative(ctnn::selu::formula, z));
    check(select(z > 1_c, min(z, 3_c), max(-z, 0.5_c)) + clamp(z, -1_c, 1_c) * sign(z));
    check(pow<5>(z / 8_c) - pow<-1>(1_c + abs(z)) + pow<4>(softsign(z)));
    // a condition that is no comparison: any non-zero value selects
    check(select(greater(z, 0_c) * less(z, 2_c), exp(-z), z) + select(sign(z), z, 3_c));
}

TEST_CASE("expr: arithmetic formulas evaluated on SIMD lanes agree with the scalar evaluator",
          "[expr][evaluate]") {
    // the same operations in the same order; a compiler may still fuse a product and a sum into
    // one FMA on one side only, hence the ulp's tolerance
    using lanes = xsimd::batch<double>;
    const auto same = [](double a, double b) { return std::abs(a - b) <= 1e-15 * std::max(1.0, std::abs(b)); };
    const auto check = [&](auto e) {
        STATIC_REQUIRE(is_arithmetic_v<decltype(e)>);
        alignas(64) double zs[lanes::size], out[lanes::size];
        for (double start : {-3.5, 0.125, 2.0}) {
            for (std::size_t k = 0; k < lanes::size; ++k) zs[k] = start + 0.75 * double(k);
            const lanes z_lanes = lanes::load_aligned(zs);
            evaluate_lanes<lanes>(e, make_environment<void>(nullptr, bind(z, z_lanes))).store_aligned(out);
            for (std::size_t k = 0; k < lanes::size; ++k) {
                INFO(to_string(e) << " at " << zs[k]);
                const double scalar = evaluate_scalar(e, make_environment<void>(nullptr, bind(z, zs[k])));
                CHECK(same(out[k], scalar));
                CHECK(same(evaluate_lanes<double>(e, make_environment<void>(nullptr, bind(z, zs[k]))), scalar));
            }
        }
    };
    check(pow<3>(z - 0.5_c) / 3_c - z * 2_c + 7_c);
    check(pow<-2>(1.5_c + pow<2>(z)) - (-z) / (4_c + z * z));
    check(derivative(pow<2>(z - 1_c) * z, z));
    // a function of z is not arithmetic: such a formula keeps the scalar loop
    STATIC_REQUIRE_FALSE(is_arithmetic_v<decltype(exp(z) + z)>);
    STATIC_REQUIRE_FALSE(is_arithmetic_v<decltype(select(z > 0_c, z, 0_c))>);
}

TEST_CASE("expr: every built-in activation's derived derivative equals the hand-written one",
          "[expr][activation]") {
    // The derivatives ctnn's activations had before they became formulas (git history of
    // include/ctnn/activations/), in double; the derived ones must agree to 1e-12 relative
    // (absolute below 1e-3, where both cancel near a root).
    constexpr double alpha = 1.6732632423543772848170429916717, scale = 1.0507009873554804934193349852946;
    const auto sigma = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
    const auto gelu_tanh = [](double z, double) {
        const double c = std::clamp(z, -30.0, 30.0), u = 0.79788456080286535588 * (c + 0.044715 * c * c * c);
        return 1.0 / (1.0 + std::exp(-2.0 * u))
             + 0.5 * 0.79788456080286535588 * c * (1.0 + 3 * 0.044715 * c * c) / std::pow(std::cosh(u), 2);
    };
    auto z_grid = ctnn::tensor<double, 2>::from_shape({1, 0});
    std::vector<double> points;
    for (double x = -12.0; x <= 12.0; x += 0.125) points.push_back(x);
    for (const double x : {-1000.0, -200.0, -45.0, -29.5, 19.75, 20.5, 29.5, 45.0, 200.0, 1000.0}) points.push_back(x);
    z_grid = ctnn::tensor<double, 2>::from_shape({1, points.size()});
    std::copy(points.begin(), points.end(), z_grid.begin());

    const auto compare = [&]<class A>(A, const handwritten& reference) {
        const ctnn::tensor<double, 2> a = act<A>::forward(z_grid);
        const ctnn::tensor<double, 2> derived = act<A>::derivative(z_grid, a);
        auto expected = ctnn::tensor<double, 2>::from_shape(z_grid.shape());
        for (std::size_t i = 0; i < points.size(); ++i) expected.flat(i) = reference.derivative(z_grid.flat(i), a.flat(i));
        const double error = ctnn_test::max_relative_error(derived, expected, 1e-3);
        INFO(reference.name << ": derived " << to_string(typename act<A>::derivative_expression{}) << ", max error " << error);
        CHECK(error <= 1e-12);
    };
    compare(ctnn::identity{}, {"identity", [](double, double) { return 1.0; }});
    compare(ctnn::relu{}, {"relu", [](double, double a) { return a > 0 ? 1.0 : 0.0; }});
    compare(ctnn::leaky_relu<>{}, {"leaky_relu", [](double, double a) { return a > 0 ? 1.0 : 0.01; }});
    compare(ctnn::tanh{}, {"tanh", [](double, double a) { return 1.0 - a * a; }});
    compare(ctnn::sigmoid{}, {"sigmoid", [](double, double a) { return a * (1.0 - a); }});
    compare(ctnn::elu<>{}, {"elu", [](double z, double) { return z > 0 ? 1.0 : std::exp(z); }});
    compare(ctnn::selu{}, {"selu", [&](double z, double) { return z > 0 ? scale : scale * alpha * std::exp(z); }});
    compare(ctnn::gelu{}, {"gelu", [](double z, double) {
                               return 0.5 * std::erfc(-0.70710678118654752440 * z)
                                    + z * (0.39894228040143267794 * std::exp(-0.5 * z * z));
                           }});
    compare(ctnn::gelu_tanh{}, {"gelu_tanh", gelu_tanh});
    compare(ctnn::hardtanh<>{}, {"hardtanh", [](double, double a) { return a <= -1 || a >= 1 ? 0.0 : 1.0; }});
    compare(ctnn::softplus<>{}, {"softplus", [&](double z, double) { return z > 20 ? 1.0 : sigma(z); }});
    compare(ctnn::softsign{}, {"softsign", [](double z, double) { return 1.0 / std::pow(1.0 + std::abs(z), 2); }});
    compare(ctnn::silu{}, {"silu", [](double z, double a) { return ((z - a) + 1.0) / (1.0 + std::exp(-z)); }});
}

TEST_CASE("expr: every built-in element-wise loss's derived gradient equals the hand-written one",
          "[expr][loss]") {
    // dl/dŷ as the losses computed it by hand before they became formulas, and their values.
    const auto sign = [](double d) { return d > 0 ? 1.0 : d < 0 ? -1.0 : d; };
    const std::vector<double> ds = {-5.0, -1.5, -1.0, -0.5, -1e-3, 0.0, 1e-3, 0.5, 1.0, 1.5, 5.0, 60.0, -60.0};
    for (const double d : ds) {
        for (const double y : {-1.0, 0.0, 0.25, 1.0}) {
            const double p = y + d;
            INFO("ŷ = " << p << ", y = " << y);
            const auto close = [](double actual, double expected) {
                return std::abs(actual - expected) <= 1e-12 * std::max(1e-3, std::abs(expected));
            };
            CHECK(close(ctnn::loss::element_gradient(ctnn::loss::mse{}, p, y), 2 * (p - y)));
            CHECK(close(ctnn::loss::element(ctnn::loss::mse{}, p, y), (p - y) * (p - y)));
            CHECK(ctnn::loss::element_gradient(ctnn::loss::mae{}, p, y) == sign(p - y));
            for (const double delta : {0.5, 1.0, 2.0}) {
                const double e = p - y;
                CHECK(close(ctnn::loss::element_gradient(ctnn::loss::huber{.delta = delta}, p, y),
                            e < -delta ? -delta : e > delta ? delta : e));
                CHECK(close(ctnn::loss::element(ctnn::loss::huber{.delta = delta}, p, y),
                            std::abs(e) < delta ? 0.5 * e * e : delta * (std::abs(e) - 0.5 * delta)));
            }
            for (const double beta : {0.0, 0.5, 1.0}) {
                const double e = p - y;
                CHECK(close(ctnn::loss::element_gradient(ctnn::loss::smooth_l1{.beta = beta}, p, y),
                            e <= -beta ? -1.0 : e >= beta ? 1.0 : e / beta));
                CHECK(close(ctnn::loss::element(ctnn::loss::smooth_l1{.beta = beta}, p, y),
                            std::abs(e) < beta ? 0.5 * e * e / beta : std::abs(e) - 0.5 * beta));
            }
            CHECK(close(ctnn::loss::element_gradient(ctnn::loss::bce_with_logits{}, p, y), 1.0 / (1.0 + std::exp(-p)) - y));
            CHECK(close(ctnn::loss::element(ctnn::loss::bce_with_logits{}, p, y),
                        std::max(p, 0.0) - p * y + std::log1p(std::exp(-std::abs(p)))));
        }
    }
    CHECK(to_string(ctnn::loss::gradient_formula<ctnn::loss::bce_with_logits>()) == "σ(ŷ) − y");
    CHECK(to_string(ctnn::loss::gradient_formula<ctnn::loss::mae>()) == "sign(ŷ − y)");
    CHECK(to_string(ctnn::loss::gradient_formula<ctnn::loss::huber>())
          == "(ŷ − y < −δ ? −δ : (ŷ − y > δ ? δ : ŷ − y))");
}
