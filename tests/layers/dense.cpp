// dense: finite-difference gradient checks (double) for every activation, on both the
// unrolled-loop path and the BLAS path, and the layer's compile-time facts.
#include <ctnn/activations/elu.hpp>
#include <ctnn/activations/gelu.hpp>
#include <ctnn/activations/gelu_tanh.hpp>
#include <ctnn/activations/hardtanh.hpp>
#include <ctnn/activations/selu.hpp>
#include <ctnn/activations/silu.hpp>
#include <ctnn/activations/softplus.hpp>
#include <ctnn/activations/softsign.hpp>
#include <ctnn/ctnn.hpp>

#include <limits>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/gradient_check.hpp"

namespace {
// Moves each unit's bias until no pre-activation lies within 1e-3 of a kink, so that finite
// differences never straddle one: 0 (relu, leaky_relu, elu, selu, softsign) or ±1 (hardtanh).
template <class Layer>
void keep_away_from_kinks(Layer& layer, const ctnn::tensor<double, 2>& x_t) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        bool moved = false;
        for (std::size_t o = 0; o < Layer::output_width; ++o)
            for (std::size_t i = 0; i < x_t.shape()[1]; ++i) {
                double z = layer.bias.value(o);
                for (std::size_t k = 0; k < Layer::input_width; ++k) z += layer.weight.value(o, k) * x_t(k, i);
                if (std::abs(z) < 1e-3 || std::abs(std::abs(z) - 1) < 1e-3) {
                    layer.bias.value(o) += 3e-3;
                    moved = true;
                }
            }
        if (!moved) return;
    }
    FAIL("could not move pre-activations away from the kinks");
}

// Loss L = Σ a ⊙ R for fixed random R, so dL/da = R: checks dW, db and, past the first layer,
// dx. Layers read xᵀ (In, B) and give aᵀ (Out, B) and dxᵀ (In, B).
template <class Act, std::size_t In, std::size_t Out, std::size_t Index>
void check_dense_gradients(std::size_t rows) {
    using layer_t = ctnn::dense_layer<double, In, Out, Act, ctnn::init::pytorch_default, Index>;
    layer_t layer;
    ctnn::rng r(17);
    layer.initialize(r.stream(0));
    auto x_t = r.normal_tensor<double>(In, rows);
    const auto weights = r.normal_tensor<double>(Out, rows);
    layer.reserve(rows);
    keep_away_from_kinks(layer, x_t);

    auto loss = [&] {
        const double* a = layer.forward(x_t.data(), rows, rows);
        double sum = 0;
        for (std::size_t i = 0; i < rows * Out; ++i) sum += a[i] * weights.flat(i);
        return sum;
    };
    loss();
    auto da = weights;  // backward overwrites its argument with dz
    const double* dx_ptr = layer.backward(da.data());
    const auto dw = layer.weight.grad;
    const auto db = layer.bias.grad;
    ctnn_test::check_gradient(layer.weight.value, dw, loss);
    ctnn_test::check_gradient(layer.bias.value, db, loss);
    if constexpr (Index > 0) {
        const ctnn::tensor<double, 2> dx = xt::adapt(dx_ptr, rows * In, xt::no_ownership(),
                                                     std::array<std::size_t, 2>{In, rows});
        ctnn_test::check_gradient(x_t, dx, loss);
    } else {
        CHECK(dx_ptr == nullptr);
    }
}

template <class Act>
void check_both_paths() {
    SECTION("unrolled loops, first layer") { check_dense_gradients<Act, 3, 4, 0>(5); }
    SECTION("unrolled loops, inner layer, full register blocks and remainders") {
        check_dense_gradients<Act, 11, 4, 1>(ctnn::detail::block_columns<double> + 7);
    }
    SECTION("BLAS gemm, first layer") {
        STATIC_REQUIRE(ctnn::detail::use_gemm<40, 30>(20));
        check_dense_gradients<Act, 40, 30, 0>(20);
    }
    SECTION("BLAS gemm, inner layer") { check_dense_gradients<Act, 40, 30, 1>(20); }
}
}  // namespace

TEMPLATE_TEST_CASE("dense: finite-difference gradients", "[dense][gradient]", ctnn::identity,
                   ctnn::relu, ctnn::leaky_relu<>, ctnn::tanh, ctnn::sigmoid, ctnn::elu<>, ctnn::selu,
                   ctnn::gelu, ctnn::gelu_tanh, ctnn::silu, ctnn::softplus<>, ctnn::softsign,
                   ctnn::hardtanh<>) {
    check_both_paths<TestType>();
}

TEST_CASE("dense: the loop and BLAS paths compute the same products", "[dense]") {
    ctnn::rng r(2);
    const std::size_t rows = 61, ld = 70;  // xᵀ as a column range of a wider matrix
    const auto x_wide = r.normal_tensor<double>(32, ld);
    const auto w = r.normal_tensor<double>(16, 32);
    const auto b = r.normal_tensor<double>(1, 16);
    const auto dz_t = r.normal_tensor<double>(16, rows);
    STATIC_REQUIRE(ctnn::detail::use_gemm<32, 16>(rows));

    // Reference by plain loops.
    auto z_ref = ctnn::tensor<double, 2>::from_shape({16, rows});
    auto dx_ref = ctnn::tensor<double, 2>::from_shape({32, rows});
    auto dw_ref = ctnn::tensor<double, 2>::from_shape({16, 32});
    auto db_ref = ctnn::tensor<double, 1>::from_shape({16});
    dx_ref.fill(0);
    for (std::size_t o = 0; o < 16; ++o) {
        db_ref(o) = 0;
        for (std::size_t i = 0; i < rows; ++i) {
            double z = b(0, o);
            for (std::size_t k = 0; k < 32; ++k) {
                z += w(o, k) * x_wide(k, i);
                dx_ref(k, i) += w(o, k) * dz_t(o, i);
            }
            z_ref(o, i) = z;
            db_ref(o) += dz_t(o, i);
        }
        for (std::size_t k = 0; k < 32; ++k) {
            double s = 0;
            for (std::size_t i = 0; i < rows; ++i) s += dz_t(o, i) * x_wide(k, i);
            dw_ref(o, k) = s;
        }
    }
    auto z = ctnn::tensor<double, 2>::from_shape({16, rows});
    auto dx = ctnn::tensor<double, 2>::from_shape({32, rows});
    auto dw = ctnn::tensor<double, 2>::from_shape({16, 32});
    auto db = ctnn::tensor<double, 1>::from_shape({16});
    SECTION("loops") {
        ctnn::detail::panel_product<16, 32, 32, 1>(w.data(), x_wide.data(), ld, b.data(), z.data(), rows);
        ctnn::detail::panel_product<32, 16, 1, 32>(w.data(), dz_t.data(), rows, static_cast<const double*>(nullptr),
                                                   dx.data(), rows);
        // 2 rows at a time stay below the BLAS threshold.
        STATIC_REQUIRE_FALSE(ctnn::detail::use_gemm<32, 16>(2));
        auto dz_small = ctnn::tensor<double, 2>::from_shape({16, 2});
        for (std::size_t o = 0; o < 16; ++o) {
            dz_small(o, 0) = dz_t(o, 0);
            dz_small(o, 1) = dz_t(o, 1);
        }
        ctnn::detail::affine_backward_parameters<32, 16>(dz_small.data(), x_wide.data(), ld, dw.data(), db.data(), 2);
        for (std::size_t o = 0; o < 16; ++o)
            for (std::size_t k = 0; k < 32; ++k)
                CHECK(dw(o, k) == Approx(dz_t(o, 0) * x_wide(k, 0) + dz_t(o, 1) * x_wide(k, 1)).epsilon(1e-12));
        CTNN_REQUIRE_CLOSE(z, z_ref, 1e-12);
        CTNN_REQUIRE_CLOSE(dx, dx_ref, 1e-12);
    }
    SECTION("BLAS") {
        ctnn::detail::affine_forward<32, 16>(w.data(), x_wide.data(), ld, b.data(), z.data(), rows);
        ctnn::detail::affine_backward_input<32, 16>(w.data(), dz_t.data(), dx.data(), rows);
        ctnn::detail::affine_backward_parameters<32, 16>(dz_t.data(), x_wide.data(), ld, dw.data(), db.data(), rows);
        CTNN_REQUIRE_CLOSE(z, z_ref, 1e-12);
        CTNN_REQUIRE_CLOSE(dx, dx_ref, 1e-12);
        CTNN_REQUIRE_CLOSE(dw, dw_ref, 1e-12);
        CTNN_REQUIRE_CLOSE(db, db_ref, 1e-12);
    }
}

TEST_CASE("dense: dot and sum add in a fixed order and handle every length", "[dense]") {
    std::vector<float> u(77), v(77);
    for (std::size_t i = 0; i < u.size(); ++i) {
        u[i] = float(i % 7) - 3.0f;
        v[i] = float(i % 5) * 0.5f;
    }
    for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 31u, 32u, 33u, 77u}) {
        double dot = 0, sum = 0;
        for (std::size_t i = 0; i < n; ++i) {
            dot += double(u[i]) * v[i];
            sum += u[i];
        }
        CHECK(ctnn::detail::dot(u.data(), v.data(), n) == Approx(dot));
        CHECK(ctnn::detail::sum(u.data(), n) == Approx(sum));
    }
}

TEST_CASE("dense: compile-time facts", "[dense]") {
    using layer_t = ctnn::dense<7, ctnn::tanh>::bind<float, 2, ctnn::features_shape(3)>::type;
    STATIC_REQUIRE(layer_t::input_width == 3);
    STATIC_REQUIRE(layer_t::output_width == 7);
    STATIC_REQUIRE(layer_t::parameter_count == 28);
    STATIC_REQUIRE(layer_t::computes_input_gradient);
    STATIC_REQUIRE(layer_t::kind == "dense");
    // A matching declared input width is accepted.
    STATIC_REQUIRE(std::is_same_v<ctnn::dense<7, ctnn::tanh, ctnn::init::pytorch_default, 3>::bind<float, 2, ctnn::features_shape(3)>::type,
                                  layer_t>);
    // A layer's position is not part of its type: only whether it is the first (no dL/dx).
    STATIC_REQUIRE(std::is_same_v<ctnn::dense<7, ctnn::tanh>::bind<float, 5, ctnn::features_shape(3)>::type, layer_t>);
    STATIC_REQUIRE(!ctnn::dense<7, ctnn::tanh>::bind<float, 0, ctnn::features_shape(3)>::type::computes_input_gradient);
}

TEST_CASE("dense: the activation is evaluated with SIMD on the layer's buffers", "[dense][simd]") {
    using view = ctnn::detail::matrix_view_t<float>;
    using cview = ctnn::detail::matrix_view_t<const float>;
    using expr = decltype(ctnn::expr::activation_traits<ctnn::tanh>::forward(std::declval<cview&>()));
    STATIC_REQUIRE(xt::xassign_traits<view, expr>::simd_linear_assign());
    using relu_expr = decltype(ctnn::expr::activation_traits<ctnn::relu>::forward(std::declval<cview&>()));
    STATIC_REQUIRE(xt::xassign_traits<view, relu_expr>::simd_linear_assign());
    using leaky_expr = decltype(ctnn::expr::activation_traits<ctnn::leaky_relu<>>::forward(std::declval<cview&>()));
    STATIC_REQUIRE(xt::xassign_traits<view, leaky_expr>::simd_linear_assign());
    using relu_derivative = decltype(std::declval<view&>() * ctnn::expr::activation_traits<ctnn::relu>::derivative(std::declval<cview&>(), std::declval<view&>()));
    STATIC_REQUIRE(xt::xassign_traits<view, relu_derivative>::simd_linear_assign());
    using dexpr = decltype(std::declval<view&>() * ctnn::expr::activation_traits<ctnn::sigmoid>::derivative(std::declval<cview&>(), std::declval<view&>()));
    STATIC_REQUIRE(xt::xassign_traits<view, dexpr>::simd_linear_assign());
}

namespace {
// The affine kernels against plain loops in double, for shapes that exercise every path: register
// blocks and their edges (odd rows, partial columns), the last partial vector of a batch, single
// outputs (dot products), the weight gradient through a transposed copy of x, and BLAS products
// whole or in panels of rows. Float sums of K terms of N(0, 1) products are off by ~K·ε.
template <class T, std::size_t In, std::size_t Out>
void check_affine_kernels(std::size_t rows, std::size_t ld) {
    ctnn::rng r(rows * 100 + In * 10 + Out);
    const auto w = r.normal_tensor<T>(Out, In);
    const auto b = r.normal_tensor<T>(1, Out);
    const auto x_t = r.normal_tensor<T>(In, ld);
    const auto dz_t = r.normal_tensor<T>(Out, rows);
    const double tolerance = (std::is_same_v<T, float> ? 1e-7 : 1e-14) * double(std::max({In, Out, rows, std::size_t(100)}));
    auto z = ctnn::tensor<T, 2>::from_shape({Out, rows});
    auto dx = ctnn::tensor<T, 2>::from_shape({In, rows});
    auto z_affine = ctnn::tensor<T, 2>::from_shape({Out, rows});
    auto dx_affine = ctnn::tensor<T, 2>::from_shape({In, rows});
    ctnn::detail::affine_forward<In, Out>(w.data(), x_t.data(), ld, b.data(), z_affine.data(), rows);
    ctnn::detail::affine_backward_input<In, Out>(w.data(), dz_t.data(), dx_affine.data(), rows);
    auto dw = ctnn::tensor<T, 2>::from_shape({Out, In});
    auto db = ctnn::tensor<T, 1>::from_shape({Out});
    ctnn::detail::panel_product<Out, In, In, 1>(w.data(), x_t.data(), ld, b.data(), z.data(), rows);
    ctnn::detail::panel_product<In, Out, 1, In>(w.data(), dz_t.data(), rows, static_cast<const T*>(nullptr),
                                                dx.data(), rows);
    for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t o = 0; o < Out; ++o) {
            double expected = b(0, o);
            for (std::size_t k = 0; k < In; ++k) expected += double(w(o, k)) * x_t(k, i);
            REQUIRE(double(z(o, i)) == Approx(expected).epsilon(tolerance).margin(tolerance));
            REQUIRE(double(z_affine(o, i)) == Approx(expected).epsilon(tolerance).margin(tolerance));
        }
        for (std::size_t k = 0; k < In; ++k) {
            double expected = 0;
            for (std::size_t o = 0; o < Out; ++o) expected += double(w(o, k)) * dz_t(o, i);
            REQUIRE(double(dx(k, i)) == Approx(expected).epsilon(tolerance).margin(tolerance));
            REQUIRE(double(dx_affine(k, i)) == Approx(expected).epsilon(tolerance).margin(tolerance));
        }
    }
    dw.fill(T(-1));
    ctnn::detail::affine_backward_parameters<In, Out>(dz_t.data(), x_t.data(), ld, dw.data(), db.data(), rows);
    for (std::size_t o = 0; o < Out; ++o)
        for (std::size_t k = 0; k < In; ++k) {
            double expected = 0;
            for (std::size_t i = 0; i < rows; ++i) expected += double(dz_t(o, i)) * x_t(k, i);
            REQUIRE(double(dw(o, k)) == Approx(expected).epsilon(tolerance).margin(tolerance));
        }
    // db, and db with max |dz| from the same pass (the fused SGD step's bound)
    auto db_measured = ctnn::tensor<T, 1>::from_shape({Out});
    const double dz_max = double(ctnn::detail::bias_gradient_and_max_abs<Out>(dz_t.data(), db_measured.data(), rows));
    double expected_max = 0;
    for (std::size_t o = 0; o < Out; ++o) {
        double expected = 0;
        for (std::size_t i = 0; i < rows; ++i) {
            expected += double(dz_t(o, i));
            expected_max = std::max(expected_max, std::abs(double(dz_t(o, i))));
        }
        REQUIRE(double(db(o)) == Approx(expected).epsilon(tolerance).margin(tolerance));
        REQUIRE(double(db_measured(o)) == Approx(expected).epsilon(tolerance).margin(tolerance));
    }
    REQUIRE(dz_max == expected_max);
    // the dot products directly, with dz's rows further apart than the batch (a graph layer's
    // node over every step, in its gradient arena): whatever the batch, dots or gemm above
    {
        const std::size_t dz_ld = rows + 5;
        auto dz_wide = ctnn::tensor<T, 2>::from_shape({Out, dz_ld});
        dz_wide.fill(std::numeric_limits<T>::quiet_NaN());  // the gap is never read
        for (std::size_t o = 0; o < Out; ++o)
            for (std::size_t i = 0; i < rows; ++i) dz_wide(o, i) = dz_t(o, i);
        dw.fill(T(-1));
        ctnn::detail::weight_gradient_dots<In, Out>(dz_wide.data(), dz_ld, x_t.data(), ld, dw.data(), rows);
        for (std::size_t o = 0; o < Out; ++o)
            for (std::size_t k = 0; k < In; ++k) {
                double expected = 0;
                for (std::size_t i = 0; i < rows; ++i) expected += double(dz_t(o, i)) * x_t(k, i);
                REQUIRE(double(dw(o, k)) == Approx(expected).epsilon(tolerance).margin(tolerance));
            }
    }
    // x (B, In) -> xᵀ -> x, both ways through the tiled transpose
    auto x = ctnn::tensor<T, 2>::from_shape({rows, In});
    auto x_packed = ctnn::tensor<T, 2>::from_shape({In, rows});
    auto back = ctnn::tensor<T, 2>::from_shape({rows, In});
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t k = 0; k < In; ++k) x(i, k) = T(i * 1000 + k);
    ctnn::detail::transpose_rows<In>(x.data(), x_packed.data(), rows);
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t k = 0; k < In; ++k) REQUIRE(x_packed(k, i) == x(i, k));
    ctnn::detail::transpose_columns<In>(x_packed.data(), back.data(), rows);
    CHECK((back == x));
}
}  // namespace

TEST_CASE("dense: dW's dot-product blocks divide dW where they can and fit in sixteen registers", "[dense][kernels]") {
    using ctnn::detail::choose_dots_block;
    constexpr auto seed = choose_dots_block<10, 5>();  // the seed's first layer: all five rows, two columns
    STATIC_REQUIRE((seed.rows == 5 && seed.columns == 2));
    constexpr auto single = choose_dots_block<5, 1>();  // one output: one block of every column
    STATIC_REQUIRE((single.rows == 1 && single.columns == 5));
    constexpr auto edges = choose_dots_block<17, 13>();  // no block divides both: the test below's edges
    STATIC_REQUIRE((13 % edges.rows != 0 && 17 % edges.columns != 0));
    constexpr auto wide = choose_dots_block<64, 64>();
    STATIC_REQUIRE(wide.rows * wide.columns + wide.rows + 1 <= 16);
}

TEMPLATE_TEST_CASE("dense: the affine kernels match plain loops on every path", "[dense][kernels]", float, double) {
    for (std::size_t rows : {1u, 3u, 8u, 13u, 32u, 61u, 100u}) {
        INFO("rows " << rows);
        check_affine_kernels<TestType, 10, 5>(rows, rows + 3);  // the seed's first layer
        check_affine_kernels<TestType, 5, 1>(rows, rows);       // one output: dot products
        check_affine_kernels<TestType, 13, 7>(rows, rows);      // odd rows, partial blocks
        check_affine_kernels<TestType, 17, 13>(rows, rows + 2);  // dW's blocks repeat a row and a column
        check_affine_kernels<TestType, 64, 1>(rows, rows + 1);
        check_affine_kernels<TestType, 64, 64>(rows, rows + 5);  // gemm from 4 rows
    }
    // Products of several of gemm's blocks of the sum (dW over 1000 rows) and of its row blocks
    check_affine_kernels<TestType, 300, 37>(100, 103);
    check_affine_kernels<TestType, 300, 37>(1000, 1000);
    STATIC_REQUIRE(ctnn::detail::weight_gradient_by_dots<5, 1>(100));
    STATIC_REQUIRE_FALSE(ctnn::detail::weight_gradient_by_dots<64, 64>(32));
    // a layer of at most loops_only_weights weights runs the loops at every batch, never gemm
    for (std::size_t rows : {4096u, 5003u}) {
        INFO("rows " << rows);
        check_affine_kernels<TestType, 10, 5>(rows, rows + 3);
        check_affine_kernels<TestType, 16, 8>(rows, rows);
    }
    STATIC_REQUIRE_FALSE(ctnn::detail::may_use_gemm<10, 5>);
    STATIC_REQUIRE_FALSE(ctnn::detail::may_use_gemm<16, 8>);
    STATIC_REQUIRE_FALSE(ctnn::detail::use_gemm<10, 5>(std::size_t(1) << 24));
    STATIC_REQUIRE(ctnn::detail::weight_gradient_by_dots<16, 8>(std::size_t(1) << 24));
    STATIC_REQUIRE(ctnn::detail::may_use_gemm<17, 8>);
    STATIC_REQUIRE(ctnn::detail::use_gemm<17, 8>(4096));
}
