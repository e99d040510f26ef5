// softmax and log_softmax layers (forward and backward against torch, finite differences,
// log_softmax + nll trained against torch), predict_proba and argmax.
#include <ctnn/core.hpp>

#include <cmath>
#include <limits>
#include <string>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/fixture.hpp"
#include "support/network_gradient.hpp"

namespace {
using matrix = ctnn::tensor<double, 2>;

const ctnn_test::fixture& fixture() {
    static const ctnn_test::fixture f("classification.txt");
    return f;
}

/// (B, W) row-major <-> (W, B) feature-major, the layout between layers.
matrix transposed(const matrix& m) { return matrix(xt::transpose(m)); }

/// The layer's forward and backward on the fixture's x and upstream g, against torch's.
template <bool Log>
void check_layer_against_torch(const std::string& name) {
    INFO(name);
    const auto& f = fixture();
    const matrix x_t = transposed(f.tensor<double, 2>("softmax.x"));
    matrix g_t = transposed(f.tensor<double, 2>("softmax.g"));
    const std::size_t rows = x_t.shape(1);
    ctnn::softmax_layer<double, 4, Log, true> layer;
    layer.reserve(rows);
    const double* y = layer.forward(x_t.data(), rows, rows);
    matrix y_t = matrix::from_shape({4, rows});
    std::copy_n(y, 4 * rows, y_t.data());
    CTNN_REQUIRE_CLOSE(y_t, transposed(f.tensor<double, 2>(name + ".y")), 1e-12);
    const double* dx = layer.backward(g_t.data());
    REQUIRE(dx == g_t.data());  // in place
    CTNN_REQUIRE_CLOSE(g_t, transposed(f.tensor<double, 2>(name + ".dx")), 1e-12);
}
}  // namespace

TEST_CASE("softmax: forward and backward match torch, logits of 1000 and ties included", "[softmax]") {
    check_layer_against_torch<false>("softmax");
    check_layer_against_torch<true>("log_softmax");
}

TEST_CASE("softmax: a batch wider than the input's rows reads the input's leading dimension",
          "[softmax]") {
    // rows of x at stride ld > B, as a layer receives a column range of a transposed batch
    const matrix x = {{1.0, 2.0, 9.0, 9.0, 3.0}, {0.5, -1.0, 9.0, 9.0, 3.0}, {-2.0, 4.0, 9.0, 9.0, 3.0}};
    ctnn::softmax_layer<double, 3, false, false> layer;
    layer.reserve(2);
    const double* y = layer.forward(x.data(), 5, 2);
    for (std::size_t b = 0; b < 2; ++b) {
        const double s = std::exp(x(0, b)) + std::exp(x(1, b)) + std::exp(x(2, b));
        for (std::size_t k = 0; k < 3; ++k) CHECK(y[k * 2 + b] == Approx(std::exp(x(k, b)) / s).epsilon(1e-15));
    }
    CHECK(layer.backward(nullptr) == nullptr);  // the first layer sends nothing down
}

TEST_CASE("softmax: a NaN in a sample makes that sample's output NaN, and no other",
          "[softmax][non_finite]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const matrix x_t = {{nan, 1.0}, {0.0, 2.0}, {1.0, 3.0}};  // sample 0 has the NaN
    ctnn::softmax_layer<double, 3, true, true> layer;
    layer.reserve(2);
    const double* y = layer.forward(x_t.data(), 2, 2);
    for (std::size_t k = 0; k < 3; ++k) {
        CHECK(std::isnan(y[k * 2]));
        CHECK(std::isfinite(y[k * 2 + 1]));
    }
}

TEST_CASE("softmax: finite differences through networks that end in softmax and log_softmax",
          "[softmax][gradient]") {
    ctnn::rng r(41);
    const matrix x = r.normal_tensor<double>(7, 3);
    const matrix y = r.normal_tensor<double>(7, 4);
    // softmax in the middle and at the end, against mse: every path of its backward is used
    ctnn::basic_network<double, ctnn::input<3>, ctnn::dense<5>, ctnn::softmax, ctnn::dense<4, ctnn::tanh>,
                        ctnn::softmax>
        through_softmax(3);
    ctnn_test::check_network_gradient(through_softmax, ctnn::loss::mse{}, x, y);
    ctnn::basic_network<double, ctnn::input<3>, ctnn::dense<5, ctnn::tanh>, ctnn::dense<4>, ctnn::log_softmax>
        through_log_softmax(4);
    ctnn_test::check_network_gradient(through_log_softmax, ctnn::loss::mse{}, x, y);
    matrix labels = matrix::from_shape({7, 1});
    for (auto& v : labels) v = double(r.below(4));
    ctnn_test::check_network_gradient(through_log_softmax, ctnn::loss::nll{.class_weights = {0.5, 2.0, 1.0, 0.1}},
                                      x, labels);
}

namespace {
template <class Net>
void load_dense_layers(Net& net, const std::string& suffix = "") {
    const auto& f = fixture();
    net.template layer<0>().weight.value = f.tensor<double, 2>("nll_train.w0" + suffix);
    net.template layer<0>().bias.value = f.tensor<double, 1>("nll_train.b0" + suffix);
    net.template layer<1>().weight.value = f.tensor<double, 2>("nll_train.w1" + suffix);
    net.template layer<1>().bias.value = f.tensor<double, 1>("nll_train.b1" + suffix);
}
using log_softmax_net =
    ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<5, ctnn::tanh>, ctnn::dense<4>, ctnn::log_softmax>;
using logits_net = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<5, ctnn::tanh>, ctnn::dense<4>>;
}  // namespace

TEST_CASE("softmax: LogSoftmax + weighted NLLLoss trains as in torch (1e-9), and as cross-entropy on logits",
          "[softmax][nll][trainer]") {
    const auto& f = fixture();
    const matrix x = f.tensor<double, 2>("nll_train.x");
    const matrix y = f.tensor<double, 2>("nll_train.y");
    const auto& expected = f.values("nll_train.loss");
    const std::vector<double> weights = f.values("weights");

    log_softmax_net net;
    load_dense_layers(net);
    ctnn::trainer trainer{net, ctnn::loss::nll{.class_weights = weights}, ctnn::optim::sgd{.lr = 0.1}};
    const auto losses = trainer.fit(x, y, {.epochs = 10, .batch_size = 0, .shuffle = false}).epoch_losses;
    for (std::size_t e = 0; e < 10; ++e) {
        INFO("epoch " << e);
        CHECK(std::abs(losses[e] - expected[e]) <= 1e-9 * expected[e]);
    }
    log_softmax_net end;
    load_dense_layers(end, ".end");
    CTNN_REQUIRE_CLOSE(net.layer<0>().weight.value, end.layer<0>().weight.value, 1e-9);
    CTNN_REQUIRE_CLOSE(net.layer<1>().weight.value, end.layer<1>().weight.value, 1e-9);
    CTNN_REQUIRE_CLOSE(net.layer<1>().bias.value, end.layer<1>().bias.value, 1e-9);
    const matrix torch_proba = f.tensor<double, 2>("nll_train.proba");
    CTNN_REQUIRE_CLOSE(net.predict_proba(x), torch_proba, 1e-9);

    // log_softmax + nll is softmax cross-entropy on the logits: the same run, to rounding
    logits_net plain;
    load_dense_layers(plain);
    ctnn::trainer ce{plain, ctnn::loss::softmax_cross_entropy{.class_weights = weights}, ctnn::optim::sgd{.lr = 0.1}};
    const auto ce_losses = ce.fit(x, y, {.epochs = 10, .batch_size = 0, .shuffle = false}).epoch_losses;
    for (std::size_t e = 0; e < 10; ++e) CHECK(std::abs(ce_losses[e] - losses[e]) <= 1e-12 * losses[e]);
    CTNN_REQUIRE_CLOSE(plain.layer<0>().weight.value, net.layer<0>().weight.value, 1e-12);
}

TEST_CASE("predict_proba: reads the last layer's output as what it is", "[softmax][predict_proba]") {
    ctnn::rng r(42);
    const matrix x = r.normal_tensor<double>(9, 4);
    logits_net logits(7);
    ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<5, ctnn::tanh>, ctnn::dense<4>, ctnn::softmax> soft(7);
    log_softmax_net log_soft(7);  // the same seed: the same dense weights

    const matrix p = soft.predict(x);
    CTNN_REQUIRE_CLOSE(soft.predict_proba(x), p, 0.0);       // probabilities already
    CTNN_REQUIRE_CLOSE(logits.predict_proba(x), p, 1e-15);   // logits: a softmax per row
    CTNN_REQUIRE_CLOSE(log_soft.predict_proba(x), p, 1e-14); // log-probabilities: exp
    for (std::size_t i = 0; i < 9; ++i) CHECK(p(i, 0) + p(i, 1) + p(i, 2) + p(i, 3) == Approx(1.0).epsilon(1e-15));
    CHECK((ctnn::argmax(p) == ctnn::argmax(logits.predict(x))));

    // one output: the logit of class 1 through a sigmoid; a sigmoid layer's output as it is
    ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<3, ctnn::relu>, ctnn::dense<1>> binary(8);
    ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<3, ctnn::relu>, ctnn::dense<1, ctnn::sigmoid>> sigmoid(8);
    const matrix z = binary.predict(x);
    const matrix expected = 1.0 / (1.0 + xt::exp(-z));
    CTNN_REQUIRE_CLOSE(binary.predict_proba(x), expected, 1e-15);
    CTNN_REQUIRE_CLOSE(sigmoid.predict_proba(x), sigmoid.predict(x), 0.0);
    CTNN_REQUIRE_CLOSE(sigmoid.predict(x), expected, 1e-15);
}

TEST_CASE("predict_proba: sequences give a distribution per step", "[softmax][predict_proba]") {
    ctnn::basic_network<double, ctnn::sequence<2>, ctnn::rnn<4, ctnn::tanh, ctnn::whole_sequence>, ctnn::dense<3>> net(5);
    ctnn::rng r(43);
    const auto x = r.normal_tensor<double>(3, 5 * 2);
    const ctnn::tensor<double, 3> xs = xt::reshape_view(x, std::vector<std::size_t>{3, 5, 2});
    const ctnn::tensor<double, 3> p = net.predict_proba(xs);
    REQUIRE(p.shape(1) == 5);
    for (std::size_t b = 0; b < 3; ++b)
        for (std::size_t t = 0; t < 5; ++t) CHECK(p(b, t, 0) + p(b, t, 1) + p(b, t, 2) == Approx(1.0).epsilon(1e-15));
    const auto classes = ctnn::argmax(p);
    REQUIRE(classes.shape(0) == 3);
    REQUIRE(classes.shape(1) == 5);
}

TEST_CASE("argmax: torch.argmax's rule, the first largest and the first NaN", "[argmax]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const matrix scores = {{0.1, 0.7, 0.7}, {3.0, -1.0, 2.0}, {1.0, nan, 5.0}, {-2.0, -1.0, -3.0}};
    const ctnn::tensor<std::size_t, 1> expected = {1, 0, 1, 1};
    CHECK((ctnn::argmax(scores) == expected));
    const matrix one_column = {{0.3}, {-1.0}};
    CHECK_THROWS_MATCHES(ctnn::argmax(one_column), ctnn::shape_error,
                         Catch::Matchers::Message("ctnn: argmax: the scores have shape (2, 1), expected at least 2 "
                                                  "classes in the last axis; one score per row is a binary "
                                                  "classifier's: threshold it (a logit > 0, a probability > 0.5)"));
}
