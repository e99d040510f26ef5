// dense: finite-difference gradient checks (double) for every activation, on both the
// unrolled-loop path and the BLAS path, and the layer's compile-time facts.
#include <ctnn/ctnn.hpp>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/gradient_check.hpp"

namespace {
// Loss L = Σ a ⊙ R for fixed random R, so dL/da = R: checks dx, dW and db of one layer.
template <class Act, std::size_t In, std::size_t Out>
void check_dense_gradients(std::size_t rows) {
    // Index 1: not the first layer, so the input gradient is computed too.
    using layer_t = ctnn::dense_layer<double, In, Out, Act, ctnn::init::pytorch_default, 1>;
    layer_t layer;
    ctnn::rng r(17);
    layer.initialize(r.stream(0));
    auto x = r.normal_tensor<double>(rows, In);
    const auto weights = r.normal_tensor<double>(rows, Out);
    layer.reserve(rows);

    auto loss = [&] {
        const double* a = layer.forward(x.data(), rows);
        double sum = 0;
        for (std::size_t i = 0; i < rows * Out; ++i) sum += a[i] * weights.flat(i);
        return sum;
    };
    loss();
    auto dy = weights;  // backward overwrites its argument with dz
    const double* dx_ptr = layer.backward(dy.data());
    const ctnn::tensor<double, 2> dx = xt::adapt(dx_ptr, rows * In, xt::no_ownership(),
                                                 std::array<std::size_t, 2>{rows, In});
    const auto dw = layer.weight.grad;
    const auto db = layer.bias.grad;

    ctnn_test::check_gradient(layer.weight.value, dw, loss);
    ctnn_test::check_gradient(layer.bias.value, db, loss);
    ctnn_test::check_gradient(x, dx, loss);
}

template <class Act>
void check_both_paths() {
    SECTION("unrolled loops") { check_dense_gradients<Act, 3, 4>(5); }
    SECTION("BLAS gemm") {
        STATIC_REQUIRE(ctnn::detail::use_blas<40, 30>(20));
        check_dense_gradients<Act, 40, 30>(20);
    }
}
}  // namespace

TEMPLATE_TEST_CASE("dense: finite-difference gradients", "[dense][gradient]", ctnn::identity,
                   ctnn::relu, ctnn::leaky_relu, ctnn::tanh, ctnn::sigmoid) {
    check_both_paths<TestType>();
}

TEST_CASE("dense: the loop and BLAS paths compute the same products", "[dense]") {
    ctnn::rng r(2);
    const std::size_t rows = 64;
    const auto x = r.normal_tensor<double>(rows, 32);
    const auto w = r.normal_tensor<double>(16, 32);
    const auto b = r.normal_tensor<double>(1, 16);
    const auto dz = r.normal_tensor<double>(rows, 16);
    STATIC_REQUIRE(ctnn::detail::use_blas<32, 16>(rows));
    STATIC_REQUIRE_FALSE(ctnn::detail::use_blas<32, 16>(2));

    // Reference by the loop kernels, one row at a time (2 rows is below the BLAS threshold).
    ctnn::tensor<double, 2> z_loop = ctnn::tensor<double, 2>::from_shape({rows, 16});
    ctnn::tensor<double, 2> dx_loop = ctnn::tensor<double, 2>::from_shape({rows, 32});
    for (std::size_t i = 0; i < rows; i += 2) {
        ctnn::detail::affine_forward<32, 16>(x.data() + i * 32, w.data(), b.data(), z_loop.data() + i * 16, 2);
        ctnn::detail::affine_backward_input<32, 16>(dz.data() + i * 16, w.data(), dx_loop.data() + i * 32, 2);
    }
    ctnn::tensor<double, 2> z_blas = ctnn::tensor<double, 2>::from_shape({rows, 16});
    ctnn::tensor<double, 2> dx_blas = ctnn::tensor<double, 2>::from_shape({rows, 32});
    ctnn::detail::affine_forward<32, 16>(x.data(), w.data(), b.data(), z_blas.data(), rows);
    ctnn::detail::affine_backward_input<32, 16>(dz.data(), w.data(), dx_blas.data(), rows);
    CTNN_REQUIRE_CLOSE(z_blas, z_loop, 1e-12);
    CTNN_REQUIRE_CLOSE(dx_blas, dx_loop, 1e-12);
}

TEST_CASE("dense: compile-time facts", "[dense]") {
    using layer_t = ctnn::dense<7, ctnn::tanh>::bind<float, 2, 3>::type;
    STATIC_REQUIRE(layer_t::input_width == 3);
    STATIC_REQUIRE(layer_t::output_width == 7);
    STATIC_REQUIRE(layer_t::parameter_count == 28);
    STATIC_REQUIRE(layer_t::index == 2);
    STATIC_REQUIRE(layer_t::kind == "dense");
    // A matching declared input width is accepted.
    STATIC_REQUIRE(std::is_same_v<ctnn::dense<7, ctnn::tanh, ctnn::init::pytorch_default, 3>::bind<float, 2, 3>::type,
                                  layer_t>);
}

TEST_CASE("dense: the activation is evaluated with SIMD on the layer's buffers", "[dense][simd]") {
    using view = ctnn::detail::matrix_view_t<float>;
    using cview = ctnn::detail::matrix_view_t<const float>;
    using expr = decltype(ctnn::tanh::forward(std::declval<cview&>()));
    STATIC_REQUIRE(xt::xassign_traits<view, expr>::simd_linear_assign());
    using dexpr = decltype(std::declval<view&>() * ctnn::sigmoid::derivative(std::declval<cview&>(), std::declval<view&>()));
    STATIC_REQUIRE(xt::xassign_traits<view, dexpr>::simd_linear_assign());
}
