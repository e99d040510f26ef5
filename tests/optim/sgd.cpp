// sgd against torch.optim.SGD (float64 fixtures): every variant, every step's loss and weights.
#include <ctnn/ctnn.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <type_traits>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/fixture.hpp"
#include "support/load.hpp"
#include "support/update_bound.hpp"

namespace {
using net_t = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<3, ctnn::tanh>, ctnn::dense<2>>;

/// 10 steps against torch's; `switch_after_4` changes the settings after step 4, as torch's
/// param group is changed there. With clip::off plain SGD folds into the weight-gradient products.
template <class Clip = ctnn::clip::none>
void check_variant(const std::string& name, const ctnn::optim::sgd& sgd,
                   void (*switch_after_4)(ctnn::optim::sgd&) = nullptr) {
    const ctnn_test::fixture f("sgd.txt");
    net_t net;
    ctnn_test::load_weights(net, f);
    const auto x = f.tensor<double, 2>("x");
    const auto y = f.tensor<double, 2>("y");
    ctnn::trainer trainer{net, ctnn::loss::mse{}, sgd, Clip{}};
    const auto& losses = f.values(name + ".loss");
    for (std::size_t k = 1; k <= 10; ++k) {
        INFO(name << ", step " << k);
        if (k == 5 && switch_after_4) switch_after_4(trainer.optimizer());
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

TEST_CASE("sgd: momentum switched on mid-run starts its buffer then, b = d, as torch's", "[optim][sgd]") {
    const auto switch_on = [](ctnn::optim::sgd& sgd) {
        sgd.momentum = 0.9;
        sgd.dampening = 0.5;
    };
    check_variant("momentum_later", {.lr = 0.1}, switch_on);
    check_variant<ctnn::clip::off>("momentum_later", {.lr = 0.1}, switch_on);  // the folded step's buffer
}

TEST_CASE("sgd: invalid hyper-parameters are refused", "[optim][sgd][errors]") {
    CHECK_THROWS_AS((ctnn::optim::sgd{.lr = -1}.validate()), ctnn::invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::sgd{.momentum = -0.5}.validate()), ctnn::invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::sgd{.weight_decay = -0.1}.validate()), ctnn::invalid_argument);
    CHECK_THROWS_WITH((ctnn::optim::sgd{.nesterov = true}.validate()), Catch::Contains("nesterov"));
    // a small negative setting prints as itself, not as -0.000000
    CHECK_THROWS_WITH((ctnn::optim::sgd{.lr = -1e-7}.validate()), "ctnn: sgd needs a finite lr >= 0, got -1e-07");
    CHECK_THROWS_WITH((ctnn::optim::sgd{.momentum = -1e-8}.validate()),
                      "ctnn: sgd needs a finite momentum >= 0, got -1e-08");
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
    CHECK(state.buffers[0].size() == 0);  // torch's None, until the first update with momentum
    p.grad.fill(1.0f);
    sgd.update(p, state);
    REQUIRE(state.buffers[0].size() == 6);
    const float* buffer = state.buffers[0].data();
    for (int i = 0; i < 2; ++i) {
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

TEST_CASE("sgd: update_stays_finite is never wrong, and true for ordinary values", "[optim][sgd][errors]") {
    STATIC_REQUIRE(ctnn::optimizer_bounds_its_update<ctnn::optim::sgd>);
    const auto fill = [](auto& state, auto& random, auto signed_power) {
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        // the buffer of a step with momentum before, or none yet (the first step with momentum)
        using scalar = typename std::remove_cvref_t<decltype(state)>::scalar;
        if (unit(random) < 0.8) ctnn::detail::allocate_state(state, 0, 37, scalar(0));
        const double scale = unit(random) * 42 - 4;
        for (auto& b : state.buffers[0]) {
            b = signed_power(scale - 2, scale);
            if (!std::isfinite(b)) b = 0.5f;
        }
        state.steps = std::int64_t(unit(random) * 3);
    };
    const auto counts = ctnn_test::check_update_bound(
        [](auto& random) {
            std::uniform_real_distribution<double> unit(0.0, 1.0);
            const auto sometimes = [&](double ordinary, double lo, double hi) {
                return unit(random) < 0.5 ? ordinary : std::pow(10.0, lo + (hi - lo) * unit(random));
            };
            const bool nesterov = unit(random) < 0.25;
            return ctnn::optim::sgd{.lr = sometimes(0.01, -6, 40),
                                    .momentum = nesterov || unit(random) < 0.5 ? sometimes(0.9, -3, 3) : 0.0,
                                    .dampening = nesterov || unit(random) < 0.5 ? 0.0 : unit(random) * 4 - 2,
                                    .weight_decay = sometimes(0.0, -4, 3),
                                    .nesterov = nesterov,
                                    .maximize = unit(random) < 0.3};
        },
        fill, 4000, 43);
    CHECK(counts.called_finite > counts.trials / 20);

    ctnn::parameter<float, 1> p(std::array<std::size_t, 1>{37});
    p.value.fill(0.5f);
    const ctnn::optim::sgd sgd{.lr = 0.01, .momentum = 0.9};
    ctnn::optim::parameter_state<float, 1> state;
    const auto bounded = [&](const auto& optimizer, const auto& s, double gradient_bound) {
        return optimizer.update_stays_finite(p, s, ctnn::detail::read_largest_values(p, s, 0, 37), gradient_bound);
    };
    CHECK(bounded(sgd, state, 1.0));  // no buffer yet: b = d
    ctnn::detail::allocate_state(state, 0, 37, 0.0f);
    CHECK(bounded(sgd, state, 1.0));
    CHECK(bounded(ctnn::optim::sgd{.lr = 0.01}, ctnn::optim::parameter_state<float, 1>{}, 1e30));
    CHECK_FALSE(bounded(ctnn::optim::sgd{.lr = 1e39}, state, 1.0));
    CHECK_FALSE(bounded(sgd, state, std::numeric_limits<double>::infinity()));
    state.steps = 1;
    state.buffers[0](36) = 1e38f;  // μ·b alone is near float's largest
    CHECK_FALSE(bounded(sgd, state, 1.0));
}
