// The adaptive optimizers (adagrad, rmsprop, adam, adamw, nadam, adadelta) against torch.optim
// (float64 fixtures, tests/fixtures/generate_optimizers.py): every variant, 50 steps, each step's
// loss and weights; then their refusals, their state slots and the maximize identity.
#include <ctnn/ctnn.hpp>
#include <ctnn/optim/adadelta.hpp>
#include <ctnn/optim/adagrad.hpp>
#include <ctnn/optim/adam.hpp>
#include <ctnn/optim/adamw.hpp>
#include <ctnn/optim/nadam.hpp>
#include <ctnn/optim/rmsprop.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <tuple>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/fixture.hpp"
#include "support/load.hpp"
#include "support/update_bound.hpp"

namespace {
using net_t = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<3, ctnn::tanh>, ctnn::dense<2>>;
constexpr std::size_t steps = 50;
// The same float64 operations as PyTorch, in the same order; only FMA contraction and SIMD
// differ (measured: at most 8e-13 relative over the 50 steps of every variant).
constexpr double tolerance = 1e-10;

const ctnn_test::fixture& reference() {
    static const ctnn_test::fixture f("optimizers.txt");
    return f;
}

template <class Optimizer>
void check_variant(const std::string& name, const Optimizer& optimizer) {
    const auto& f = reference();
    net_t net;
    ctnn_test::load_weights(net, f);
    const auto x = f.tensor<double, 2>("x");
    const auto y = f.tensor<double, 2>("y");
    ctnn::trainer trainer{net, ctnn::loss::mse{}, optimizer};
    const auto& losses = f.values(name + ".loss");
    REQUIRE(losses.size() == steps);
    for (std::size_t k = 1; k <= steps; ++k) {
        INFO(name << ", step " << k);
        const auto step = trainer.train_step(x, y);
        CHECK(std::abs(step.loss - losses[k - 1]) <= tolerance * std::abs(losses[k - 1]));
        CHECK(ctnn_test::max_weight_error(net, f, name + ".", "." + std::to_string(k)) <= tolerance);
    }
}

/// MSE with its sign flipped: minimizing it is maximizing the MSE.
struct negated_mse {
    static constexpr std::string_view name = "negated_mse";

    template <class P, class Y>
    double value(const P& prediction, const Y& target) const {
        return -ctnn::loss::value(ctnn::loss::mse{}, prediction, target);
    }

    template <class P, class Y, class G>
    double value_and_gradient(const P& prediction, const Y& target, G& grad) const {
        const double loss = ctnn::loss::value_and_gradient(ctnn::loss::mse{}, prediction, target, grad);
        auto* g = grad.data();
        for (std::size_t i = 0; i < grad.size(); ++i) g[i] = -g[i];
        return -loss;
    }
};

/// `ascending` (maximize = true) on the MSE and `descending` (maximize = false) on −MSE, from the
/// fixture's start: the same weights after every step, to the last bit.
template <class Optimizer>
void check_maximize_is_minimizing_the_negation(Optimizer ascending) {
    const auto& f = reference();
    Optimizer descending = ascending;
    ascending.maximize = true;
    descending.maximize = false;
    net_t up, down;
    ctnn_test::load_weights(up, f);
    ctnn_test::load_weights(down, f);
    const auto x = f.tensor<double, 2>("x");
    const auto y = f.tensor<double, 2>("y");
    ctnn::trainer maximizing{up, ctnn::loss::mse{}, ascending};
    ctnn::trainer minimizing{down, negated_mse{}, descending};
    double first = 0.0, last = 0.0;
    for (std::size_t k = 1; k <= 20; ++k) {
        INFO(Optimizer::name << ", step " << k);
        const double gained = maximizing.train_step(x, y).loss;
        const double lost = minimizing.train_step(x, y).loss;
        REQUIRE(gained == -lost);
        (k == 1 ? first : last) = gained;
        REQUIRE((up.layer<0>().weight.value == down.layer<0>().weight.value));
        REQUIRE((up.layer<0>().bias.value == down.layer<0>().bias.value));
        REQUIRE((up.layer<1>().weight.value == down.layer<1>().weight.value));
        REQUIRE((up.layer<1>().bias.value == down.layer<1>().bias.value));
    }
    // and the loss went up: the identity is not two copies of a descent
    CHECK(last > first);
}

/// Runs prepare + update three times on a float parameter and checks that the buffers marked in
/// `used` (named `names`, PyTorch's state keys) are allocated by the first prepare and never
/// again, and the others stay empty.
template <class Optimizer, std::size_t K>
void check_state_buffers(const Optimizer& optimizer, std::array<std::string_view, K> names, std::array<bool, K> used) {
    CHECK(Optimizer::state_names == names);
    ctnn::parameter<float, 2> p;
    p.reshape(std::array<std::size_t, 2>{2, 3});
    p.value.fill(0.5f);
    ctnn::optim::state_of<Optimizer, float> state;
    STATIC_REQUIRE(decltype(state)::buffer_count == K);
    optimizer.prepare(p, state);
    std::array<const float*, K> storage{};
    for (std::size_t i = 0; i < K; ++i) {
        INFO("buffer " << names[i]);
        REQUIRE(state.buffers[i].size() == (used[i] ? 6u : 0u));
        storage[i] = state.buffers[i].data();
    }
    p.grad.fill(1.0f);
    for (int step = 0; step < 3; ++step) {
        optimizer.prepare(p, state);
        optimizer.update(p, state);
        p.grad.fill(0.5f - float(step));
    }
    CHECK(state.steps == 3);
    for (std::size_t i = 0; i < K; ++i) {
        INFO("buffer " << names[i]);
        CHECK(state.buffers[i].data() == storage[i]);
        CHECK(state.buffers[i].size() == (used[i] ? 6u : 0u));
    }
    // the weights moved, and stayed finite
    CHECK(p.value(0, 0) != 0.5f);
    CHECK(std::isfinite(p.value(1, 2)));
}
}  // namespace

// --- trajectories against torch.optim -------------------------------------------------------

TEST_CASE("adagrad: defaults", "[optim][adagrad]") { check_variant("adagrad", ctnn::optim::adagrad{.lr = 0.1}); }
TEST_CASE("adagrad: weight decay", "[optim][adagrad]") {
    check_variant("adagrad_weight_decay", ctnn::optim::adagrad{.lr = 0.1, .weight_decay = 0.1});
}
TEST_CASE("adagrad: maximize", "[optim][adagrad]") {
    check_variant("adagrad_maximize", ctnn::optim::adagrad{.lr = 0.05, .maximize = true});
}
TEST_CASE("adagrad: lr decay and initial accumulator", "[optim][adagrad]") {
    check_variant("adagrad_lr_decay",
                  ctnn::optim::adagrad{.lr = 0.1, .lr_decay = 0.05, .initial_accumulator_value = 0.5});
}
TEST_CASE("adagrad: every setting at once", "[optim][adagrad]") {
    check_variant("adagrad_all", ctnn::optim::adagrad{.lr = 0.05, .lr_decay = 0.01, .weight_decay = 0.05,
                                                      .initial_accumulator_value = 0.1, .eps = 1e-6,
                                                      .maximize = true});
}

TEST_CASE("rmsprop: defaults", "[optim][rmsprop]") { check_variant("rmsprop", ctnn::optim::rmsprop{}); }
TEST_CASE("rmsprop: weight decay", "[optim][rmsprop]") {
    check_variant("rmsprop_weight_decay", ctnn::optim::rmsprop{.weight_decay = 0.1});
}
TEST_CASE("rmsprop: maximize", "[optim][rmsprop]") {
    check_variant("rmsprop_maximize", ctnn::optim::rmsprop{.lr = 0.005, .maximize = true});
}
TEST_CASE("rmsprop: centered", "[optim][rmsprop]") {
    check_variant("rmsprop_centered", ctnn::optim::rmsprop{.centered = true});
}
TEST_CASE("rmsprop: momentum", "[optim][rmsprop]") {
    check_variant("rmsprop_momentum", ctnn::optim::rmsprop{.momentum = 0.9});
}
TEST_CASE("rmsprop: centered with momentum", "[optim][rmsprop]") {
    check_variant("rmsprop_centered_momentum", ctnn::optim::rmsprop{.momentum = 0.9, .centered = true});
}
TEST_CASE("rmsprop: every setting at once", "[optim][rmsprop]") {
    check_variant("rmsprop_all", ctnn::optim::rmsprop{.lr = 0.005, .alpha = 0.9, .eps = 1e-6,
                                                      .weight_decay = 0.05, .momentum = 0.5,
                                                      .centered = true, .maximize = true});
}

TEST_CASE("adam: defaults", "[optim][adam]") { check_variant("adam", ctnn::optim::adam{.lr = 0.05}); }
TEST_CASE("adam: weight decay is an L2 term in the gradient", "[optim][adam]") {
    check_variant("adam_weight_decay", ctnn::optim::adam{.lr = 0.05, .weight_decay = 0.1});
}
TEST_CASE("adam: maximize", "[optim][adam]") {
    check_variant("adam_maximize", ctnn::optim::adam{.lr = 0.02, .maximize = true});
}
TEST_CASE("adam: amsgrad", "[optim][adam]") {
    check_variant("adam_amsgrad", ctnn::optim::adam{.lr = 0.05, .amsgrad = true});
}
TEST_CASE("adam: every setting at once", "[optim][adam]") {
    check_variant("adam_all", ctnn::optim::adam{.lr = 0.02, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6,
                                                .weight_decay = 0.05, .amsgrad = true,
                                                .maximize = true});
}

TEST_CASE("adamw: default decoupled decay", "[optim][adamw]") {
    check_variant("adamw", ctnn::optim::adamw{.lr = 0.05});
}
TEST_CASE("adamw: strong decay", "[optim][adamw]") {
    check_variant("adamw_weight_decay", ctnn::optim::adamw{.lr = 0.05, .weight_decay = 0.5});
}
TEST_CASE("adamw: maximize", "[optim][adamw]") {
    check_variant("adamw_maximize", ctnn::optim::adamw{.lr = 0.02, .maximize = true});
}
TEST_CASE("adamw: amsgrad with other betas", "[optim][adamw]") {
    check_variant("adamw_amsgrad", ctnn::optim::adamw{.lr = 0.05, .beta1 = 0.8, .beta2 = 0.99,
                                                      .weight_decay = 0.2, .amsgrad = true});
}

TEST_CASE("nadam: defaults", "[optim][nadam]") { check_variant("nadam", ctnn::optim::nadam{.lr = 0.05}); }
TEST_CASE("nadam: weight decay", "[optim][nadam]") {
    check_variant("nadam_weight_decay", ctnn::optim::nadam{.lr = 0.05, .weight_decay = 0.1});
}
TEST_CASE("nadam: momentum decay", "[optim][nadam]") {
    check_variant("nadam_momentum_decay", ctnn::optim::nadam{.lr = 0.05, .momentum_decay = 0.1});
}
TEST_CASE("nadam: maximize follows torch minimizing the negated loss", "[optim][nadam]") {
    // torch 1.13's NAdam has no maximize; the fixture is NAdam minimizing −MSE.
    check_variant("nadam_maximize", ctnn::optim::nadam{.lr = 0.02, .beta1 = 0.8, .beta2 = 0.99,
                                                       .weight_decay = 0.05, .maximize = true});
}

TEST_CASE("adadelta: defaults", "[optim][adadelta]") { check_variant("adadelta", ctnn::optim::adadelta{}); }
TEST_CASE("adadelta: weight decay", "[optim][adadelta]") {
    check_variant("adadelta_weight_decay", ctnn::optim::adadelta{.weight_decay = 0.1});
}
TEST_CASE("adadelta: maximize", "[optim][adadelta]") {
    check_variant("adadelta_maximize", ctnn::optim::adadelta{.maximize = true});
}
TEST_CASE("adadelta: every setting at once", "[optim][adadelta]") {
    check_variant("adadelta_all",
                  ctnn::optim::adadelta{.lr = 5.0, .rho = 0.8, .eps = 1e-4, .weight_decay = 0.05});
}

// --- properties -----------------------------------------------------------------------------

TEST_CASE("adaptive optimizers: maximize on L is minimize on -L, step for step", "[optim]") {
    check_maximize_is_minimizing_the_negation(ctnn::optim::adagrad{.lr = 0.05, .weight_decay = 0.01});
    check_maximize_is_minimizing_the_negation(
        ctnn::optim::rmsprop{.lr = 0.005, .weight_decay = 0.01, .momentum = 0.5, .centered = true});
    check_maximize_is_minimizing_the_negation(
        ctnn::optim::adam{.lr = 0.02, .weight_decay = 0.01, .amsgrad = true});
    check_maximize_is_minimizing_the_negation(ctnn::optim::adamw{.lr = 0.02});
    check_maximize_is_minimizing_the_negation(ctnn::optim::nadam{.lr = 0.02, .weight_decay = 0.01});
    check_maximize_is_minimizing_the_negation(ctnn::optim::adadelta{.weight_decay = 0.01});
}

TEST_CASE("adam: eps is outside the root and not scaled by the bias correction", "[optim][adam]") {
    // First step from zero moments: m̂ = g and √v̂ = |g| exactly, so θ₁ = θ₀ − lr·g/(|g| + ε).
    // With g = ε the step is half of lr; eps under the root, or scaled by √bc₂, gives another.
    ctnn::parameter<double, 1> p;
    p.reshape(std::array<std::size_t, 1>{2});
    p.value = {1.0, -1.0};
    p.grad = {1e-8, -3e-8};
    const ctnn::optim::adam adam{.lr = 0.1, .eps = 1e-8};
    ctnn::optim::state_of<ctnn::optim::adam, double> state;
    adam.prepare(p, state);
    adam.update(p, state);
    CHECK(p.value(0) == Approx(1.0 - 0.1 * 1e-8 / (1e-8 + 1e-8)).epsilon(1e-12));
    CHECK(p.value(1) == Approx(-1.0 + 0.1 * 3e-8 / (3e-8 + 1e-8)).epsilon(1e-12));
}

TEST_CASE("adaptive optimizers model optimizer_policy", "[optim][concepts]") {
    STATIC_REQUIRE(ctnn::optimizer_policy<ctnn::optim::adagrad>);
    STATIC_REQUIRE(ctnn::optimizer_policy<ctnn::optim::rmsprop>);
    STATIC_REQUIRE(ctnn::optimizer_policy<ctnn::optim::adam>);
    STATIC_REQUIRE(ctnn::optimizer_policy<ctnn::optim::adamw>);
    STATIC_REQUIRE(ctnn::optimizer_policy<ctnn::optim::nadam>);
    STATIC_REQUIRE(ctnn::optimizer_policy<ctnn::optim::adadelta>);
}

TEST_CASE("adaptive optimizers: PyTorch's defaults", "[optim]") {
    constexpr ctnn::optim::adagrad adagrad{};
    STATIC_REQUIRE((adagrad.lr == 1e-2 && adagrad.lr_decay == 0 && adagrad.weight_decay == 0
                    && adagrad.initial_accumulator_value == 0 && adagrad.eps == 1e-10 && !adagrad.maximize));
    constexpr ctnn::optim::rmsprop rmsprop{};
    STATIC_REQUIRE((rmsprop.lr == 1e-2 && rmsprop.alpha == 0.99 && rmsprop.eps == 1e-8
                    && rmsprop.weight_decay == 0 && rmsprop.momentum == 0 && !rmsprop.centered
                    && !rmsprop.maximize));
    constexpr ctnn::optim::adam adam{};
    STATIC_REQUIRE((adam.lr == 1e-3 && adam.beta1 == 0.9 && adam.beta2 == 0.999 && adam.eps == 1e-8
                    && adam.weight_decay == 0 && !adam.amsgrad && !adam.maximize));
    constexpr ctnn::optim::adamw adamw{};
    STATIC_REQUIRE((adamw.lr == 1e-3 && adamw.beta1 == 0.9 && adamw.beta2 == 0.999 && adamw.eps == 1e-8
                    && adamw.weight_decay == 1e-2 && !adamw.amsgrad && !adamw.maximize));
    constexpr ctnn::optim::nadam nadam{};
    STATIC_REQUIRE((nadam.lr == 2e-3 && nadam.beta1 == 0.9 && nadam.beta2 == 0.999 && nadam.eps == 1e-8
                    && nadam.weight_decay == 0 && nadam.momentum_decay == 4e-3 && !nadam.maximize));
    constexpr ctnn::optim::adadelta adadelta{};
    STATIC_REQUIRE((adadelta.lr == 1.0 && adadelta.rho == 0.9 && adadelta.eps == 1e-6
                    && adadelta.weight_decay == 0 && !adadelta.maximize));
}

TEST_CASE("adaptive optimizers: invalid hyper-parameters are refused", "[optim][errors]") {
    using ctnn::invalid_argument;
    CHECK_THROWS_AS((ctnn::optim::adagrad{.lr = -1}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::adagrad{.lr_decay = -0.1}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::adagrad{.weight_decay = -0.1}.validate()), invalid_argument);
    CHECK_THROWS_WITH((ctnn::optim::adagrad{.initial_accumulator_value = -1}.validate()),
                      Catch::Contains("adagrad needs a finite initial_accumulator_value >= 0, got -1"));
    CHECK_THROWS_AS((ctnn::optim::adagrad{.eps = -1e-10}.validate()), invalid_argument);

    CHECK_THROWS_AS((ctnn::optim::rmsprop{.lr = -0.01}.validate()), invalid_argument);
    CHECK_THROWS_WITH((ctnn::optim::rmsprop{.alpha = 1.5}.validate()),
                      Catch::Contains("rmsprop needs 0 <= alpha <= 1, got 1.5"));
    CHECK_THROWS_AS((ctnn::optim::rmsprop{.alpha = -0.1}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::rmsprop{.eps = -1}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::rmsprop{.weight_decay = -1}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::rmsprop{.momentum = -0.9}.validate()), invalid_argument);

    CHECK_THROWS_WITH((ctnn::optim::adam{.beta1 = 1.0}.validate()),
                      Catch::Contains("adam needs 0 <= beta1 < 1, got 1"));
    CHECK_THROWS_AS((ctnn::optim::adam{.beta2 = -0.5}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::adam{.lr = -1e-3}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::adam{.eps = -1e-8}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::adam{.weight_decay = -1}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::adam{.lr = std::nan("")}.validate()), invalid_argument);
    CHECK_THROWS_WITH((ctnn::optim::adamw{.beta2 = 1.0}.validate()),
                      Catch::Contains("adamw needs 0 <= beta2 < 1, got 1"));
    CHECK_THROWS_AS((ctnn::optim::adamw{.weight_decay = -0.01}.validate()), invalid_argument);

    CHECK_THROWS_AS((ctnn::optim::nadam{.lr = -1}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::nadam{.beta1 = 1.2}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::nadam{.beta2 = 1.0}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::nadam{.eps = -1}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::nadam{.weight_decay = -1}.validate()), invalid_argument);
    CHECK_THROWS_WITH((ctnn::optim::nadam{.momentum_decay = -0.004}.validate()),
                      Catch::Contains("nadam needs a finite momentum_decay >= 0, got -0.004"));

    CHECK_THROWS_AS((ctnn::optim::adadelta{.lr = -1}.validate()), invalid_argument);
    CHECK_THROWS_WITH((ctnn::optim::adadelta{.rho = 1.1}.validate()),
                      Catch::Contains("adadelta needs 0 <= rho <= 1, got 1.1"));
    CHECK_THROWS_AS((ctnn::optim::adadelta{.eps = -1}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::adadelta{.weight_decay = -1}.validate()), invalid_argument);

    // the boundaries PyTorch accepts are accepted, but eps = 0, where a zero gradient makes the
    // step 0/0, and settings that are not finite
    CHECK_NOTHROW(ctnn::optim::adam{.lr = 0, .beta1 = 0, .beta2 = 0}.validate());
    const double inf = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH((ctnn::optim::adam{.eps = 0}.validate()), Catch::Contains("adam needs a finite eps > 0, got 0"));
    CHECK_THROWS_WITH((ctnn::optim::adamw{.lr = inf}.validate()), Catch::Contains("adamw needs a finite lr >= 0, got inf"));
    CHECK_THROWS_AS((ctnn::optim::rmsprop{.eps = 0}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::rmsprop{.momentum = inf}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::adagrad{.eps = 0}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::adagrad{.weight_decay = inf}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::adadelta{.eps = 0}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::nadam{.lr = std::nan("")}.validate()), invalid_argument);
    CHECK_THROWS_WITH((ctnn::optim::sgd{.lr = inf}.validate()), Catch::Contains("sgd needs a finite lr >= 0, got inf"));
    CHECK_THROWS_AS((ctnn::optim::sgd{.momentum = inf}.validate()), invalid_argument);
    CHECK_THROWS_AS((ctnn::optim::sgd{.weight_decay = inf}.validate()), invalid_argument);
    CHECK_NOTHROW(ctnn::optim::rmsprop{.alpha = 1}.validate());
    CHECK_NOTHROW(ctnn::optim::adadelta{.rho = 0}.validate());

    // and a trainer is never built with a refused optimizer
    net_t net;
    CHECK_THROWS_AS((ctnn::trainer{net, ctnn::loss::mse{}, ctnn::optim::adam{.beta1 = 1.0}}),
                    invalid_argument);
    CHECK_THROWS_AS((ctnn::trainer{net, ctnn::loss::mse{}, ctnn::optim::adadelta{.rho = 2.0}}),
                    invalid_argument);
}

TEST_CASE("adaptive optimizers: state buffers, named as PyTorch's state keys, are allocated once; unused ones stay "
          "empty", "[optim]") {
    using names1 = std::array<std::string_view, 1>;
    using names2 = std::array<std::string_view, 2>;
    using names3 = std::array<std::string_view, 3>;
    const names3 rmsprop_names{"square_avg", "grad_avg", "momentum_buffer"};
    const names3 adam_names{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
    SECTION("adagrad") { check_state_buffers(ctnn::optim::adagrad{}, names1{"sum"}, {true}); }
    SECTION("rmsprop") { check_state_buffers(ctnn::optim::rmsprop{}, rmsprop_names, {true, false, false}); }
    SECTION("rmsprop centered") {
        check_state_buffers(ctnn::optim::rmsprop{.centered = true}, rmsprop_names, {true, true, false});
    }
    SECTION("rmsprop momentum") {
        check_state_buffers(ctnn::optim::rmsprop{.momentum = 0.9}, rmsprop_names, {true, false, true});
    }
    SECTION("rmsprop centered momentum") {
        check_state_buffers(ctnn::optim::rmsprop{.momentum = 0.9, .centered = true}, rmsprop_names,
                            {true, true, true});
    }
    SECTION("adam") { check_state_buffers(ctnn::optim::adam{}, adam_names, {true, true, false}); }
    SECTION("adam amsgrad") { check_state_buffers(ctnn::optim::adam{.amsgrad = true}, adam_names, {true, true, true}); }
    SECTION("adamw") { check_state_buffers(ctnn::optim::adamw{}, adam_names, {true, true, false}); }
    SECTION("adamw amsgrad") {
        check_state_buffers(ctnn::optim::adamw{.amsgrad = true}, adam_names, {true, true, true});
    }
    SECTION("nadam") { check_state_buffers(ctnn::optim::nadam{}, names2{"exp_avg", "exp_avg_sq"}, {true, true}); }
    SECTION("adadelta") {
        check_state_buffers(ctnn::optim::adadelta{}, names2{"square_avg", "acc_delta"}, {true, true});
    }
}

TEST_CASE("adagrad: the accumulator starts at initial_accumulator_value", "[optim][adagrad]") {
    ctnn::parameter<double, 1> p;
    p.reshape(std::array<std::size_t, 1>{3});
    const ctnn::optim::adagrad adagrad{.initial_accumulator_value = 0.25};
    ctnn::optim::state_of<ctnn::optim::adagrad, double> state;
    adagrad.prepare(p, state);
    CHECK((state.buffers[0] == xt::xtensor<double, 1>{0.25, 0.25, 0.25}));
}

TEST_CASE("nadam: the mu product is kept in the parameter's state", "[optim][nadam]") {
    ctnn::parameter<double, 1> p;
    p.reshape(std::array<std::size_t, 1>{1});
    p.value = {0.0};
    p.grad = {1.0};
    const ctnn::optim::nadam nadam{};
    ctnn::optim::state_of<ctnn::optim::nadam, double> state;
    double expected = 1.0;
    for (int t = 1; t <= 3; ++t) {
        nadam.prepare(p, state);
        nadam.update(p, state);
        expected *= 0.9 * (1.0 - 0.5 * std::pow(0.96, t * 4e-3));
        CHECK(state.product == Approx(expected).epsilon(1e-15));
    }
    CHECK(state.steps == 3);
}

namespace {
// θ ← θ·d, s₀ ← s₀ + d: an element step to watch update_parameter's report with.
struct scale_step {
    template <class V>
    void operator()(V& theta, V d, std::array<V, 1>& s) const {
        theta = theta * d;
        s[0] = s[0] + d;
    }
};
}  // namespace

TEST_CASE("update_parameter reports whether what it wrote is finite, in any lane and in the tail",
          "[optim][errors]") {
    // 19 elements: a SIMD part and a scalar tail on every vector width.
    using written = ctnn::optim::parameter_state<float, 1>::written;
    const auto run = [](std::size_t at, float gradient, float state) {
        ctnn::parameter<float, 1> p{std::array<std::size_t, 1>{19}};
        p.value.fill(2.0f);
        p.grad.fill(3.0f);
        p.grad(at) = gradient;
        ctnn::optim::parameter_state<float, 1> s;
        s.buffers[0] = ctnn::tensor<float, 1>::from_shape({19});
        s.buffers[0].fill(1.0f);
        s.buffers[0](at) = state;
        ctnn::detail::update_parameter<1>(scale_step{}, p, s, {true}, 1.0f, 0.0f);
        return s.last_update;
    };
    const float huge = std::numeric_limits<float>::max(), nan = std::numeric_limits<float>::quiet_NaN();
    for (const std::size_t at : {std::size_t(0), std::size_t(5), std::size_t(18)}) {
        CAPTURE(at);
        CHECK(run(at, 3.0f, 1.0f) == written::finite);
        CHECK(run(at, huge, 1.0f) == written::non_finite);  // θ = 2·max overflows
        CHECK(run(at, 3.0f, nan) == written::non_finite);   // the state goes NaN, θ stays finite
        CHECK(run(at, 3.0f, -huge) == written::finite);     // −max + 3 is still finite
    }
}

TEST_CASE("adam, adamw: update_stays_finite is never wrong, and true for ordinary values", "[optim][adam][errors]") {
    STATIC_REQUIRE(ctnn::optimizer_bounds_its_update<ctnn::optim::adam>);
    STATIC_REQUIRE(ctnn::optimizer_bounds_its_update<ctnn::optim::adamw>);
    // m of either sign, v and v̂ >= 0 (now and then a negative v, as only a hand could write),
    // every magnitude from tiny to near float's largest; settings from ordinary to extreme
    const auto fill = [](auto& state, auto& random, auto signed_power) {
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        const double m_scale = unit(random) * 42 - 4, v_scale = unit(random) * 80 - 6;
        const bool negative_v = unit(random) < 0.05;
        for (std::size_t i = 0; i < state.buffers[0].size(); ++i) {
            state.buffers[0](i) = signed_power(m_scale - 2, m_scale);
            state.buffers[1](i) = std::abs(signed_power(v_scale - 2, v_scale));
            if (!std::isfinite(state.buffers[0](i))) state.buffers[0](i) = 0.5f;
            if (!std::isfinite(state.buffers[1](i))) state.buffers[1](i) = 0.25f;
        }
        if (negative_v) state.buffers[1](7) = -1e-3f;
        if (state.buffers[2].size() != 0) {
            state.buffers[2] = state.buffers[1];
            state.buffers[2](3) *= 2;
        }
        state.steps = std::int64_t(unit(random) * 4);
    };
    const auto settings = [](auto& random) {
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        const auto sometimes_extreme = [&](double ordinary, double lo, double hi) {
            return unit(random) < 0.5 ? ordinary : std::pow(10.0, lo + (hi - lo) * unit(random));
        };
        return std::tuple{sometimes_extreme(1e-3, -6, 40), sometimes_extreme(1e-8, -50, 2), unit(random) < 0.5 ? 0.9 : unit(random),
                          unit(random) < 0.5 ? 0.999 : unit(random), sometimes_extreme(0.0, -4, 3), unit(random) < 0.3,
                          unit(random) < 0.3};
    };
    SECTION("adam") {
        const auto counts = ctnn_test::check_update_bound(
            [&](auto& random) {
                const auto [lr, eps, beta1, beta2, decay, amsgrad, maximize] = settings(random);
                return ctnn::optim::adam{.lr = lr, .beta1 = beta1, .beta2 = beta2, .eps = eps, .weight_decay = decay,
                                         .amsgrad = amsgrad, .maximize = maximize};
            },
            fill, 4000, 41);
        CHECK(counts.called_finite > counts.trials / 20);
        CHECK(counts.recorded > counts.trials / 20);
    }
    SECTION("adamw") {
        const auto counts = ctnn_test::check_update_bound(
            [&](auto& random) {
                const auto [lr, eps, beta1, beta2, decay, amsgrad, maximize] = settings(random);
                return ctnn::optim::adamw{.lr = lr, .beta1 = beta1, .beta2 = beta2, .eps = eps,
                                          .weight_decay = decay, .amsgrad = amsgrad, .maximize = maximize};
            },
            fill, 4000, 42);
        CHECK(counts.called_finite > counts.trials / 20);
        CHECK(counts.recorded > counts.trials / 20);
    }
    SECTION("ordinary values are called finite; each reason for doubt is caught") {
        ctnn::parameter<float, 1> p(std::array<std::size_t, 1>{37});
        p.value.fill(0.5f);
        const ctnn::optim::adam adam{};
        ctnn::optim::parameter_state<float, 3> state;
        const auto bounded = [&](const auto& optimizer, double gradient_bound) {
            return optimizer.update_stays_finite(p, state, ctnn::detail::read_largest_values(p, state, 0, 37),
                                                 gradient_bound);
        };
        CHECK_FALSE(bounded(adam, 1.0));  // not prepared: nothing to bound
        adam.prepare(p, state);
        CHECK(bounded(adam, 1.0));
        CHECK(bounded(adam, 1e18));  // ε = 1e-8 bounds the step by lr·|m|/ε
        CHECK_FALSE(bounded(adam, 1e35));
        CHECK_FALSE(bounded(adam, std::numeric_limits<double>::infinity()));
        CHECK_FALSE(bounded(adam, std::numeric_limits<double>::quiet_NaN()));
        CHECK_FALSE(bounded(ctnn::optim::adam{.lr = 1e39}, 1.0));  // inf as a float
        CHECK_FALSE(bounded(ctnn::optim::adam{.eps = 1e-50}, 1.0));  // 0 as a float
        p.value(36) = 3e38f;
        CHECK_FALSE(bounded(adam, 1.0));
        p.value(36) = std::numeric_limits<float>::quiet_NaN();
        CHECK_FALSE(bounded(adam, 1.0));
        p.value(36) = 0.5f;
        state.buffers[1](36) = -0.0f;  // a root of a negative v would be NaN: −0 counts as negative
        CHECK_FALSE(bounded(adam, 1.0));
        state.buffers[1](36) = 0.0f;
        state.buffers[0](0) = 1e37f;
        CHECK_FALSE(bounded(adam, 1.0));
    }
}

// The bounds of the other adaptive optimizers, against their updates on random values, states,
// gradients and settings spanning float's range (tests/support/update_bound.hpp).
namespace {

// A setting: half the time its ordinary value, else 10^[lo, hi).
double sometimes_extreme(std::mt19937_64& random, double ordinary, double lo, double hi) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    return unit(random) < 0.5 ? ordinary : std::pow(10.0, lo + (hi - lo) * unit(random));
}

// Buffer k at magnitudes ~10^[scale − 2, scale): of either sign, or >= 0 (now and then one
// negative element, as only a hand could write).
template <class State, class SignedPower>
void fill_buffer(State& state, std::size_t k, bool signed_values, std::mt19937_64& random, SignedPower signed_power) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    if (state.buffers[k].size() == 0) return;
    const double scale = unit(random) * 80 - 6;
    for (std::size_t i = 0; i < state.buffers[k].size(); ++i) {
        const float v = signed_power(scale - 2, scale);
        state.buffers[k](i) = !std::isfinite(v) ? 0.25f : signed_values ? v : std::abs(v);
    }
    if (!signed_values && unit(random) < 0.05) state.buffers[k](7) = -1e-3f;
}

}  // namespace

TEST_CASE("rmsprop, adagrad, adadelta, nadam: update_stays_finite is never wrong, and true for ordinary values",
          "[optim][errors]") {
    STATIC_REQUIRE(ctnn::optimizer_bounds_its_update<ctnn::optim::rmsprop>);
    STATIC_REQUIRE(ctnn::optimizer_bounds_its_update<ctnn::optim::adagrad>);
    STATIC_REQUIRE(ctnn::optimizer_bounds_its_update<ctnn::optim::adadelta>);
    STATIC_REQUIRE(ctnn::optimizer_bounds_its_update<ctnn::optim::nadam>);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const auto steps = [&](auto& state, auto& random) { state.steps = std::int64_t(unit(random) * 4); };
    SECTION("rmsprop") {
        const auto counts = ctnn_test::check_update_bound(
            [&](auto& random) {
                return ctnn::optim::rmsprop{.lr = sometimes_extreme(random, 0.01, -6, 40),
                                            .alpha = unit(random) < 0.5 ? 0.99 : unit(random),
                                            .eps = sometimes_extreme(random, 1e-8, -50, 2),
                                            .weight_decay = sometimes_extreme(random, 0.0, -4, 3),
                                            .momentum = unit(random) < 0.5 ? 0.0 : sometimes_extreme(random, 0.9, -3, 2),
                                            .centered = unit(random) < 0.2,
                                            .maximize = unit(random) < 0.3};
            },
            [&](auto& state, auto& random, auto signed_power) {
                fill_buffer(state, 0, false, random, signed_power);
                fill_buffer(state, 1, true, random, signed_power);
                fill_buffer(state, 2, true, random, signed_power);
                steps(state, random);
            },
            4000, 43);
        CHECK(counts.called_finite > counts.trials / 20);
        CHECK(counts.recorded > counts.trials / 20);
    }
    SECTION("adagrad") {
        const auto counts = ctnn_test::check_update_bound(
            [&](auto& random) {
                return ctnn::optim::adagrad{.lr = sometimes_extreme(random, 0.01, -6, 40),
                                            .lr_decay = sometimes_extreme(random, 0.0, -4, 2),
                                            .weight_decay = sometimes_extreme(random, 0.0, -4, 3),
                                            .initial_accumulator_value = sometimes_extreme(random, 0.0, -4, 3),
                                            .eps = sometimes_extreme(random, 1e-10, -50, 2),
                                            .maximize = unit(random) < 0.3};
            },
            [&](auto& state, auto& random, auto signed_power) {
                fill_buffer(state, 0, false, random, signed_power);
                steps(state, random);
            },
            4000, 44);
        CHECK(counts.called_finite > counts.trials / 20);
        CHECK(counts.recorded > counts.trials / 20);
    }
    SECTION("adadelta") {
        const auto counts = ctnn_test::check_update_bound(
            [&](auto& random) {
                return ctnn::optim::adadelta{.lr = sometimes_extreme(random, 1.0, -6, 40),
                                             .rho = unit(random) < 0.5 ? 0.9 : unit(random),
                                             .eps = sometimes_extreme(random, 1e-6, -50, 2),
                                             .weight_decay = sometimes_extreme(random, 0.0, -4, 3),
                                             .maximize = unit(random) < 0.3};
            },
            [&](auto& state, auto& random, auto signed_power) {
                fill_buffer(state, 0, false, random, signed_power);
                fill_buffer(state, 1, false, random, signed_power);
                steps(state, random);
            },
            4000, 45);
        CHECK(counts.called_finite > counts.trials / 20);
        CHECK(counts.recorded > counts.trials / 20);
    }
    SECTION("nadam") {
        const auto counts = ctnn_test::check_update_bound(
            [&](auto& random) {
                return ctnn::optim::nadam{.lr = sometimes_extreme(random, 2e-3, -6, 40),
                                          .beta1 = unit(random) < 0.5 ? 0.9 : unit(random),
                                          .beta2 = unit(random) < 0.5 ? 0.999 : unit(random),
                                          .eps = sometimes_extreme(random, 1e-8, -50, 2),
                                          .weight_decay = sometimes_extreme(random, 0.0, -4, 3),
                                          .momentum_decay = sometimes_extreme(random, 4e-3, -4, 2),
                                          .maximize = unit(random) < 0.3};
            },
            [&](auto& state, auto& random, auto signed_power) {
                fill_buffer(state, 0, true, random, signed_power);
                fill_buffer(state, 1, false, random, signed_power);
                steps(state, random);
                state.product = unit(random) < 0.5 ? 1.0 : unit(random);
            },
            4000, 46);
        CHECK(counts.called_finite > counts.trials / 20);
        CHECK(counts.recorded > counts.trials / 20);
    }
    SECTION("ordinary values are called finite; each reason for doubt is caught") {
        ctnn::parameter<float, 1> p(std::array<std::size_t, 1>{37});
        p.value.fill(0.5f);
        const auto bounded = [&](const auto& optimizer, const auto& state, double gradient_bound) {
            return optimizer.update_stays_finite(p, state, ctnn::detail::read_largest_values(p, state, 0, 37),
                                                 gradient_bound);
        };
        const auto check_doubts = [&](const auto& optimizer, auto& state, std::size_t non_negative_buffer) {
            CHECK_FALSE(bounded(optimizer, state, 1.0));  // not prepared: nothing to bound
            optimizer.prepare(p, state);
            CHECK(bounded(optimizer, state, 1.0));
            CHECK(bounded(optimizer, state, 1e3));
            CHECK_FALSE(bounded(optimizer, state, 1e35));
            CHECK_FALSE(bounded(optimizer, state, std::numeric_limits<double>::infinity()));
            CHECK_FALSE(bounded(optimizer, state, std::numeric_limits<double>::quiet_NaN()));
            p.value(36) = std::numeric_limits<float>::quiet_NaN();
            CHECK_FALSE(bounded(optimizer, state, 1.0));
            p.value(36) = 3e38f;
            CHECK_FALSE(bounded(optimizer, state, 1.0));
            p.value(36) = 0.5f;
            state.buffers[non_negative_buffer](36) = -0.0f;  // −0 counts as negative
            CHECK_FALSE(bounded(optimizer, state, 1.0));
            state.buffers[non_negative_buffer](36) = std::numeric_limits<float>::infinity();
            CHECK_FALSE(bounded(optimizer, state, 1.0));
            state.buffers[non_negative_buffer](36) = 0.0f;
            CHECK(bounded(optimizer, state, 1.0));
        };
        SECTION("rmsprop") {
            ctnn::optim::parameter_state<float, 3> state;
            check_doubts(ctnn::optim::rmsprop{.momentum = 0.9}, state, 0);
            CHECK_FALSE(bounded(ctnn::optim::rmsprop{.lr = 1e39, .momentum = 0.9}, state, 1.0));  // inf as a float
            CHECK_FALSE(bounded(ctnn::optim::rmsprop{.eps = 1e-50, .momentum = 0.9}, state, 1.0));  // 0 as a float
            // centered: v − ḡ² can round below zero, whatever the maxima say
            CHECK_FALSE(bounded(ctnn::optim::rmsprop{.momentum = 0.9, .centered = true}, state, 1.0));
            CHECK_FALSE(ctnn::optim::rmsprop{.centered = true}.can_bound_update());  // the trainer reads nothing
            CHECK(ctnn::optim::rmsprop{}.can_bound_update());
        }
        SECTION("adagrad") {
            ctnn::optim::parameter_state<float, 1> state;
            check_doubts(ctnn::optim::adagrad{}, state, 0);
            CHECK_FALSE(bounded(ctnn::optim::adagrad{.eps = 1e-50}, state, 1.0));
        }
        SECTION("adadelta") {
            ctnn::optim::parameter_state<float, 2> state;
            check_doubts(ctnn::optim::adadelta{}, state, 1);
            CHECK_FALSE(bounded(ctnn::optim::adadelta{.lr = 1e39}, state, 1.0));
        }
        SECTION("nadam") {
            ctnn::optim::parameter_state<float, 2> state;
            check_doubts(ctnn::optim::nadam{}, state, 1);
            state.buffers[0](0) = 1e37f;  // m: the momentum term's numerator
            CHECK_FALSE(bounded(ctnn::optim::nadam{}, state, 1.0));
            state.buffers[0](0) = 0.0f;
            ctnn::optim::parameter_state<float, 2> nan_product = state;
            nan_product.product = std::numeric_limits<double>::quiet_NaN();
            CHECK_FALSE(bounded(ctnn::optim::nadam{}, nan_product, 1.0));
        }
    }
}
