// monitor::none and monitor::gradient_health inside the trainer, and non_finite_action::rollback:
// each event fires on a network built to show it and not on a healthy one; rollback restores the
// weights and optimizer state bit for bit; the history is written as CSV.
#include <ctnn/ctnn.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "user_defined.hpp"

namespace {
using ctnn::monitor::event_kind;
using ctnn::monitor::gradient_health;

template <class T>
using healthy_net = ctnn::basic_network<T, ctnn::input<4>, ctnn::dense<16, ctnn::relu>,
                                        ctnn::dense<16, ctnn::tanh>, ctnn::dense<1>>;

/// y = sin(x0) + x1·x2 − 0.5·x3 on x ~ U(−1, 1): a smooth problem a small net learns.
template <class T>
std::pair<ctnn::tensor<T, 2>, ctnn::tensor<T, 2>> smooth_data(std::size_t rows, std::uint64_t seed) {
    ctnn::rng r(seed);
    auto x = r.uniform_tensor<T>(rows, 4, -1.0, 1.0);
    auto y = ctnn::tensor<T, 2>::from_shape({rows, 1});
    for (std::size_t i = 0; i < rows; ++i)
        y(i, 0) = T(std::sin(x(i, 0)) + x(i, 1) * x(i, 2) - 0.5 * x(i, 3));
    return {x, y};
}

template <class Net>
auto monitored(Net& net, ctnn::optim::sgd optimizer = {.lr = 0.05}, gradient_health monitor = {}) {
    return ctnn::trainer{net, ctnn::loss::mse{}, optimizer, ctnn::clip::none{}, ctnn::schedule::constant{},
                         ctnn::regularize::none{}, monitor};
}

/// A CSV line's cells, an empty last one included (no quoted commas).
std::vector<std::string> csv_cells(const std::string& line) {
    std::vector<std::string> cells(1);
    for (const char c : line) {
        if (c == ',')
            cells.emplace_back();
        else
            cells.back() += c;
    }
    return cells;
}

template <class Monitor>
std::vector<const ctnn::monitor::health_event*> events_of(const Monitor& m, event_kind kind) {
    std::vector<const ctnn::monitor::health_event*> found;
    for (const auto& e : m.events())
        if (e.kind == kind) found.push_back(&e);
    return found;
}

/// Everything rollback must restore, copied out of a network's parameters and its trainer's
/// optimizer state.
template <class T>
struct training_state {
    std::vector<std::vector<T>> values;
    std::vector<std::vector<std::vector<T>>> buffers;
    std::vector<std::int64_t> steps;
    std::vector<double> products;
};

template <class Net, class Trainer>
auto state_of(Net& net, const Trainer& trainer) {
    training_state<typename Net::scalar> s;
    net.for_each_parameter([&](auto& p) { s.values.emplace_back(p.value.begin(), p.value.end()); });
    for (const auto& state : trainer.optimizer_state()) {
        std::vector<std::vector<typename Net::scalar>> buffers;
        for (const auto& b : state.buffers) buffers.emplace_back(b.begin(), b.end());
        s.buffers.push_back(buffers);
        s.steps.push_back(state.steps);
        s.products.push_back(state.product);
    }
    return s;
}

template <class T>
bool bit_identical(const training_state<T>& a, const training_state<T>& b) {
    if (a.values.size() != b.values.size() || a.buffers != b.buffers || a.steps != b.steps || a.products != b.products)
        return false;
    for (std::size_t i = 0; i < a.values.size(); ++i) {
        if (a.values[i].size() != b.values[i].size()) return false;
        // bits, not values (NaN ≠ NaN, 0 = −0)
        if (std::memcmp(a.values[i].data(), b.values[i].data(), a.values[i].size() * sizeof(T)) != 0) return false;
    }
    return true;
}
}  // namespace

TEST_CASE("monitor: the shipped monitors model monitor_policy, near misses do not", "[monitor][concepts]") {
    STATIC_REQUIRE(ctnn::monitor_policy<ctnn::monitor::none>);
    STATIC_REQUIRE(ctnn::monitor_policy<gradient_health>);
    STATIC_REQUIRE_FALSE(ctnn::monitor_policy<int>);
    STATIC_REQUIRE_FALSE(ctnn::monitor_policy<ctnn::clip::none>);
    STATIC_REQUIRE(std::is_empty_v<ctnn::monitor::none>);
    // The default trainer is the one with monitor::none; CTAD picks the monitor up.
    using net = healthy_net<float>;
    STATIC_REQUIRE(std::is_same_v<ctnn::trainer<net>,
                                  ctnn::trainer<net, ctnn::loss::mse, ctnn::optim::sgd, ctnn::clip::none,
                                                ctnn::schedule::constant, ctnn::regularize::none,
                                                ctnn::monitor::none>>);
    net model;
    auto t = monitored(model);
    STATIC_REQUIRE(std::is_same_v<decltype(t)::monitor_type, gradient_health>);
}

TEST_CASE("monitor: watching changes nothing: gradient_health trains to the same bits as monitor::none",
          "[monitor]") {
    const auto [x, y] = smooth_data<float>(96, 1);
    healthy_net<float> plain(5), watched(5);
    ctnn::trainer a{plain, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}, ctnn::clip::by_global_norm{.max_norm = 0.5}};
    ctnn::trainer b{watched, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}, ctnn::clip::by_global_norm{.max_norm = 0.5},
                    ctnn::schedule::constant{}, ctnn::regularize::none{}, gradient_health{}};
    const auto ra = a.fit(x, y, {.epochs = 5, .batch_size = 16, .seed = 3});
    const auto rb = b.fit(x, y, {.epochs = 5, .batch_size = 16, .seed = 3});
    CHECK(ra.epoch_losses == rb.epoch_losses);
    CHECK(bit_identical(state_of(plain, a), state_of(watched, b)));
    CHECK(b.monitor().history().size() == rb.steps);
}

TEST_CASE("monitor: a healthy small network raises no event", "[monitor][events]") {
    const auto [x, y] = smooth_data<double>(256, 2);
    healthy_net<double> net(7);
    auto trainer = monitored(net, {.lr = 0.05, .momentum = 0.9});
    const auto result = trainer.fit(x, y, {.epochs = 40, .batch_size = 32, .seed = 1});
    INFO(trainer.monitor().report());
    CHECK(result.epoch_losses.back() < 0.25 * result.epoch_losses.front());  // it did learn
    CHECK(trainer.monitor().events().empty());
    const auto& history = trainer.monitor().history();
    REQUIRE(history.size() == result.steps);
    for (const auto& s : history) {
        REQUIRE(s.applied);
        REQUIRE(s.layers.size() == 3);
        REQUIRE(std::isfinite(s.gradient_norm));
        REQUIRE(s.backprop_ratio > 1e-3);
        for (const auto& h : s.layers) {
            REQUIRE(h.gradient_norm >= 0.0);
            REQUIRE(h.update_ratio > 0.0);
            REQUIRE(h.update_ratio < 1.0);
        }
        REQUIRE(s.layers[0].dead_fraction < 0.5);
        REQUIRE(s.layers[1].saturated_fraction < 0.5);
        REQUIRE(std::isnan(s.layers[2].dead_fraction));  // identity: not a ReLU layer
    }
}

TEST_CASE("monitor: the measures are what they say", "[monitor]") {
    using net_t = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<8, ctnn::relu>, ctnn::dense<1>>;
    const auto [x, y] = smooth_data<double>(16, 3);
    net_t net(2);
    const double lr = 0.1;
    auto trainer = monitored(net, {.lr = lr});
    const auto prediction = net.predict(x);
    const double loss = trainer.train_step(x, y).loss;
    const auto& s = trainer.monitor().last();
    // The last layer is linear: ∂L/∂z = ∂L/∂ŷ = 2(ŷ − y)/N for the MSE.
    double squares = 0.0;
    for (std::size_t i = 0; i < 16; ++i) squares += std::pow(2.0 * (prediction(i, 0) - y(i, 0)) / 16.0, 2);
    CHECK(s.layers[1].backprop_norm == Approx(std::sqrt(squares)).epsilon(1e-12));
    CHECK(s.loss == Approx(loss).epsilon(1e-15));
    // Plain SGD moves θ by lr·g exactly: ‖Δθ‖/‖θ‖ = lr·‖g‖/‖θ‖ (the grads are still this step's).
    for (std::size_t l = 0; l < 2; ++l) {
        const auto& h = s.layers[l];
        CHECK(h.update_ratio == Approx(lr * h.gradient_norm / h.weight_norm).epsilon(1e-9));
    }
    double g0 = 0.0;
    net.layer<0>().for_each_parameter([&](auto& p) { g0 += xt::sum(p.grad * p.grad)(); });
    CHECK(s.layers[0].gradient_norm == Approx(std::sqrt(g0)).epsilon(1e-12));
    CHECK(s.gradient_norm == Approx(trainer.last_step().gradient_norm).epsilon(1e-12));
    CHECK(s.gradient_ratio == Approx(s.layers[0].gradient_norm / s.layers[1].gradient_norm).epsilon(1e-12));
    CHECK(s.layers[0].parameters == 40);
}

TEST_CASE("monitor: huge weights make the gradients explode; the event names the step and the layers",
          "[monitor][events]") {
    using net_t = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<16, ctnn::tanh>, ctnn::dense<16>, ctnn::dense<1>>;
    const auto [x, y] = smooth_data<double>(32, 4);
    net_t net(3);
    auto trainer = monitored(net, {.lr = 0.01});
    for (int i = 0; i < 10; ++i) trainer.train_step(x, y);
    CHECK(trainer.monitor().events().empty());
    net.layer<1>().weight.value *= 1000.0;
    trainer.train_step(x, y);  // step 10
    const auto explosions = events_of(trainer.monitor(), event_kind::explosion);
    REQUIRE(explosions.size() == 3);
    for (std::size_t l = 0; l < 3; ++l) {
        CHECK(explosions[l]->step == 10);
        CHECK(explosions[l]->layer == l);
        CHECK(explosions[l]->layer_kind == "dense");
        CHECK(explosions[l]->value > 100.0);
    }
    CHECK_THAT(trainer.monitor().report(), Catch::Contains("step 10: explosion at layer 0 (dense)"));
}

TEST_CASE("monitor: a layer whose first gradients are 0 (a zero-initialised layer above) is still watched",
          "[monitor][events]") {
    // at the first step every layer below the zero output layer gets a gradient of exactly 0: a
    // running average seeded with it stayed 0, and no explosion there was ever reported
    using net_t = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<16, ctnn::tanh>,
                                      ctnn::dense<1, ctnn::identity, ctnn::init::zeros>>;
    const auto [x, y] = smooth_data<double>(32, 4);
    net_t net(5);
    auto trainer = monitored(net, {.lr = 0.01});
    for (int i = 0; i < 20; ++i) trainer.train_step(x, y);
    CHECK(events_of(trainer.monitor(), event_kind::explosion).empty());
    ctnn::tensor<double, 2> far = y * 1e4;
    trainer.train_step(x, far);  // step 20
    const auto explosions = events_of(trainer.monitor(), event_kind::explosion);
    REQUIRE(explosions.size() == 2);
    CHECK(explosions[0]->layer == 0);
    CHECK(explosions[1]->layer == 1);
    CHECK(explosions[0]->step == 20);
}

TEST_CASE("monitor: an update that would make the weights non-finite is reported at its layer, and not applied",
          "[monitor][events]") {
    // float weights, finite gradients, a rate of 1e39: w − lr·g overflows to infinity
    healthy_net<float> net(2);
    const auto [x, y] = smooth_data<float>(16, 3);
    auto trainer = monitored(net, {.lr = 1e39});
    const auto before = net.layer<0>().weight.value;
    const auto& step = trainer.train_step(x, y, ctnn::non_finite_action::skip_step);
    CHECK_FALSE(step.applied);
    CHECK((net.layer<0>().weight.value == before));
    const auto events = events_of(trainer.monitor(), event_kind::non_finite);
    REQUIRE(events.size() == 1);
    CHECK(events[0]->layer == 0);
    CHECK_THAT(events[0]->message, Catch::StartsWith("step 0: non-finite update at layer 0 (dense): the gradients "
                                                     "are finite (norm ")
                                       && Catch::Contains("the weights they would give are not"));
    CHECK_FALSE(trainer.monitor().history().back().applied);
}

TEST_CASE("monitor: no explosion event during the warm-up", "[monitor][events]") {
    using net_t = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<8, ctnn::tanh>, ctnn::dense<1>>;
    const auto [x, y] = smooth_data<double>(32, 4);
    net_t net(3);
    auto trainer = monitored(net, {.lr = 0.01}, gradient_health{.warmup_steps = 5});
    trainer.train_step(x, y);
    net.layer<0>().weight.value *= 1000.0;
    trainer.train_step(x, y);
    CHECK(events_of(trainer.monitor(), event_kind::explosion).empty());
}

TEST_CASE("monitor: a deep sigmoid network's gradient vanishes; a ReLU one with Kaiming init does not",
          "[monitor][events]") {
    ctnn::rng r(5);
    const auto x = r.normal_tensor<double>(32, 16);
    const auto y = r.normal_tensor<double>(32, 1);
    using sig = ctnn::dense<16, ctnn::sigmoid>;
    ctnn::basic_network<double, ctnn::input<16>, sig, sig, sig, sig, sig, sig, sig, sig, ctnn::dense<1>> deep(1);
    auto trainer = monitored(deep);
    trainer.train_step(x, y);
    const auto vanishing = events_of(trainer.monitor(), event_kind::vanishing);
    REQUIRE(vanishing.size() == 1);
    CHECK(vanishing[0]->step == 0);
    CHECK(vanishing[0]->layer == 0);
    CHECK(vanishing[0]->value < 1e-3);
    CHECK(vanishing[0]->value == trainer.monitor().last().backprop_ratio);
    trainer.train_step(x, y);  // still vanishing: no second event
    CHECK(events_of(trainer.monitor(), event_kind::vanishing).size() == 1);

    using rel = ctnn::dense<16, ctnn::relu, ctnn::init::kaiming_uniform<>>;
    ctnn::basic_network<double, ctnn::input<16>, rel, rel, rel, rel, rel, rel, rel, rel, ctnn::dense<1>> relu_net(1);
    auto relu_trainer = monitored(relu_net);
    relu_trainer.train_step(x, y);
    CHECK(relu_trainer.monitor().last().backprop_ratio > 1e-2);
    CHECK(events_of(relu_trainer.monitor(), event_kind::vanishing).empty());
}

TEST_CASE("monitor: ReLU units with very negative biases are dead", "[monitor][events]") {
    using net_t = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<16, ctnn::relu>, ctnn::dense<1>>;
    const auto [x, y] = smooth_data<double>(32, 6);
    net_t net(4);
    auto trainer = monitored(net);
    trainer.train_step(x, y);
    CHECK(events_of(trainer.monitor(), event_kind::dead).empty());
    net.layer<0>().bias.value.fill(-100.0);
    trainer.train_step(x, y);
    const auto dead = events_of(trainer.monitor(), event_kind::dead);
    REQUIRE(dead.size() == 1);
    CHECK(dead[0]->step == 1);
    CHECK(dead[0]->layer == 0);
    CHECK(dead[0]->value == 1.0);
    CHECK(trainer.monitor().last().layers[0].dead_fraction == 1.0);
    CHECK(trainer.monitor().last().layers[0].gradient_norm == 0.0);  // dead units learn nothing
}

TEST_CASE("monitor: tanh and sigmoid units with huge weights are saturated", "[monitor][events]") {
    const auto [x, y] = smooth_data<double>(32, 7);
    ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<16, ctnn::relu>, ctnn::dense<16, ctnn::tanh>,
                        ctnn::dense<16, ctnn::sigmoid>, ctnn::dense<1>>
        net(6);
    auto trainer = monitored(net);
    trainer.train_step(x, y);
    CHECK(events_of(trainer.monitor(), event_kind::saturated).empty());
    net.layer<1>().weight.value *= 100.0;
    net.layer<2>().weight.value *= 100.0;
    trainer.train_step(x, y);
    const auto saturated = events_of(trainer.monitor(), event_kind::saturated);
    REQUIRE(saturated.size() == 2);
    CHECK(saturated[0]->layer == 1);
    CHECK(saturated[1]->layer == 2);
    for (const auto* e : saturated) {
        CHECK(e->step == 1);
        CHECK(e->value > 0.5);
    }
}

TEST_CASE("monitor: a NaN in the data is reported at the layer it enters; an infinite bias at its layer",
          "[monitor][events]") {
    using net_t = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<8, ctnn::relu>,
                                      ctnn::dense<8, ctnn::relu>, ctnn::dense<1>>;
    auto [x, y] = smooth_data<double>(16, 8);
    SECTION("NaN in x: layer 0, and the trainer's message says so") {
        net_t net(1);
        auto trainer = monitored(net);
        trainer.train_step(x, y);
        x(3, 1) = std::numeric_limits<double>::quiet_NaN();
        const auto before = state_of(net, trainer);
        CHECK_THROWS_WITH(trainer.train_step(x, y),
                          Catch::Contains("non-finite training step 1")
                              && Catch::Contains("monitor: step 1: non-finite at layer 0 (dense)"));
        CHECK(bit_identical(before, state_of(net, trainer)));
        const auto events = events_of(trainer.monitor(), event_kind::non_finite);
        REQUIRE(events.size() == 1);
        CHECK(events[0]->layer == 0);
        CHECK(events[0]->step == 1);
        CHECK_FALSE(trainer.monitor().last().applied);
        // skipped, the event names the value as the thrown message does
        const auto skipped = trainer.train_step(x, y, ctnn::non_finite_action::skip_step);
        CHECK(skipped.non_finite_data == "x is nan at row 3, column 1");
        const auto again = events_of(trainer.monitor(), event_kind::non_finite);
        REQUIRE(again.size() == 2);
        CHECK_THAT(again[1]->message, Catch::StartsWith("step 2: non-finite at layer 0 (dense)")
                                          && Catch::EndsWith("; x is nan at row 3, column 1"));
    }
    SECTION("an infinite bias in layer 1: layer 1") {
        net_t net(1);
        auto trainer = monitored(net);
        net.layer<1>().bias.value(0) = std::numeric_limits<double>::infinity();
        const auto report = trainer.train_step(x, y, ctnn::non_finite_action::skip_step);
        CHECK_FALSE(report.applied);
        CHECK(report.non_finite_data.empty());  // the data is finite
        const auto events = events_of(trainer.monitor(), event_kind::non_finite);
        REQUIRE(events.size() == 1);
        CHECK(events[0]->layer == 1);
        CHECK_THAT(events[0]->message, !Catch::Contains(" at row "));
    }
    SECTION("a NaN target: the loss, after finite outputs") {
        net_t net(1);
        auto trainer = monitored(net);
        y(0, 0) = std::numeric_limits<double>::quiet_NaN();
        trainer.train_step(x, y, ctnn::non_finite_action::skip_step);
        REQUIRE(trainer.monitor().count(event_kind::non_finite) == 1);
        CHECK_THAT(trainer.monitor().report(), Catch::Contains("every layer's output is finite")
                                                   && Catch::EndsWith("; y is nan at row 0, column 0"));
    }
}

TEMPLATE_TEST_CASE("rollback: a non-finite step restores the weights and optimizer state bit for bit and halves lr",
                   "[monitor][rollback]", ctnn::optim::adam, ctnn::optim::nadam, ctnn::optim::sgd) {
    using net_t = healthy_net<float>;
    auto [x, y] = smooth_data<float>(32, 9);
    net_t net(2);
    TestType optimizer{};
    optimizer.lr = 0.01;
    if constexpr (std::is_same_v<TestType, ctnn::optim::sgd>) optimizer.momentum = 0.9;
    ctnn::trainer trainer{net, ctnn::loss::mse{}, optimizer};
    const auto rollback = ctnn::non_finite_action::rollback;
    for (int i = 0; i < 3; ++i) REQUIRE(trainer.train_step(x, y, rollback).applied);
    const auto before_last_good_update = state_of(net, trainer);
    REQUIRE(trainer.train_step(x, y, rollback).applied);
    REQUIRE_FALSE(bit_identical(before_last_good_update, state_of(net, trainer)));

    auto bad = x;
    bad(0, 0) = std::numeric_limits<float>::quiet_NaN();
    const auto report = trainer.train_step(bad, y, rollback);
    CHECK_FALSE(report.applied);
    CHECK(report.rolled_back);
    CHECK(bit_identical(before_last_good_update, state_of(net, trainer)));
    CHECK(trainer.optimizer().lr == 0.01 * 0.5);
    // Training goes on from there, with the smaller step.
    CHECK(trainer.train_step(x, y, rollback).applied);
    trainer.set_rollback_lr_factor(0.1);
    trainer.train_step(bad, y, rollback);
    CHECK(trainer.optimizer().lr == Approx(0.01 * 0.5 * 0.1).epsilon(1e-15));
    CHECK_THROWS_AS(trainer.set_rollback_lr_factor(0.0), ctnn::invalid_argument);
    CHECK_THROWS_AS(trainer.set_rollback_lr_factor(1.5), ctnn::invalid_argument);
}

TEST_CASE("rollback: without an earlier update the weights stay as they are; only rollback keeps a snapshot",
          "[monitor][rollback]") {
    auto [x, y] = smooth_data<double>(16, 10);
    healthy_net<double> net(1);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.02}};
    const auto initial = state_of(net, trainer);
    auto bad = x;
    bad(1, 2) = std::numeric_limits<double>::infinity();
    CHECK(trainer.train_step(bad, y, ctnn::non_finite_action::rollback).rolled_back);
    CHECK(bit_identical(initial, state_of(net, trainer)));
    CHECK(trainer.optimizer().lr == 0.01);

    // An update applied under another action forgets the snapshot: nothing stale comes back.
    trainer.train_step(x, y, ctnn::non_finite_action::rollback);
    trainer.train_step(x, y, ctnn::non_finite_action::skip_step);
    const auto after_skip_mode_update = state_of(net, trainer);
    trainer.train_step(bad, y, ctnn::non_finite_action::rollback);
    CHECK(bit_identical(after_skip_mode_update, state_of(net, trainer)));
    CHECK(trainer.optimizer().lr == 0.005);
}

TEST_CASE("rollback: a monitor set to refuse exploding steps rolls them back, or throws", "[monitor][rollback]") {
    using net_t = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<16, ctnn::tanh>, ctnn::dense<1>>;
    const auto [x, y] = smooth_data<double>(32, 11);
    auto huge = y;
    huge *= 1e6;
    net_t net(3);
    auto trainer = monitored(net, {.lr = 0.01}, gradient_health{.refuse_exploding_steps = true});
    for (int i = 0; i < 8; ++i) REQUIRE(trainer.train_step(x, y, ctnn::non_finite_action::rollback).applied);
    const auto before = state_of(net, trainer);
    trainer.train_step(x, y, ctnn::non_finite_action::rollback);
    const auto report = trainer.train_step(x, huge, ctnn::non_finite_action::rollback);
    CHECK(report.rolled_back);
    CHECK(bit_identical(before, state_of(net, trainer)));
    CHECK(trainer.optimizer().lr == 0.005);
    CHECK(trainer.monitor().count(event_kind::explosion) >= 1);
    CHECK_FALSE(trainer.monitor().last().applied);
    // the history says which applied update the rollback undid: step 8's, the last applied one
    const auto& history = trainer.monitor().history();
    REQUIRE(history.size() == 10);
    for (std::size_t s = 0; s < history.size(); ++s) {
        CHECK(history[s].applied == (s < 9));
        CHECK(history[s].undone == (s == 8));
    }
    // a second rollback in a row puts back the same weights: it undoes nothing more
    CHECK(trainer.train_step(x, huge, ctnn::non_finite_action::rollback).rolled_back);
    CHECK(std::count_if(history.begin(), history.end(), [](const auto& s) { return s.undone; }) == 1);

    CHECK_THROWS_AS(trainer.train_step(x, huge), ctnn::exploding_gradient_error);
    CHECK_THROWS_WITH(trainer.train_step(x, huge),
                      Catch::Contains("exploding training step") && Catch::Contains("explosion at layer"));
    // Without refusal the monitor only reports: the step is applied.
    net_t other(3);
    auto reporting = monitored(other, {.lr = 0.01});
    for (int i = 0; i < 8; ++i) reporting.train_step(x, y);
    CHECK(reporting.train_step(x, huge).applied);
    CHECK(reporting.monitor().count(event_kind::explosion) >= 1);
}

TEST_CASE("monitor: invalid settings are refused when the trainer is built", "[monitor][errors]") {
    healthy_net<float> net;
    CHECK_THROWS_WITH(monitored(net, {}, gradient_health{.explosion_factor = 0.5}),
                      "ctnn: monitor::gradient_health needs explosion_factor > 1, got 0.5");
    CHECK_THROWS_AS(monitored(net, {}, gradient_health{.explosion_decay = 1.0}), ctnn::invalid_argument);
    CHECK_THROWS_AS(monitored(net, {}, gradient_health{.sigmoid_saturation = 0.3}), ctnn::invalid_argument);
    // and before every step, as the optimizer's and the clip's: changed through monitor()
    auto trainer = monitored(net);
    const auto [x, y] = smooth_data<float>(8, 1);
    trainer.monitor().explosion_decay = 1.0;
    const auto before = net.layer<0>().weight.value;
    CHECK_THROWS_WITH(trainer.train_step(x, y), "ctnn: monitor::gradient_health needs 0 <= explosion_decay < 1, got 1");
    CHECK((net.layer<0>().weight.value == before));
}

TEST_CASE("monitor: the history as CSV, every N-th step, the last M", "[monitor][csv]") {
    using net_t = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<8, ctnn::relu>, ctnn::dense<1>>;
    const auto [x, y] = smooth_data<double>(16, 12);
    SECTION("one row per step and layer, the numbers of the history") {
        net_t net(1);
        auto trainer = monitored(net);
        for (int i = 0; i < 3; ++i) trainer.train_step(x, y);
        std::ostringstream out;
        trainer.monitor().write_csv(out);
        std::istringstream in(out.str());
        std::string line;
        std::getline(in, line);
        CHECK(line == "step,epoch,rows,loss,applied,total_gradient_norm,backprop_ratio,gradient_ratio,layer,kind,"
                      "parameters,gradient_norm,weight_norm,update_ratio,backprop_norm,dead_fraction,"
                      "saturated_fraction,time_gradient_ratio,time_gradient_steps,learning_rate,undone,inner");
        std::size_t rows = 0;
        for (const auto& s : trainer.monitor().history()) {
            for (const auto& h : s.layers) {
                REQUIRE(std::getline(in, line));
                const auto cells = csv_cells(line);
                REQUIRE(cells.size() == 22);
                CHECK(std::stoul(cells[0]) == s.step);
                CHECK(std::stod(cells[3]) == Approx(s.loss).epsilon(1e-5));
                CHECK(cells[4] == "1");
                CHECK(std::stoul(cells[8]) == h.layer);
                CHECK(cells[9] == "dense");
                CHECK(std::stoul(cells[10]) == h.parameters);
                CHECK(std::stod(cells[11]) == Approx(h.gradient_norm).epsilon(1e-5));
                CHECK(std::stod(cells[13]) == Approx(h.update_ratio).epsilon(1e-5));
                CHECK(cells[h.layer == 0 ? 16 : 15] == "nan");  // no saturation for relu, no dead units for identity
                CHECK(cells[17] == "nan");
                CHECK(cells[18] == "0");
                CHECK(std::stod(cells[19]) == 0.05);
                CHECK(cells[20] == "0");
                CHECK(cells[21].empty());  // a layer of the network, not inside a block
                ++rows;
            }
        }
        CHECK(rows == 6);
        CHECK_FALSE(std::getline(in, line));

        const std::string path = "monitor_test_history.csv";
        trainer.monitor().write_csv(path);
        std::ifstream file(path);
        std::stringstream text;
        text << file.rdbuf();
        CHECK(text.str() == out.str());
        std::remove(path.c_str());
        CHECK_THROWS_AS(trainer.monitor().write_csv("/nonexistent-directory/history.csv"), ctnn::io_error);
    }
    SECTION("record_every and keep_last bound the memory; events are still seen") {
        net_t net(1);
        auto trainer = monitored(net, {}, gradient_health{.record_every = 3, .keep_last = 2});
        for (int i = 0; i < 10; ++i) trainer.train_step(x, y);
        const auto& history = trainer.monitor().history();
        REQUIRE(history.size() == 2);
        CHECK(history[0].step == 6);
        CHECK(history[1].step == 9);
        CHECK(trainer.monitor().last().step == 9);
        net.layer<0>().bias.value.fill(-100.0);
        trainer.train_step(x, y);  // step 10: not recorded, still an event
        CHECK(trainer.monitor().history().back().step == 9);
        CHECK(trainer.monitor().count(event_kind::dead) == 1);
    }
}

namespace {
// A stand-in for a recurrent layer: what the monitor asks of one (rnn, lstm, gru provide it).
struct fake_recurrent_layer {
    static constexpr std::string_view kind = "fake_rnn";
    ctnn::parameter<double, 1> weight;
    std::vector<double> norms{8.0, 4.0, 2.0, 1.0};
    fake_recurrent_layer() {
        weight.reshape(std::array<std::size_t, 1>{3});
        weight.value.fill(1.0);
        weight.grad.fill(2.0);
    }
    const std::vector<double>& time_gradient_norms() const { return norms; }
    template <class F>
    void for_each_parameter(F&& f) {
        f(weight);
    }
};
struct fake_network {
    fake_recurrent_layer layer;
    template <class F>
    void for_each_layer(F&& f) {
        f(layer);
    }
    template <class F>
    void for_each_parameter(F&& f) {
        layer.for_each_parameter(f);
    }
};
}  // namespace

TEST_CASE("monitor: a recurrent layer's norms across time are its last backward pass's, whatever forward ran since",
          "[monitor]") {
    using net_t = ctnn::basic_network<double, ctnn::sequence<2>, ctnn::rnn<4>, ctnn::dense<1>>;
    net_t net(2);
    ctnn::rng r(6);
    auto sequences = [&](std::size_t steps) {
        auto x = ctnn::tensor<double, 3>::from_shape({5, steps, 2});
        for (auto& v : x) v = r.normal();
        return x;
    };
    const auto x6 = sequences(6), x9 = sequences(9), x3 = sequences(3);
    const auto y = r.normal_tensor<double>(5, 1);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.0}};
    trainer.train_step(x6, y);
    const std::vector<double> after_step(net.layer<0>().time_gradient_norms().begin(),
                                         net.layer<0>().time_gradient_norms().end());
    REQUIRE(after_step.size() == 6);
    CHECK(after_step.back() > 0.0);
    for (const auto* x : {&x9, &x3}) {  // longer and shorter validation sequences: forward passes only
        trainer.evaluate(*x, y);
        const auto norms = net.layer<0>().time_gradient_norms();
        CHECK(std::vector<double>(norms.begin(), norms.end()) == after_step);
    }
}

TEST_CASE("monitor: a tanh rnn's gradient vanishes through time over 100 steps; an IndRNN's with u = 1 does not",
          "[monitor][events]") {
    ctnn::rng r(8);
    auto x = ctnn::tensor<double, 3>::from_shape({8, 100, 2});
    for (auto& v : x) v = r.normal();
    const auto y = r.normal_tensor<double>(8, 1);
    using rnn_net = ctnn::basic_network<double, ctnn::sequence<2>, ctnn::rnn<16>, ctnn::dense<1>>;
    rnn_net plain(3);
    auto trainer = monitored(plain, {.lr = 0.01});
    trainer.train_step(x, y);
    trainer.train_step(x, y);  // still vanishing: no second event (onset only)
    const auto events = events_of(trainer.monitor(), event_kind::vanishing_in_time);
    REQUIRE(events.size() == 1);
    CHECK(events[0]->step == 0);
    CHECK(events[0]->layer == 0);
    CHECK(events[0]->value < 1e-10);
    CHECK(events[0]->value == trainer.monitor().history().front().layers[0].time_gradient_ratio());
    CHECK(trainer.monitor().history().front().layers[0].time_gradient_reach.steps == 99);
    CHECK_THAT(events[0]->message, Catch::StartsWith("step 0: vanishing in time at layer 0 (rnn): the gradient "
                                                     "reaching 99 steps back from its last step is ")
                                       && Catch::EndsWith(" of the gradient there (threshold 0.001)"));
    using indrnn_net = ctnn::basic_network<double, ctnn::sequence<2>, ctnn::dense<16>,
                                           ctnn::recurrent_cell<user::indrnn<16>>, ctnn::dense<1>>;
    indrnn_net independent(3);
    independent.layer<1>().param<"u">().value.fill(1.0);
    auto other = monitored(independent, {.lr = 0.01});
    other.train_step(x, y);
    CHECK(events_of(other.monitor(), event_kind::vanishing_in_time).empty());
    CHECK(other.monitor().history().front().layers[1].time_gradient_ratio() > 0.1);
}

TEST_CASE("monitor: the time ratio follows the gradient that enters at the last step, as far as it reaches",
          "[monitor][events]") {
    // W_hh = 0.01·I: what enters at the last step shrinks about 100× a step on its way back
    ctnn::rng r(4);
    auto x = ctnn::tensor<double, 3>::from_shape({4, 12, 2});
    for (auto& v : x) v = r.normal();
    const auto y_last = r.normal_tensor<double>(4, 1);
    auto y_every = ctnn::tensor<double, 3>::from_shape({4, 12, 1});
    for (auto& v : y_every) v = r.normal();
    const auto small_recurrence = [](auto& layer) {
        layer.weight_hh().value = 0.01 * xt::eye<double>(8);
    };
    SECTION("last state: the ratio over T − 1 steps fires") {
        ctnn::basic_network<double, ctnn::sequence<2>, ctnn::rnn<8>, ctnn::dense<1>> net(2);
        small_recurrence(net.layer<0>());
        auto trainer = monitored(net, {.lr = 0.0});
        trainer.train_step(x, y_last);
        const auto& h = trainer.monitor().last().layers[0];
        CHECK(h.time_gradient_reach.steps == 11);
        CHECK(h.time_gradient_ratio() == h.time_gradient_norms.front() / h.time_gradient_norms.back());
        CHECK(h.time_gradient_ratio() < 1e-15);
        CHECK(events_of(trainer.monitor(), event_kind::vanishing_in_time).size() == 1);
    }
    SECTION("truncated BPTT: measured over the last window, not to a step the cut keeps at 0") {
        ctnn::basic_network<double, ctnn::sequence<2>, ctnn::rnn<8>, ctnn::dense<1>> net(2);
        net.layer<0>().weight_hh().value = 0.9 * xt::eye<double>(8);
        net.layer<0>().bptt_steps = 5;  // no gradient from step 10 into 9 or from 5 into 4
        auto trainer = monitored(net, {.lr = 0.0});
        trainer.train_step(x, y_last);
        const auto& h = trainer.monitor().last().layers[0];
        REQUIRE(h.time_gradient_norms.size() == 12);
        CHECK(h.time_gradient_norms[9] == 0.0);
        CHECK(h.time_gradient_reach.steps == 1);  // from step 11 back to step 10
        CHECK(h.time_gradient_ratio() == h.time_gradient_norms[10] / h.time_gradient_norms[11]);
        CHECK(h.time_gradient_ratio() > 0.1);
        CHECK(events_of(trainer.monitor(), event_kind::vanishing_in_time).empty());
    }
    SECTION("a whole-sequence output: not measured, since the loss enters at every step") {
        ctnn::basic_network<double, ctnn::sequence<2>, ctnn::rnn<8, ctnn::tanh, ctnn::whole_sequence>, ctnn::dense<1>>
            net(2);
        small_recurrence(net.layer<0>());
        auto trainer = monitored(net, {.lr = 0.0});
        trainer.train_step(x, y_every);
        const auto& h = trainer.monitor().last().layers[0];
        CHECK(h.time_gradient_norms.size() == 12);  // still recorded, for write_time_csv
        CHECK(std::isnan(h.time_gradient_ratio()));
        CHECK(h.time_gradient_reach.steps == 0);
        CHECK(events_of(trainer.monitor(), event_kind::vanishing_in_time).empty());
    }
    SECTION("bidirectional: each direction in its own time order; the one that reached back least") {
        ctnn::basic_network<double, ctnn::sequence<2>, ctnn::bidirectional<ctnn::rnn<8>>, ctnn::dense<1>> net(2);
        small_recurrence(net.layer<0>().forward_direction);
        auto trainer = monitored(net, {.lr = 0.0});
        trainer.train_step(x, y_last);
        const auto& layer = net.layer<0>();
        const auto ahead = ctnn::time_reach_of(layer.forward_direction);
        const auto back = ctnn::time_reach_of(layer.reverse_direction);
        CHECK(ahead.ratio < 1e-15);
        CHECK(back.ratio > 1e-6);
        const auto& h = trainer.monitor().last().layers[0];
        CHECK(h.time_gradient_ratio() == ahead.ratio);
        CHECK(h.time_gradient_reach.steps == 11);
        CHECK(events_of(trainer.monitor(), event_kind::vanishing_in_time).size() == 1);
    }
}

TEST_CASE("monitor: a linear rnn's gradient grows through time as its recurrent weight; exploding_in_time fires",
          "[monitor][events]") {
    // identity activation, W_hh = α·I: ∂L/∂h_{t−1} = α·∂L/∂h_t exactly, so over 19 steps back
    // the ratio is α¹⁹: 2216.8 for α = 1.5 (above the default 1e3), 31.9 for α = 1.2
    ctnn::rng r(6);
    auto x = ctnn::tensor<double, 3>::from_shape({4, 20, 2});
    for (auto& v : x) v = 0.1 * r.normal();
    const auto y = r.normal_tensor<double>(4, 1);
    for (const double alpha : {1.5, 1.2}) {
        ctnn::basic_network<double, ctnn::sequence<2>, ctnn::rnn<8, ctnn::identity>, ctnn::dense<1>> net(2);
        net.layer<0>().weight_hh().value = alpha * xt::eye<double>(8);
        auto trainer = monitored(net, {.lr = 0.0});
        trainer.train_step(x, y);
        trainer.train_step(x, y);  // still growing: no second event (onset only)
        const auto& h = trainer.monitor().last().layers[0];
        CHECK(h.time_gradient_reach.steps == 19);
        CHECK(h.time_gradient_ratio() == Approx(std::pow(alpha, 19)).epsilon(1e-12));
        const auto events = events_of(trainer.monitor(), event_kind::exploding_in_time);
        CHECK(events_of(trainer.monitor(), event_kind::vanishing_in_time).empty());
        if (alpha == 1.2) {
            CHECK(events.empty());
            continue;
        }
        REQUIRE(events.size() == 1);
        CHECK(events[0]->step == 0);
        CHECK(events[0]->threshold == 1e3);
        CHECK(events[0]->message == "step 0: exploding in time at layer 0 (rnn): the gradient reaching 19 steps back from "
                                    "its last step is " + ctnn::detail::format_number(h.time_gradient_ratio())
                                        + " times the gradient there (threshold 1000)");
        CHECK(to_string(event_kind::exploding_in_time) == "exploding_in_time");
    }
    healthy_net<float> refused;
    CHECK_THROWS_WITH(monitored(refused, {}, gradient_health{.time_explosion_ratio = 1.0}),
                      "ctnn: monitor::gradient_health needs time_explosion_ratio > 1, got 1");
}

TEST_CASE("monitor: finite double gradients whose squares overflow are measured, and the step is applied",
          "[monitor][non-finite]") {
    // an input of 1e300 and an error of 1: dL/dw = −2e300, dL/db = −2, and Σg² overflows a double
    // although every g is finite; monitor::none applies the step, and so must the monitor
    using net_t = ctnn::basic_network<double, ctnn::input<1>, ctnn::dense<1>>;
    net_t net(1);
    net.layer<0>().weight.value.fill(0.0);
    net.layer<0>().bias.value.fill(0.0);
    auto x = ctnn::tensor<double, 2>::from_shape({1, 1});
    x.fill(1e300);
    auto y = ctnn::tensor<double, 2>::from_shape({1, 1});
    y.fill(1.0);
    auto trainer = monitored(net, {.lr = 1e-301});
    const auto report = trainer.train_step(x, y);
    CHECK(report.applied);
    CHECK(trainer.monitor().count(event_kind::non_finite) == 0);
    const auto& s = trainer.monitor().last();
    CHECK(s.layers[0].gradient_norm == Approx(2e300).epsilon(1e-14));
    CHECK(s.gradient_norm == Approx(2e300).epsilon(1e-14));
    CHECK(net.layer<0>().weight.value(0, 0) == Approx(0.2).epsilon(1e-12));  // 0 − 1e-301·(−2e300)
}

TEST_CASE("monitor: events as CSV, the message quoted", "[monitor][csv]") {
    using net_t = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<16, ctnn::tanh>, ctnn::dense<1>>;
    const auto [x, y] = smooth_data<double>(32, 11);
    auto huge = y;
    huge *= 1e6;
    net_t net(3);
    auto trainer = monitored(net, {.lr = 0.01});
    for (int i = 0; i < 8; ++i) trainer.train_step(x, y);
    trainer.train_step(x, huge);
    const auto events = events_of(trainer.monitor(), event_kind::explosion);
    REQUIRE_FALSE(events.empty());
    std::ostringstream out;
    trainer.monitor().write_events_csv(out);
    std::istringstream in(out.str());
    std::string line;
    std::getline(in, line);
    CHECK(line == "step,kind,layer,layer_kind,value,threshold,message,inner");
    std::size_t rows = 0;
    for (const auto& e : trainer.monitor().events()) {
        REQUIRE(std::getline(in, line));
        CHECK(line == std::to_string(e.step) + "," + std::string(to_string(e.kind)) + "," + std::to_string(e.layer) + ","
                          + std::string(e.layer_kind) + "," + ctnn::detail::format_number(e.value) + ","
                          + ctnn::detail::format_number(e.threshold) + ",\"" + e.message + "\"," + e.inner);
        ++rows;
    }
    CHECK(rows == trainer.monitor().events().size());
    CHECK_FALSE(std::getline(in, line));
}

TEST_CASE("monitor: recurrent layers' gradient norms across time are recorded", "[monitor][csv]") {
    fake_network net;
    gradient_health monitor;
    CHECK(monitor.observe_gradients(net, ctnn::step_report{.step = 0, .loss = 1.0}));
    const auto& h = monitor.last().layers.at(0);
    CHECK(h.kind == "fake_rnn");
    CHECK(h.time_gradient_norms == std::vector<double>{8.0, 4.0, 2.0, 1.0});
    CHECK(h.time_gradient_ratio() == 8.0);
    CHECK(h.gradient_norm == Approx(std::sqrt(12.0)));
    CHECK(std::isnan(h.backprop_norm));
    std::ostringstream out;
    monitor.write_time_csv(out);
    CHECK(out.str() == "step,layer,t,norm\n0,0,0,8\n0,0,1,4\n0,0,2,2\n0,0,3,1\n");
}

TEST_CASE("monitor: the layers inside blocks are measured each, named as PyTorch names them, and watched",
          "[monitor][blocks]") {
    using block_net = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<8, ctnn::tanh>,
                                          ctnn::residual<ctnn::dense<8, ctnn::relu>, ctnn::dense<8>>,
                                          ctnn::concatenate<ctnn::branch<ctnn::dense<3, ctnn::relu>>, ctnn::branch<>>,
                                          ctnn::dense<1>>;
    const auto [x, y] = smooth_data<double>(32, 21);
    const double lr = 0.05;
    block_net net(7);
    auto trainer = monitored(net, {.lr = lr});
    trainer.train_step(x, y);
    const auto& s = trainer.monitor().last();
    struct row {
        std::size_t layer;
        std::string inner;
        std::string_view kind;
        bool block;
    };
    const std::vector<row> expected{{0, "", "dense", false},         {1, "", "residual", true},
                                    {1, "body.0", "dense", false},   {1, "body.1", "dense", false},
                                    {2, "", "concatenate", true},    {2, "branches.0.0", "dense", false},
                                    {3, "", "dense", false}};
    REQUIRE(s.layers.size() == expected.size());
    for (std::size_t r = 0; r < expected.size(); ++r) {
        INFO("row " << r);
        CHECK(s.layers[r].layer == expected[r].layer);
        CHECK(s.layers[r].inner == expected[r].inner);
        CHECK(s.layers[r].kind == expected[r].kind);
        CHECK(s.layers[r].block == expected[r].block);
    }
    const auto gradient_norm = [](const auto& layer) {
        double squares = 0.0;
        layer.for_each_parameter([&](const auto& p) { squares += xt::sum(p.grad * p.grad)(); });
        return std::sqrt(squares);
    };
    const auto& body = net.layer<1>();
    CHECK(s.layers[2].gradient_norm == Approx(gradient_norm(body.layer<0>())).epsilon(1e-12));
    CHECK(s.layers[3].gradient_norm == Approx(gradient_norm(body.layer<1>())).epsilon(1e-12));
    CHECK(s.layers[5].gradient_norm == Approx(gradient_norm(net.layer<2>().layer<0, 0>())).epsilon(1e-12));
    CHECK(s.layers[2].parameters == 8 * 8 + 8);
    // a block's row is its inner layers' together, and counts once in the network's total
    CHECK(s.layers[1].gradient_norm
          == Approx(std::hypot(s.layers[2].gradient_norm, s.layers[3].gradient_norm)).epsilon(1e-12));
    CHECK(s.layers[4].gradient_norm == Approx(s.layers[5].gradient_norm).epsilon(1e-12));
    CHECK(s.gradient_norm == Approx(trainer.last_step().gradient_norm).epsilon(1e-12));
    CHECK(s.gradient_ratio == Approx(s.layers[0].gradient_norm / s.layers[6].gradient_norm).epsilon(1e-12));
    // plain SGD moves θ by lr·g: every row's ‖Δθ‖/‖θ‖, inner layers' and those after a block too
    for (const auto& h : s.layers) {
        INFO(h.layer << " " << h.inner);
        CHECK(h.update_ratio == Approx(lr * h.gradient_norm / h.weight_norm).epsilon(1e-9));
    }
    CHECK_FALSE(std::isnan(s.layers[2].backprop_norm));  // the inner dense layers' ∂L/∂z
    CHECK(std::isnan(s.layers[1].backprop_norm));
    CHECK(s.layers[2].dead_fraction >= 0.0);
    CHECK(std::isnan(s.layers[1].dead_fraction));

    // a dead ReLU inside each block: one event each, at the inner layer
    net.layer<1>().layer<0>().bias.value.fill(-100.0);
    net.layer<2>().layer<0, 0>().bias.value.fill(-100.0);
    trainer.train_step(x, y);
    const auto dead = events_of(trainer.monitor(), event_kind::dead);
    REQUIRE(dead.size() == 2);
    CHECK(dead[0]->layer == 1);
    CHECK(dead[0]->inner == "body.0");
    CHECK(dead[0]->layer_kind == "dense");
    CHECK_THAT(dead[0]->message, Catch::StartsWith("step 1: dead layer 1.body.0 (dense): 100% of its ReLU units"));
    CHECK(dead[1]->layer == 2);
    CHECK(dead[1]->inner == "branches.0.0");
    CHECK(trainer.monitor().last().layers[5].dead_fraction == 1.0);

    std::ostringstream out;
    trainer.monitor().write_csv(out);
    std::istringstream in(out.str());
    std::string line;
    std::getline(in, line);
    std::vector<std::string> inner_cells;
    while (std::getline(in, line)) inner_cells.push_back(csv_cells(line).back());
    REQUIRE(inner_cells.size() == 2 * expected.size());
    for (std::size_t r = 0; r < expected.size(); ++r) CHECK(inner_cells[r] == expected[r].inner);
}

TEST_CASE("monitor: a non-finite value inside a block is reported at its inner layer", "[monitor][blocks]") {
    using block_net = ctnn::basic_network<double, ctnn::input<4>,
                                          ctnn::residual<ctnn::dense<8, ctnn::relu>, ctnn::dense<4, ctnn::tanh>>,
                                          ctnn::dense<1>>;
    const auto [x, y] = smooth_data<double>(16, 22);
    block_net net(3);
    auto trainer = monitored(net);
    net.layer<0>().layer<1>().bias.value(2) = std::numeric_limits<double>::quiet_NaN();
    const auto report = trainer.train_step(x, y, ctnn::non_finite_action::skip_step);
    CHECK_FALSE(report.applied);
    const auto events = events_of(trainer.monitor(), event_kind::non_finite);
    REQUIRE(events.size() == 1);
    CHECK(events[0]->layer == 0);
    CHECK(events[0]->inner == "body.1");
    CHECK_THAT(events[0]->message, Catch::StartsWith("step 0: non-finite at layer 0.body.1 (dense): its output is "
                                                     "the first non-finite one"));
}
