// sgd against torch.optim.SGD (float64 fixtures): every variant, every step's loss and weights.
#include <ctnn/ctnn.hpp>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/fixture.hpp"
#include "support/load.hpp"

namespace {
using net_t = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<3, ctnn::tanh>, ctnn::dense<2>>;

void check_variant(const std::string& name, const ctnn::optim::sgd& sgd) {
    const ctnn_test::fixture f("sgd.txt");
    net_t net;
    ctnn_test::load_weights(net, f);
    const auto x = f.tensor<double, 2>("x");
    const auto y = f.tensor<double, 2>("y");
    ctnn::trainer trainer{net, ctnn::loss::mse{}, sgd};
    const auto& losses = f.values(name + ".loss");
    for (std::size_t k = 1; k <= 10; ++k) {
        INFO(name << ", step " << k);
        const auto step = trainer.train_step(x, y);
        CHECK(std::abs(step.loss - losses[k - 1]) <= 1e-12 * std::abs(losses[k - 1]));
        CHECK(ctnn_test::max_weight_error(net, f, name + ".", "." + std::to_string(k)) <= 1e-10);
    }
}
}  // namespace

TEST_CASE("sgd: plain", "[optim][sgd]") { check_variant("plain", {.lr = 0.1}); }
TEST_CASE("sgd: momentum", "[optim][sgd]") { check_variant("momentum", {.lr = 0.1, .momentum = 0.9}); }
TEST_CASE("sgd: dampening", "[optim][sgd]") {
    check_variant("dampening", {.lr = 0.1, .momentum = 0.9, .dampening = 0.5});
}
TEST_CASE("sgd: nesterov", "[optim][sgd]") {
    check_variant("nesterov", {.lr = 0.1, .momentum = 0.9, .nesterov = true});
}
TEST_CASE("sgd: weight decay", "[optim][sgd]") {
    check_variant("weight_decay", {.lr = 0.1, .weight_decay = 0.1});
}
TEST_CASE("sgd: maximize is gradient ascent", "[optim][sgd]") {
    check_variant("maximize", {.lr = 0.01, .maximize = true});
}
TEST_CASE("sgd: nesterov with weight decay", "[optim][sgd]") {
    check_variant("all", {.lr = 0.05, .momentum = 0.8, .weight_decay = 0.01, .nesterov = true});
}
TEST_CASE("sgd: ascent with momentum, dampening and weight decay", "[optim][sgd]") {
    check_variant("all_max", {.lr = 0.01, .momentum = 0.5, .dampening = 0.1, .weight_decay = 0.05,
                              .maximize = true});
}

TEST_CASE("sgd: invalid hyper-parameters are refused", "[optim][sgd][errors]") {
    CHECK_THROWS_AS((ctnn::optim::sgd{.lr = -1}.validate()), ctnn::invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::sgd{.momentum = -0.5}.validate()), ctnn::invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::sgd{.weight_decay = -0.1}.validate()), ctnn::invalid_argument);
    CHECK_THROWS_WITH((ctnn::optim::sgd{.nesterov = true}.validate()), Catch::Contains("nesterov"));
    net_t net;
    CHECK_THROWS_AS((ctnn::trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = -1}}),
                    ctnn::invalid_argument);
}

TEST_CASE("sgd: the momentum buffer is allocated once, in the optimizer's state", "[optim][sgd]") {
    ctnn::parameter<float, 2> p;
    p.reshape(std::array<std::size_t, 2>{2, 3});
    p.value.fill(0.0f);
    ctnn::optim::state_of<ctnn::optim::sgd, float> state;
    STATIC_REQUIRE(decltype(state)::buffer_count == 1);
    CHECK(ctnn::optim::sgd::state_names[0] == "momentum_buffer");
    ctnn::optim::sgd sgd{.lr = 0.1, .momentum = 0.9};
    sgd.prepare(p, state);
    REQUIRE(state.buffers[0].size() == 6);
    const float* buffer = state.buffers[0].data();
    p.grad.fill(1.0f);
    for (int i = 0; i < 3; ++i) {
        sgd.prepare(p, state);
        sgd.update(p, state);
    }
    CHECK(state.buffers[0].data() == buffer);
    CHECK(state.steps == 3);
    // b = 1, 1.9, 2.71: θ moved by lr·(1 + 1.9 + 2.71)
    CHECK(state.buffers[0](0) == Approx(2.71f));
    CHECK(p.value(0, 0) == Approx(-0.561f));
    // without momentum there is nothing to keep
    ctnn::optim::state_of<ctnn::optim::sgd, float> plain;
    sgd.momentum = 0.0;
    sgd.prepare(p, plain);
    CHECK(plain.buffers[0].size() == 0);
}
