// batch_norm, layer_norm and dropout: PyTorch fixtures (tests/fixtures/generate_norm.py),
// finite-difference gradients, dropout's statistics and streams, and the network plumbing of
// width-preserving layers.
#include <ctnn/ctnn.hpp>
#include <ctnn/layers/batch_norm.hpp>
#include <ctnn/layers/dropout.hpp>
#include <ctnn/layers/layer_norm.hpp>

#include <cmath>
#include <cstddef>
#include <ratio>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/fixture.hpp"
#include "support/gradient_check.hpp"

namespace ctnn_test {
// An activation whose derived derivative reads z, not a: the layers' preactivation path.
struct softsign_z {
    static constexpr std::string_view name = "softsign_z";
    static constexpr auto formula = ctnn::expr::z / (ctnn::expr::rational<1>{} + ctnn::expr::abs(ctnn::expr::z));
};
static_assert(ctnn::expr::activation_traits<softsign_z>::needs_preactivation);
}  // namespace ctnn_test

namespace {
using ctnn::tensor;

// PyTorch's (B, W) -> ctnn's feature-major (W, B).
tensor<double, 2> feature_major(const tensor<double, 2>& x) {
    const std::size_t rows = x.shape()[0], width = x.shape()[1];
    auto t = tensor<double, 2>::from_shape({width, rows});
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t k = 0; k < width; ++k) t(k, i) = x(i, k);
    return t;
}

// ctnn's feature-major (W, B) at `p` -> PyTorch's (B, W).
tensor<double, 2> row_major(const double* p, std::size_t width, std::size_t rows) {
    auto x = tensor<double, 2>::from_shape({rows, width});
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t k = 0; k < width; ++k) x(i, k) = p[k * rows + i];
    return x;
}

template <class Layer>
void load_affine(Layer& layer, const ctnn_test::fixture& f, const std::string& prefix) {
    layer.weight.value = f.tensor<double, 1>(prefix + ".weight");
    layer.bias.value = f.tensor<double, 1>(prefix + ".bias");
}

// Runs one forward of the (B, W) fixture batch `x` and a backward of `upstream`, and requires
// output, input gradient and parameter gradients to match PyTorch's.
template <class Layer>
void require_forward_backward(Layer& layer, const ctnn_test::fixture& f, const std::string& x,
                              const std::string& upstream, const std::string& expected) {
    const auto x_t = feature_major(f.tensor<double, 2>(x));
    const std::size_t rows = x_t.shape()[1];
    layer.reserve(rows);
    const double* out = layer.forward(x_t.data(), rows, rows);
    const auto y = row_major(out, Layer::output_width, rows);
    const auto y_ref = f.tensor<double, 2>(expected + "out");
    CTNN_REQUIRE_CLOSE(y, y_ref, 1e-12);
    auto da = feature_major(f.tensor<double, 2>(upstream));
    const double* dx_ptr = layer.backward(da.data());
    if constexpr (Layer::computes_input_gradient) {
        const auto dx = row_major(dx_ptr, Layer::input_width, rows);
        const auto dx_ref = f.tensor<double, 2>(expected + "dx");
        CTNN_REQUIRE_CLOSE(dx, dx_ref, 1e-12);
    } else {
        CHECK(dx_ptr == nullptr);
    }
    const auto dw_ref = f.tensor<double, 1>(expected + "dweight");
    const auto db_ref = f.tensor<double, 1>(expected + "dbias");
    CTNN_REQUIRE_CLOSE(layer.weight.grad, dw_ref, 1e-12);
    CTNN_REQUIRE_CLOSE(layer.bias.grad, db_ref, 1e-12);
}

// Loss L = Σ a ⊙ R for fixed random R, so dL/da = R: checks dγ, dβ and dx of a normalisation
// layer against central differences. The forward pass is rerun for each perturbation, so batch
// statistics follow the perturbed input.
template <class Layer>
void check_norm_gradients(Layer& layer, std::size_t rows, std::uint64_t seed) {
    constexpr std::size_t width = Layer::input_width;
    ctnn::rng r(seed);
    auto x_t = r.normal_tensor<double>(width, rows, 0.5, 1.5);
    const auto weights = r.normal_tensor<double>(width, rows);
    for (std::size_t k = 0; k < width; ++k) {
        layer.weight.value(k) = r.normal(1.0, 0.5);
        layer.bias.value(k) = r.normal(0.0, 0.5);
    }
    layer.reserve(rows);
    auto loss = [&] {
        const double* a = layer.forward(x_t.data(), rows, rows);
        double sum = 0;
        for (std::size_t i = 0; i < rows * width; ++i) sum += a[i] * weights.flat(i);
        return sum;
    };
    loss();
    auto da = weights;
    const double* dx_ptr = layer.backward(da.data());
    const auto dgamma = layer.weight.grad;
    const auto dbeta = layer.bias.grad;
    ctnn_test::check_gradient(layer.weight.value, dgamma, loss);
    ctnn_test::check_gradient(layer.bias.value, dbeta, loss);
    if constexpr (Layer::computes_input_gradient) {
        const tensor<double, 2> dx = xt::adapt(dx_ptr, rows * width, xt::no_ownership(),
                                               std::array<std::size_t, 2>{width, rows});
        ctnn_test::check_gradient(x_t, dx, loss);
    } else {
        CHECK(dx_ptr == nullptr);
    }
}
}  // namespace

// --- batch_norm ------------------------------------------------------------------------------

TEST_CASE("batch_norm: a training forward and backward match PyTorch (1e-12)", "[batch_norm]") {
    const ctnn_test::fixture f("norm.txt");
    SECTION("inner layer: input gradient through the batch statistics") {
        ctnn::batch_norm_layer<double, 5, ctnn::identity, true> layer;
        load_affine(layer, f, "bn");
        require_forward_backward(layer, f, "bn.x", "bn.upstream", "bn.");
    }
    SECTION("first layer: no input gradient") {
        ctnn::batch_norm_layer<double, 5, ctnn::identity, false> layer;
        load_affine(layer, f, "bn");
        require_forward_backward(layer, f, "bn.x", "bn.upstream", "bn.");
    }
    SECTION("input read as a column range of a wider matrix (leading dimension > rows)") {
        ctnn::batch_norm_layer<double, 5, ctnn::identity, true> layer;
        load_affine(layer, f, "bn");
        const auto x_t = feature_major(f.tensor<double, 2>("bn.x"));
        auto wide = tensor<double, 2>::from_shape({5, 13});
        wide.fill(1e6);  // never read
        for (std::size_t k = 0; k < 5; ++k)
            for (std::size_t i = 0; i < 8; ++i) wide(k, 3 + i) = x_t(k, i);
        layer.reserve(8);
        const auto y = row_major(layer.forward(wide.data() + 3, 13, 8), 5, 8);
        const auto y_ref = f.tensor<double, 2>("bn.out");
        CTNN_REQUIRE_CLOSE(y, y_ref, 1e-12);
    }
}

TEST_CASE("batch_norm: running statistics and evaluation mode match PyTorch (1e-12)", "[batch_norm]") {
    const ctnn_test::fixture f("norm.txt");
    const std::string name = GENERATE(std::string("bn3"), std::string("bn3_custom"));
    INFO(name);
    ctnn::batch_norm_layer<double, 5, ctnn::identity, true> layer;
    load_affine(layer, f, "bn");
    if (name == "bn3_custom") {
        layer.eps = 1e-3;
        layer.momentum = 0.3;
    }
    CHECK(layer.eps == (name == "bn3" ? 1e-5 : 1e-3));
    layer.reserve(11);
    for (int k = 0; k < 3; ++k) {
        const auto x_t = feature_major(f.tensor<double, 2>(name + ".x" + std::to_string(k)));
        layer.forward(x_t.data(), x_t.shape()[1], x_t.shape()[1]);
    }
    const auto mean_ref = f.tensor<double, 1>(name + ".running_mean");
    const auto var_ref = f.tensor<double, 1>(name + ".running_var");
    CTNN_REQUIRE_CLOSE(layer.running_mean, mean_ref, 1e-12);
    CTNN_REQUIRE_CLOSE(layer.running_var, var_ref, 1e-12);
    CHECK(double(layer.batches_tracked) == f.scalar(name + ".batches_tracked"));

    const auto mean_before = layer.running_mean;
    const auto var_before = layer.running_var;
    layer.set_training(false);
    require_forward_backward(layer, f, name + ".eval_x", name + ".eval_upstream", name + ".eval_");
    // Evaluation reads the running statistics and leaves them alone.
    CHECK((layer.running_mean == mean_before));
    CHECK((layer.running_var == var_before));
    CHECK(layer.batches_tracked == 3);

    // initialize restores PyTorch's fresh state: γ 1, β 0, mean 0, variance 1.
    layer.initialize(ctnn::rng(0));
    CHECK((layer.weight.value == xt::ones<double>({5})));
    CHECK((layer.bias.value == xt::zeros<double>({5})));
    CHECK((layer.running_mean == xt::zeros<double>({5})));
    CHECK((layer.running_var == xt::ones<double>({5})));
    CHECK(layer.batches_tracked == 0);
}

TEMPLATE_TEST_CASE("batch_norm: finite-difference gradients", "[batch_norm][gradient]", ctnn::identity,
                   ctnn::tanh, ctnn::sigmoid, ctnn_test::softsign_z) {
    const std::size_t rows = ctnn::detail::block_columns<double> + 7;  // SIMD blocks and a tail
    SECTION("training mode: through the batch statistics") {
        ctnn::batch_norm_layer<double, 4, TestType, true> layer;
        check_norm_gradients(layer, rows, 11);
    }
    SECTION("training mode, first layer") {
        ctnn::batch_norm_layer<double, 3, TestType, false> layer;
        check_norm_gradients(layer, 5, 12);
    }
    SECTION("evaluation mode: running statistics are constants") {
        ctnn::batch_norm_layer<double, 4, TestType, true> layer;
        ctnn::rng r(13);
        for (std::size_t k = 0; k < 4; ++k) {
            layer.running_mean(k) = r.normal();
            layer.running_var(k) = 0.5 + r.uniform01();
        }
        layer.set_training(false);
        check_norm_gradients(layer, rows, 14);
    }
}

TEST_CASE("batch_norm: a training batch of one row is refused, as PyTorch refuses it", "[batch_norm][errors]") {
    const ctnn_test::fixture f("norm.txt");
    REQUIRE(f.scalar("bn.batch_of_one_raises") == 1);
    ctnn::batch_norm_layer<double, 3, ctnn::relu, true> layer;
    layer.reserve(4);
    const double x[3] = {1.0, 2.0, 3.0};
    CHECK_THROWS_AS(layer.forward(x, 1, 1), ctnn::shape_error);
    // alone, the layer does not know its position (the network adds it, below)
    CHECK_THROWS_WITH(layer.forward(x, 1, 1), Catch::Contains("more than 1 value per feature")
                                                   && Catch::Contains("got 1 row"));
    CHECK(layer.batches_tracked == 0);
    CHECK((layer.running_mean == xt::zeros<double>({3})));
    layer.set_training(false);  // evaluation needs no batch statistics
    const double* y = layer.forward(x, 1, 1);
    for (std::size_t k = 0; k < 3; ++k) CHECK(y[k] == Approx(std::max(x[k] / std::sqrt(1.0 + 1e-5), 0.0)));

    // Through a network: train_step refuses one row, predict accepts it.
    ctnn::basic_network<double, ctnn::input<2>, ctnn::dense<3>, ctnn::batch_norm<>, ctnn::dense<1>> net(1);
    ctnn::trainer trainer{net};
    const auto one_x = tensor<double, 2>::from_shape({1, 2});
    const auto one_y = tensor<double, 2>::from_shape({1, 1});
    CHECK_THROWS_AS(trainer.train_step(one_x, one_y), ctnn::shape_error);
    // the network names the layer's position, which is not part of the layer's type
    CHECK_THROWS_WITH(trainer.train_step(one_x, one_y),
                      "ctnn: layer 1: batch_norm in training mode needs more than 1 value per feature (a batch "
                      "of at least 2 rows), got 1 row");
    CHECK(net.predict(one_x).shape()[0] == 1);
}

TEST_CASE("batch_norm: eps and momentum outside their domain are refused", "[batch_norm][errors]") {
    ctnn::batch_norm_layer<double, 2, ctnn::identity, true> layer;
    layer.reserve(4);
    const double x[8] = {1, 2, 3, 4, 5, 6, 7, 9};
    CHECK(layer.momentum == 0.1);
    CHECK(layer.eps == 1e-5);
    CHECK_NOTHROW(layer.forward(x, 4, 4));
    layer.momentum = 1.5;
    CHECK_THROWS_AS(layer.forward(x, 4, 4), ctnn::invalid_argument);
    layer.momentum = -0.1;
    CHECK_THROWS_WITH(layer.forward(x, 4, 4), Catch::Contains("momentum in [0, 1]"));
    layer.momentum = 1.0;  // the last batch only: allowed
    layer.eps = -1e-5;
    CHECK_THROWS_WITH(layer.forward(x, 4, 4), Catch::Contains("eps >= 0"));
    layer.eps = std::nan("");
    CHECK_THROWS_AS(layer.forward(x, 4, 4), ctnn::invalid_argument);
}

namespace {
using bn_net = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<6>, ctnn::batch_norm<ctnn::relu>,
                                   ctnn::dense<2>>;

void load_trajectory_start(bn_net& net, const ctnn_test::fixture& f) {
    net.layer<0>().weight.value = f.tensor<double, 2>("w0");
    net.layer<0>().bias.value = f.tensor<double, 1>("b0");
    net.layer<1>().weight.value = f.tensor<double, 1>("bn_weight");
    net.layer<1>().bias.value = f.tensor<double, 1>("bn_bias");
    net.layer<2>().weight.value = f.tensor<double, 2>("w1");
    net.layer<2>().bias.value = f.tensor<double, 1>("b1");
}
}  // namespace

TEST_CASE("batch_norm: Linear, BatchNorm1d, ReLU, Linear trains as in PyTorch (1e-9)",
          "[batch_norm][trajectory]") {
    STATIC_REQUIRE(bn_net::widths == std::array<std::size_t, 4>{4, 6, 6, 2});
    STATIC_REQUIRE(bn_net::parameter_count == (4 * 6 + 6) + 2 * 6 + (6 * 2 + 2));
    const ctnn_test::fixture f("norm.txt");
    const auto x = f.tensor<double, 2>("x");
    const auto y = f.tensor<double, 2>("y");
    const auto loss_ref = f.tensor<double, 1>("loss");
    bn_net net;
    load_trajectory_start(net, f);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.1, .momentum = 0.9}};
    tensor<double, 1> losses = tensor<double, 1>::from_shape({10});
    SECTION("fit, full batch") {
        const auto result = trainer.fit(x, y, {.epochs = 10, .batch_size = 0, .shuffle = false});
        std::copy(result.epoch_losses.begin(), result.epoch_losses.end(), losses.begin());
    }
    SECTION("train_step") {
        for (std::size_t s = 0; s < 10; ++s) losses(s) = trainer.train_step(x, y).loss;
    }
    CTNN_REQUIRE_CLOSE(losses, loss_ref, 1e-9);
    const auto w0 = f.tensor<double, 2>("final_w0");
    const auto b0 = f.tensor<double, 1>("final_b0");
    const auto gamma = f.tensor<double, 1>("final_bn_weight");
    const auto beta = f.tensor<double, 1>("final_bn_bias");
    const auto w1 = f.tensor<double, 2>("final_w1");
    const auto b1 = f.tensor<double, 1>("final_b1");
    CTNN_REQUIRE_CLOSE(net.layer<0>().weight.value, w0, 1e-9);
    CTNN_REQUIRE_CLOSE(net.layer<0>().bias.value, b0, 1e-9);
    CTNN_REQUIRE_CLOSE(net.layer<1>().weight.value, gamma, 1e-9);
    CTNN_REQUIRE_CLOSE(net.layer<1>().bias.value, beta, 1e-9);
    CTNN_REQUIRE_CLOSE(net.layer<2>().weight.value, w1, 1e-9);
    CTNN_REQUIRE_CLOSE(net.layer<2>().bias.value, b1, 1e-9);
    const auto mean_ref = f.tensor<double, 1>("running_mean");
    const auto var_ref = f.tensor<double, 1>("running_var");
    CTNN_REQUIRE_CLOSE(net.layer<1>().running_mean, mean_ref, 1e-9);
    CTNN_REQUIRE_CLOSE(net.layer<1>().running_var, var_ref, 1e-9);
    CHECK(net.layer<1>().batches_tracked == 10);

    // predict runs in evaluation mode (running statistics), then restores training mode.
    const auto prediction = net.predict(x);
    const auto prediction_ref = f.tensor<double, 2>("eval_prediction");
    CTNN_REQUIRE_CLOSE(prediction, prediction_ref, 1e-9);
    CHECK(net.training());
    CHECK(net.layer<1>().training());
    CHECK(net.layer<1>().batches_tracked == 10);
    // evaluate too: its loss is that of the evaluation-mode predictions.
    double mse = 0;
    for (std::size_t i = 0; i < prediction.size(); ++i) mse += std::pow(prediction_ref.flat(i) - y.flat(i), 2);
    CHECK(trainer.evaluate(x, y) == Approx(mse / double(prediction.size())).epsilon(1e-9));
}

// --- layer_norm ------------------------------------------------------------------------------

TEST_CASE("layer_norm: forward and backward match PyTorch (1e-12)", "[layer_norm]") {
    const ctnn_test::fixture f("norm.txt");
    const std::string name = GENERATE(std::string("ln"), std::string("ln_custom"));
    INFO(name);
    const double eps = name == "ln" ? 1e-5 : 1e-2;
    SECTION("inner layer") {
        ctnn::layer_norm_layer<double, 5, ctnn::identity, true> layer;
        CHECK(layer.eps == 1e-5);
        layer.eps = eps;
        load_affine(layer, f, name);
        require_forward_backward(layer, f, name + ".x", name + ".upstream", name + ".");
    }
    SECTION("first layer") {
        ctnn::layer_norm_layer<double, 5, ctnn::identity, false> layer;
        layer.eps = eps;
        load_affine(layer, f, name);
        require_forward_backward(layer, f, name + ".x", name + ".upstream", name + ".");
    }
    SECTION("PyTorch's evaluation mode gives the same output") {
        const auto train_out = f.tensor<double, 2>(name + ".out");
        const auto eval_out = f.tensor<double, 2>(name + ".eval_out");
        CTNN_REQUIRE_CLOSE(eval_out, train_out, 0.0);
    }
}

TEMPLATE_TEST_CASE("layer_norm: finite-difference gradients", "[layer_norm][gradient]", ctnn::identity,
                   ctnn::tanh, ctnn::sigmoid, ctnn_test::softsign_z) {
    SECTION("inner layer, SIMD blocks and a tail") {
        ctnn::layer_norm_layer<double, 6, TestType, true> layer;
        check_norm_gradients(layer, ctnn::detail::block_columns<double> + 7, 21);
    }
    SECTION("first layer, one sample") {
        ctnn::layer_norm_layer<double, 4, TestType, false> layer;
        check_norm_gradients(layer, 1, 22);
    }
    SECTION("two features") {
        ctnn::layer_norm_layer<double, 2, TestType, true> layer;
        check_norm_gradients(layer, 3, 23);
    }
}

TEST_CASE("layer_norm: training and evaluation give the same output", "[layer_norm]") {
    ctnn::basic_network<double, ctnn::input<3>, ctnn::dense<5>, ctnn::layer_norm<ctnn::tanh>, ctnn::dense<2>> net(4);
    ctnn::rng r(5);
    const auto x = r.normal_tensor<double>(7, 3);
    net.reserve(7);
    const auto train_view = ctnn::detail::matrix_view(net.forward(x.data(), 7), 7, 2);
    const tensor<double, 2> in_training = train_view;
    const auto in_evaluation = net.predict(x);
    CTNN_REQUIRE_CLOSE(in_evaluation, in_training, 0.0);
    // Each sample is normalised alone: a row predicted by itself gives the same output.
    const tensor<double, 2> row = xt::adapt(x.data() + 3, 3, xt::no_ownership(), std::array<std::size_t, 2>{1, 3});
    const auto alone = net.predict(row);
    CHECK(alone(0, 0) == Approx(in_training(1, 0)).epsilon(1e-14));
    CHECK(alone(0, 1) == Approx(in_training(1, 1)).epsilon(1e-14));
}

TEST_CASE("layer_norm: eps outside its domain is refused", "[layer_norm][errors]") {
    ctnn::layer_norm_layer<double, 2, ctnn::identity, true> layer;
    layer.reserve(2);
    const double x[4] = {1, 2, 3, 5};
    layer.eps = -1.0;
    CHECK_THROWS_AS(layer.forward(x, 2, 2), ctnn::invalid_argument);
    CHECK_THROWS_WITH(layer.forward(x, 2, 2), Catch::Contains("eps >= 0"));
}

// --- dropout ---------------------------------------------------------------------------------

namespace {
template <class T, class P>
void check_kept_fraction_and_scale() {
    constexpr std::size_t width = 100, rows = 1000;  // 100k elements
    using layer_t = ctnn::dropout_layer<T, width, P, true>;
    const double p = double(P::num) / double(P::den);
    STATIC_REQUIRE(layer_t::probability == double(P::num) / double(P::den));
    layer_t layer;
    layer.initialize(ctnn::rng(9).stream(1));
    ctnn::rng r(10);
    const auto x_t = r.uniform_tensor<T>(width, rows, 1.0, 2.0);  // never 0
    layer.reserve(rows);
    const T* a = layer.forward(x_t.data(), rows, rows);
    const T survivor = T(1) / T(1 - p);
    std::size_t kept = 0, wrongly_scaled = 0;
    for (std::size_t i = 0; i < width * rows; ++i) {
        if (a[i] == T(0)) continue;
        ++kept;
        if (a[i] != x_t.flat(i) * survivor) ++wrongly_scaled;
    }
    const double n = double(width * rows);
    const double sigma = std::sqrt(n * p * (1 - p));
    INFO("p = " << p << ", kept " << kept << " of " << n);
    CHECK(std::abs(double(kept) - n * (1 - p)) < 5 * sigma);
    CHECK(wrongly_scaled == 0);
}
}  // namespace

TEMPLATE_TEST_CASE("dropout: the kept fraction is 1 - p and survivors are scaled by 1/(1 - p)", "[dropout]",
                   float, double) {
    check_kept_fraction_and_scale<TestType, std::ratio<1, 2>>();
    check_kept_fraction_and_scale<TestType, std::ratio<1, 5>>();
}

TEST_CASE("dropout: evaluation mode and p = 0 are the identity", "[dropout]") {
    ctnn::rng r(3);
    const auto x_t = r.normal_tensor<double>(4, 9);
    auto da = r.normal_tensor<double>(4, 9);
    const auto da_before = da;
    SECTION("evaluation mode") {
        ctnn::dropout_layer<double, 4, std::ratio<1, 2>, true> layer;
        layer.initialize(r.stream(0));
        layer.reserve(9);
        layer.set_training(false);
        const auto out = ctnn::detail::matrix_view(layer.forward(x_t.data(), 9, 9), 4, 9);
        CHECK((out == x_t));
        CHECK(layer.backward(da.data()) == da.data());
        CHECK((da == da_before));
    }
    SECTION("p = 0 in training") {
        ctnn::dropout_layer<double, 4, std::ratio<0>, true> layer;
        layer.initialize(r.stream(0));
        layer.reserve(9);
        const auto out = ctnn::detail::matrix_view(layer.forward(x_t.data(), 9, 9), 4, 9);
        CHECK((out == x_t));
        layer.backward(da.data());
        CHECK((da == da_before));
    }
    SECTION("evaluation mode reads a column range of a wider matrix") {
        ctnn::dropout_layer<double, 4, std::ratio<1, 2>, false> layer;
        layer.reserve(5);
        layer.set_training(false);
        const auto out = ctnn::detail::matrix_view(layer.forward(x_t.data() + 2, 9, 5), 4, 5);
        for (std::size_t k = 0; k < 4; ++k)
            for (std::size_t i = 0; i < 5; ++i) CHECK(out(k, i) == x_t(k, 2 + i));
    }
}

namespace {
// The zero pattern of one training forward of a dropout layer given `stream`.
template <std::size_t Width>
std::vector<bool> drop_pattern(ctnn::dropout_layer<double, Width, std::ratio<1, 2>, true>& layer,
                               const tensor<double, 2>& x_t) {
    const std::size_t rows = x_t.shape()[1];
    layer.reserve(rows);
    const double* a = layer.forward(x_t.data(), rows, rows);
    std::vector<bool> dropped(Width * rows);
    for (std::size_t i = 0; i < dropped.size(); ++i) dropped[i] = a[i] == 0.0;
    return dropped;
}
}  // namespace

TEST_CASE("dropout: masks come from the layer's stream: same seed, same mask", "[dropout]") {
    ctnn::rng r(4);
    const auto x_t = r.uniform_tensor<double>(8, 50, 1.0, 2.0);
    ctnn::dropout_layer<double, 8, std::ratio<1, 2>, true> a, b, c;
    a.initialize(ctnn::rng(5).stream(1));
    b.initialize(ctnn::rng(5).stream(1));
    c.initialize(ctnn::rng(6).stream(1));
    const auto first = drop_pattern(a, x_t);
    CHECK(first == drop_pattern(b, x_t));
    CHECK(first != drop_pattern(c, x_t));
    CHECK(first != drop_pattern(a, x_t));  // the stream moves on: the next batch has a new mask
    a.initialize(ctnn::rng(5).stream(1));  // and restarts with initialize
    CHECK(first == drop_pattern(a, x_t));

    // In a network, layer i's stream is stream i of the network seed.
    using net_t = ctnn::basic_network<double, ctnn::input<3>, ctnn::dense<16>, ctnn::dropout<>, ctnn::dense<1>>;
    net_t n1(7), n2(7), n3(8);
    const auto x = r.normal_tensor<double>(20, 3);
    auto pattern = [&](net_t& n) {
        n.reserve(20);
        n.forward(x.data(), 20);
        const auto h = n.layer<1>().output();
        std::vector<bool> dropped(h.size());
        for (std::size_t i = 0; i < h.size(); ++i) dropped[i] = h.flat(i) == 0.0;
        return dropped;
    };
    const auto p1 = pattern(n1);
    CHECK(p1 == pattern(n2));
    CHECK(p1 != pattern(n3));
    n1.initialize(7);
    CHECK(p1 == pattern(n1));
}

TEST_CASE("dropout: backward applies the forward pass's mask", "[dropout]") {
    ctnn::rng r(6);
    const auto x_t = r.uniform_tensor<double>(10, 37, 1.0, 2.0);
    auto da = r.normal_tensor<double>(10, 37);
    const auto da_before = da;
    ctnn::dropout_layer<double, 10, std::ratio<1, 5>, true> layer;
    layer.initialize(r.stream(2));
    layer.reserve(37);
    const double* a = layer.forward(x_t.data(), 37, 37);
    const double* dx = layer.backward(da.data());
    REQUIRE(dx != nullptr);
    const double survivor = 1.0 / (1.0 - 0.2);
    std::size_t mismatches = 0, dropped = 0;
    for (std::size_t i = 0; i < 370; ++i) {
        const double expected = a[i] == 0.0 ? 0.0 : da_before.flat(i) * survivor;
        dropped += a[i] == 0.0;
        mismatches += dx[i] != expected;
    }
    CHECK(dropped > 0);
    CHECK(mismatches == 0);

    ctnn::dropout_layer<double, 10, std::ratio<1, 5>, false> first;
    first.reserve(37);
    first.forward(x_t.data(), 37, 37);
    CHECK(first.backward(da.data()) == nullptr);
}

TEST_CASE("dropout: compile-time facts", "[dropout]") {
    using layer_t = ctnn::dropout<std::ratio<1, 5>>::bind<float, 3, ctnn::features_shape(7)>::type;
    STATIC_REQUIRE(std::is_same_v<layer_t, ctnn::dropout_layer<float, 7, std::ratio<1, 5>, true>>);
    STATIC_REQUIRE(layer_t::input_width == 7);
    STATIC_REQUIRE(layer_t::output_width == 7);
    STATIC_REQUIRE(layer_t::parameter_count == 0);
    STATIC_REQUIRE(layer_t::kind == "dropout");
    STATIC_REQUIRE(layer_t::probability == 0.2);
    STATIC_REQUIRE(ctnn::dropout_layer<double, 1, std::ratio<1, 2>, false>::probability == 0.5);
    STATIC_REQUIRE(std::is_same_v<ctnn::dropout<>, ctnn::dropout<std::ratio<1, 2>>>);
    STATIC_REQUIRE(ctnn::diagnostics::check_dropout_probability<ctnn::dropout<>, 0, std::ratio<0>>());
    STATIC_REQUIRE(ctnn::diagnostics::check_dropout_probability<ctnn::dropout<>, 0, std::ratio<999, 1000>>());
}

// --- width-preserving layers in a network ----------------------------------------------------

namespace {
// A spec that says it does not preserve its width and gives one: an ordinary layer.
struct declares_width {
    static constexpr bool preserves_width = false;
    static constexpr std::size_t output_width = 7;
};
using mixed_net = ctnn::basic_network<float, ctnn::input<3>, ctnn::batch_norm<>, ctnn::dense<5, ctnn::relu>,
                                      ctnn::dropout<std::ratio<1, 5>>, ctnn::layer_norm<ctnn::tanh>,
                                      ctnn::dense<2>>;
}  // namespace

TEST_CASE("width-preserving layers: the network carries the width through them",
          "[batch_norm][layer_norm][dropout][network]") {
    STATIC_REQUIRE(ctnn::detail::shape_computing_spec<ctnn::batch_norm<>>);  // images too (BatchNorm2d)
    STATIC_REQUIRE(ctnn::detail::width_preserving_spec<ctnn::layer_norm<ctnn::relu>>);
    STATIC_REQUIRE(ctnn::detail::shape_computing_spec<ctnn::dropout<>>);  // images too
    STATIC_REQUIRE(ctnn::layer_spec<ctnn::dropout<>>);
    STATIC_REQUIRE(ctnn::layer_spec<ctnn::dense<3>>);
    STATIC_REQUIRE_FALSE(ctnn::detail::width_preserving_spec<ctnn::dense<3>>);
    STATIC_REQUIRE_FALSE(ctnn::detail::width_preserving_spec<declares_width>);
    STATIC_REQUIRE(ctnn::layer_spec<declares_width>);
    STATIC_REQUIRE_FALSE(ctnn::layer_spec<int>);
    STATIC_REQUIRE(ctnn::detail::layer_widths<4, ctnn::dropout<>, declares_width, ctnn::batch_norm<>>()
                   == std::array<std::size_t, 4>{4, 4, 7, 7});

    STATIC_REQUIRE(mixed_net::widths == std::array<std::size_t, 6>{3, 3, 5, 5, 5, 2});
    STATIC_REQUIRE(mixed_net::input_width == 3);
    STATIC_REQUIRE(mixed_net::output_width == 2);
    STATIC_REQUIRE(mixed_net::parameter_count == 2 * 3 + (3 * 5 + 5) + 0 + 2 * 5 + (5 * 2 + 2));
    STATIC_REQUIRE(std::is_same_v<mixed_net::layer_type<0>, ctnn::batch_norm_layer<float, 3, ctnn::identity, false>>);
    STATIC_REQUIRE(std::is_same_v<mixed_net::layer_type<2>, ctnn::dropout_layer<float, 5, std::ratio<1, 5>, true>>);
    STATIC_REQUIRE(std::is_same_v<mixed_net::layer_type<3>, ctnn::layer_norm_layer<float, 5, ctnn::tanh, true>>);
    STATIC_REQUIRE(mixed_net::layer_type<4>::input_width == 5);
    STATIC_REQUIRE(mixed_net::layer_type<0>::kind == "batch_norm");
    STATIC_REQUIRE(mixed_net::layer_type<3>::kind == "layer_norm");
    STATIC_REQUIRE_FALSE(mixed_net::layer_type<0>::computes_input_gradient);
    STATIC_REQUIRE(mixed_net::layer_type<3>::computes_input_gradient);

    mixed_net net(1);
    std::size_t tensors = 0, scalars = 0;
    net.for_each_parameter([&](auto& p) {
        ++tensors;
        scalars += p.size();
    });
    CHECK(tensors == 8);
    CHECK(scalars == mixed_net::parameter_count);

    // The network passes its mode on: evaluation mode reaches batch_norm and dropout.
    CHECK(net.layer<0>().training());
    CHECK(net.layer<2>().training());
    net.set_training(false);
    CHECK_FALSE(net.layer<0>().training());
    CHECK_FALSE(net.layer<2>().training());
    net.set_training(true);

    // A training step runs through every layer and sets every gradient.
    ctnn::rng r(2);
    const auto x = r.normal_tensor<float>(12, 3);
    const auto y = r.normal_tensor<float>(12, 2);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}};
    const auto first = trainer.train_step(x, y);
    CHECK(std::isfinite(first.loss));
    CHECK(first.gradient_norm > 0);
    CHECK(xt::any(xt::not_equal(net.layer<0>().weight.grad, 0.0f)));
    CHECK(xt::any(xt::not_equal(net.layer<3>().bias.grad, 0.0f)));
    // Evaluation is deterministic (no dropout, running statistics); predict restores training.
    const auto p1 = net.predict(x);
    const auto p2 = net.predict(x);
    CHECK((p1 == p2));
    CHECK(net.layer<2>().training());
    const auto fitted = trainer.fit(x, y, {.epochs = 30, .batch_size = 4, .shuffle = true, .seed = 3});
    CHECK(fitted.epoch_losses.back() < fitted.epoch_losses.front());
}

// Stand-ins for the operands of the layers' expressions (declared only: unevaluated use).
namespace ctnn_test::norm_simd {
ctnn::detail::matrix_view_t<double>& v();
const ctnn::detail::matrix_view_t<const double>& c();
const double& s();
template <class E>
constexpr bool simd_assigned = xt::xassign_traits<ctnn::detail::matrix_view_t<double>, E>::simd_linear_assign();
}  // namespace ctnn_test::norm_simd

TEST_CASE("normalization layers: their row expressions are evaluated with SIMD",
          "[batch_norm][layer_norm][dropout][simd]") {
    using namespace ctnn_test::norm_simd;
    // batch_norm: x − μ, x·α + shift, the training input gradient
    STATIC_REQUIRE(simd_assigned<decltype(c() - s())>);
    STATIC_REQUIRE(simd_assigned<decltype(c() * s() + s())>);
    STATIC_REQUIRE(simd_assigned<decltype(s() * (v() - s() - c() * s()))>);
    // layer_norm: row accumulation, 1/√(σ² + eps), the input gradient
    STATIC_REQUIRE(simd_assigned<decltype(v() + c() * c())>);
    STATIC_REQUIRE(simd_assigned<decltype(s() / xt::sqrt(v() / s() + s()))>);
    STATIC_REQUIRE(simd_assigned<decltype(c() * (s() * v() - v() - c() * v()))>);
    // dropout: x ⊙ mask
    STATIC_REQUIRE(simd_assigned<decltype(c() * c())>);
}
