// Learning-rate schedules: every rate of 40 epochs (or steps) against
// torch.optim.lr_scheduler, the settings each refuses, and the schedule inside trainer::fit
// (across fit calls), epoch by epoch or step by step.
#include <ctnn/ctnn.hpp>
#include <ctnn/schedule/cosine_annealing.hpp>
#include <ctnn/schedule/cosine_warm_restarts.hpp>
#include <ctnn/schedule/exponential.hpp>
#include <ctnn/schedule/linear_warmup.hpp>
#include <ctnn/schedule/multistep.hpp>
#include <ctnn/schedule/one_cycle.hpp>
#include <ctnn/schedule/per_step.hpp>
#include <ctnn/schedule/reduce_on_plateau.hpp>
#include <ctnn/schedule/step.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/fixture.hpp"

namespace {
namespace schedule = ctnn::schedule;

constexpr double base_lr = 0.1;  // the fixtures' base rate
constexpr std::size_t epochs = 40;

/// The rates a schedule gives over `count` epochs, driven as trainer::fit drives it: epoch 0's
/// from initial(), then next() after each epoch (the loss is ignored by these schedules).
template <class Schedule>
std::vector<double> rates(Schedule s, std::size_t count = epochs) {
    std::vector<double> lr{s.initial(base_lr)};
    for (std::size_t k = 1; k <= count; ++k) lr.push_back(s.next(base_lr, lr.back(), k, 0.0));
    return lr;
}

/// Each rate equals torch's to 1e-12 relative (1e-24 absolute where torch's is 0).
void require_torch_rates(const ctnn_test::fixture& f, const std::string& name,
                         const std::vector<double>& actual) {
    const auto& expected = f.values(name + ".lr");
    REQUIRE(actual.size() == expected.size());
    for (std::size_t e = 0; e < actual.size(); ++e) {
        INFO(name << ", epoch " << e << ": " << actual[e] << " vs torch " << expected[e]);
        REQUIRE(std::abs(actual[e] - expected[e])
                <= 1e-12 * std::max(std::abs(expected[e]), 1e-12));
    }
}

/// The sequence changes at all: a schedule that returned base_lr throughout would fail here.
void require_not_constant(const std::vector<double>& lr) {
    REQUIRE(std::any_of(lr.begin(), lr.end(), [&](double r) { return r != lr.front(); }));
}

constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
constexpr double infinity = std::numeric_limits<double>::infinity();
}  // namespace

TEST_CASE("schedules: every shipped schedule models schedule_policy", "[schedule]") {
    STATIC_REQUIRE(ctnn::schedule_policy<schedule::step>);
    STATIC_REQUIRE(ctnn::schedule_policy<schedule::multistep>);
    STATIC_REQUIRE(ctnn::schedule_policy<schedule::exponential>);
    STATIC_REQUIRE(ctnn::schedule_policy<schedule::cosine_annealing>);
    STATIC_REQUIRE(ctnn::schedule_policy<schedule::linear_warmup>);
    STATIC_REQUIRE(ctnn::schedule_policy<schedule::reduce_on_plateau>);
    STATIC_REQUIRE(schedule::step::name == "step");
    STATIC_REQUIRE(schedule::multistep::name == "multistep");
    STATIC_REQUIRE(schedule::exponential::name == "exponential");
    STATIC_REQUIRE(schedule::cosine_annealing::name == "cosine_annealing");
    STATIC_REQUIRE(schedule::linear_warmup::name == "linear_warmup");
    STATIC_REQUIRE(schedule::reduce_on_plateau::name == "reduce_on_plateau");
}

TEST_CASE("schedules: PyTorch's defaults", "[schedule]") {
    CHECK(schedule::step{}.gamma == 0.1);
    CHECK(schedule::multistep{}.gamma == 0.1);
    CHECK(schedule::cosine_annealing{}.eta_min == 0.0);
    const schedule::linear_warmup linear{};
    CHECK(linear.start_factor == 1.0 / 3.0);
    CHECK(linear.end_factor == 1.0);
    CHECK(linear.total_iters == 5);
    const schedule::reduce_on_plateau plateau{};
    CHECK(plateau.factor == 0.1);
    CHECK(plateau.patience == 10);
    CHECK(plateau.threshold == 1e-4);
    CHECK(plateau.threshold_mode == schedule::reduce_on_plateau::threshold_kind::rel);
    CHECK(plateau.cooldown == 0);
    CHECK(plateau.min_lr == 0.0);
    CHECK(plateau.eps == 1e-8);
    CHECK(plateau.best == infinity);
    CHECK(plateau.num_bad_epochs == 0);
    CHECK(plateau.cooldown_counter == 0);
}

TEST_CASE("schedules: step matches StepLR over 40 epochs", "[schedule]") {
    const ctnn_test::fixture f("schedules.txt");
    const auto a = rates(schedule::step{.step_size = 10});
    const auto b = rates(schedule::step{.step_size = 3, .gamma = 0.5});
    require_not_constant(a);
    require_torch_rates(f, "step_10", a);
    require_torch_rates(f, "step_3_half", b);
}

TEST_CASE("schedules: multistep matches MultiStepLR, repeated, unsorted and zero milestones",
          "[schedule]") {
    const ctnn_test::fixture f("schedules.txt");
    const auto a = rates(schedule::multistep{.milestones = {5, 12, 30}});
    require_not_constant(a);
    require_torch_rates(f, "multistep", a);
    require_torch_rates(f, "multistep_edge",
                        rates(schedule::multistep{.milestones = {20, 0, 8, 8}, .gamma = 0.5}));
}

TEST_CASE("schedules: exponential matches ExponentialLR (decay and growth)", "[schedule]") {
    const ctnn_test::fixture f("schedules.txt");
    const auto a = rates(schedule::exponential{.gamma = 0.9});
    require_not_constant(a);
    require_torch_rates(f, "exponential_09", a);
    require_torch_rates(f, "exponential_up", rates(schedule::exponential{.gamma = 1.05}));
}

TEST_CASE("schedules: cosine_annealing matches CosineAnnealingLR over two periods", "[schedule]") {
    const ctnn_test::fixture f("schedules.txt");
    const auto a = rates(schedule::cosine_annealing{.t_max = 10});
    require_not_constant(a);
    CHECK(a[10] == 0.0);  // eta_min at t_max, then back up: period 2·t_max
    CHECK(a[20] == Approx(base_lr).epsilon(1e-15));
    require_torch_rates(f, "cosine_10", a);
    require_torch_rates(f, "cosine_15_min",
                        rates(schedule::cosine_annealing{.t_max = 15, .eta_min = 0.001}));
}

TEST_CASE("schedules: linear_warmup matches LinearLR (warm-up and decay)", "[schedule]") {
    const ctnn_test::fixture f("schedules.txt");
    const auto a = rates(schedule::linear_warmup{});
    require_not_constant(a);
    require_torch_rates(f, "linear", a);
    require_torch_rates(
        f, "linear_decay",
        rates(schedule::linear_warmup{.start_factor = 1.0, .end_factor = 0.05, .total_iters = 30}));
}

TEST_CASE("schedules: one_cycle matches OneCycleLR (cos, linear, three phases)", "[schedule]") {
    const ctnn_test::fixture f("schedules.txt");
    const auto a = rates(schedule::one_cycle{.total_steps = 40});
    require_not_constant(a);
    CHECK(a[0] == Approx(base_lr / 25).epsilon(1e-15));
    CHECK(*std::max_element(a.begin(), a.end()) == Approx(base_lr).epsilon(1e-15));
    require_torch_rates(f, "onecycle_40", a);
    require_torch_rates(f, "onecycle_40_linear",
                        rates(schedule::one_cycle{.total_steps = 40,
                                                  .pct_start = 0.25,
                                                  .anneal = schedule::one_cycle::annealing::linear}));
    require_torch_rates(
        f, "onecycle_40_three",
        rates(schedule::one_cycle{
            .total_steps = 40, .div_factor = 10.0, .final_div_factor = 100.0, .three_phase = true}));
}

TEST_CASE("schedules: one_cycle passes over a phase no step falls in, as OneCycleLR does", "[schedule]") {
    const ctnn_test::fixture f("schedules.txt");
    using one_cycle = schedule::one_cycle;
    // no climb: pct_start 0, or 0.05 of 12 steps (the first phase ends before step 0)
    for (const auto& [name, pct_start] : {std::pair{"onecycle_12_pct0", 0.0}, {"onecycle_12_pct0p05", 0.05}}) {
        const one_cycle s{.total_steps = 12, .pct_start = pct_start};
        CHECK_NOTHROW(s.validate());
        require_torch_rates(f, name, rates(s, 12));
    }
    // the default pct_start over 3 steps (one a epoch, 3 epochs)
    CHECK_NOTHROW(one_cycle{.total_steps = 3}.validate());
    require_torch_rates(f, "onecycle_3", rates(one_cycle{.total_steps = 3}, 3));
    // three phases, the last of which no step reaches
    const one_cycle three{.total_steps = 10, .pct_start = 0.6, .three_phase = true};
    CHECK_NOTHROW(three.validate());
    require_torch_rates(f, "onecycle_10_three_pct0p6", rates(three, 10));
}

TEST_CASE("schedules: one_cycle refuses a step past total_steps, as torch does", "[schedule]") {
    const schedule::one_cycle s{.total_steps = 40};
    CHECK_NOTHROW(s.next(base_lr, 0.0, 40, 0.0));  // torch allows total_steps calls of step()
    CHECK_THROWS_WITH(s.next(base_lr, 0.0, 41, 0.0),
                      Catch::Contains("tried to step 42 times") && Catch::Contains("total steps is 40"));
}

TEST_CASE("schedules: cosine_warm_restarts matches CosineAnnealingWarmRestarts", "[schedule]") {
    const ctnn_test::fixture f("schedules.txt");
    const auto a = rates(schedule::cosine_warm_restarts{.t_0 = 10});
    require_not_constant(a);
    CHECK(a[10] == base_lr);  // a restart
    require_torch_rates(f, "restarts_10", a);
    require_torch_rates(f, "restarts_10_2_min",
                        rates(schedule::cosine_warm_restarts{.t_0 = 10, .t_mult = 2, .eta_min = 0.001}));
    require_torch_rates(f, "restarts_7", rates(schedule::cosine_warm_restarts{.t_0 = 7, .eta_min = 0.01}));
    // far along, the same as at the same point of the first period (t_mult 1)
    const schedule::cosine_warm_restarts r{.t_0 = 7};
    CHECK(r.lr_at(base_lr, 7 * 1000003 + 3) == r.lr_at(base_lr, 3));
}

TEST_CASE("schedules: closed forms depend on the epoch, not on the current rate", "[schedule]") {
    // A rate set by hand between epochs is overridden at the next epoch (torch's recursive
    // forms would scale it instead; the trainer owns the rate, so nothing else changes it).
    const schedule::step s{.step_size = 3, .gamma = 0.5};
    CHECK(s.next(base_lr, 42.0, 7, 0.0) == s.lr_at(base_lr, 7));
    CHECK(s.next(base_lr, 42.0, 7, 0.0) == base_lr * 0.25);
    const schedule::cosine_annealing c{.t_max = 10};
    CHECK(c.next(base_lr, 42.0, 5, 0.0) == c.lr_at(base_lr, 5));
}

namespace {
/// Feeds a plateau torch's losses for NAME; requires torch's rates and, after every epoch,
/// torch's state (best, num_bad_epochs, cooldown_counter). Returns the rates.
std::vector<double> require_torch_plateau(const ctnn_test::fixture& f, const std::string& name,
                                          schedule::reduce_on_plateau p) {
    const auto& losses = f.values(name + ".loss");
    const auto state = f.tensor<double, 2>(name + ".state");
    REQUIRE(losses.size() == epochs);
    REQUIRE(state.shape(0) == epochs);
    std::vector<double> lr{p.initial(base_lr)};
    for (std::size_t k = 1; k <= epochs; ++k) {
        lr.push_back(p.next(base_lr, lr.back(), k, losses[k - 1]));
        INFO(name << ", after epoch " << k);
        REQUIRE(p.best == state(k - 1, 0));
        REQUIRE(double(p.num_bad_epochs) == state(k - 1, 1));
        REQUIRE(double(p.cooldown_counter) == state(k - 1, 2));
    }
    require_torch_rates(f, name, lr);
    return lr;
}
}  // namespace

TEST_CASE("schedules: reduce_on_plateau matches ReduceLROnPlateau fed the same losses",
          "[schedule]") {
    const ctnn_test::fixture f("schedules.txt");
    using plateau = schedule::reduce_on_plateau;

    SECTION("defaults: relative threshold 1e-4, patience 10, a NaN loss counts as bad") {
        require_not_constant(require_torch_plateau(f, "plateau", plateau{}));
    }
    SECTION("cooldown 3, min_lr 0.02 clamping, cooldown also after a clamped reduction") {
        const auto lr = require_torch_plateau(
            f, "plateau_cooldown",
            plateau{.factor = 0.5, .patience = 2, .cooldown = 3, .min_lr = 0.02});
        CHECK(lr.back() == 0.02);
    }
    SECTION("absolute threshold, and a reduction smaller than eps is not applied") {
        require_torch_plateau(f, "plateau_abs",
                              plateau{.factor = 0.3,
                                      .patience = 3,
                                      .threshold = 0.05,
                                      .threshold_mode = plateau::threshold_kind::abs,
                                      .eps = 0.005});
    }
}

namespace {
/// validate() throws ctnn::invalid_argument (any other exception escapes and fails the test).
template <class Schedule>
bool refuses(const Schedule& s) {
    try {
        s.validate();
    } catch (const ctnn::invalid_argument&) {
        return true;
    }
    return false;
}
}  // namespace

TEST_CASE("schedules: validate() refuses settings outside their domain", "[schedule]") {
    SECTION("step") {
        using step = schedule::step;
        CHECK_THROWS_WITH(step{}.validate(), Catch::Contains("step_size"));  // required
        CHECK(refuses(step{.step_size = 2, .gamma = 0.0}));
        CHECK(refuses(step{.step_size = 2, .gamma = -0.5}));
        CHECK(refuses(step{.step_size = 2, .gamma = not_a_number}));
        CHECK(refuses(step{.step_size = 2, .gamma = infinity}));
        CHECK_FALSE(refuses(step{.step_size = 2}));
    }
    SECTION("multistep") {
        using multistep = schedule::multistep;
        CHECK(refuses(multistep{.milestones = {3}, .gamma = 0.0}));
        CHECK(refuses(multistep{.milestones = {3}, .gamma = not_a_number}));
        CHECK_FALSE(refuses(multistep{.milestones = {3}}));
        CHECK_FALSE(refuses(multistep{}));  // no milestones: a constant rate, as in torch
    }
    SECTION("exponential") {
        using exponential = schedule::exponential;
        CHECK_THROWS_WITH(exponential{}.validate(), Catch::Contains("gamma"));  // required
        CHECK(refuses(exponential{.gamma = -0.9}));
        CHECK(refuses(exponential{.gamma = infinity}));
        CHECK_FALSE(refuses(exponential{.gamma = 0.9}));
    }
    SECTION("cosine_annealing") {
        using cosine = schedule::cosine_annealing;
        CHECK_THROWS_WITH(cosine{}.validate(), Catch::Contains("t_max"));  // required
        CHECK(refuses(cosine{.t_max = 5, .eta_min = -1e-3}));
        CHECK(refuses(cosine{.t_max = 5, .eta_min = not_a_number}));
        CHECK_FALSE(refuses(cosine{.t_max = 5}));
    }
    SECTION("linear_warmup") {
        using linear = schedule::linear_warmup;
        CHECK_FALSE(refuses(linear{}));
        CHECK(refuses(linear{.start_factor = 0.0}));  // torch 1.13 divides by it
        CHECK(refuses(linear{.start_factor = 1.5}));
        CHECK(refuses(linear{.start_factor = 0.5, .end_factor = -0.1}));
        CHECK(refuses(linear{.start_factor = 0.5, .end_factor = 1.1}));
        CHECK(refuses(linear{.start_factor = 0.5, .end_factor = not_a_number}));
        CHECK(refuses(linear{.total_iters = 0}));
    }
    SECTION("one_cycle") {
        using one_cycle = schedule::one_cycle;
        CHECK_THROWS_WITH(one_cycle{}.validate(), Catch::Contains("total_steps"));  // required
        CHECK_FALSE(refuses(one_cycle{.total_steps = 10}));
        CHECK(refuses(one_cycle{.total_steps = 10, .pct_start = 1.5}));
        CHECK(refuses(one_cycle{.total_steps = 10, .pct_start = not_a_number}));
        CHECK(refuses(one_cycle{.total_steps = 10, .div_factor = 0.0}));
        CHECK(refuses(one_cycle{.total_steps = 10, .final_div_factor = infinity}));
        // where a step falls in a phase of length 0 torch raises ZeroDivisionError: 0.1 of 10
        // steps ends the climb at step 0; 1.0 ends it where the descent ends; three phases of
        // 0.55 of 10 end the second where the third ends
        CHECK_THROWS_WITH((one_cycle{.total_steps = 10, .pct_start = 0.1}.validate()),
                          Catch::Contains("gives phase 1 a length of 0 where step 0 falls in it"));
        CHECK_THROWS_WITH((one_cycle{.total_steps = 10, .pct_start = 1.0}.validate()),
                          Catch::Contains("gives phase 2 a length of 0 where step 10 falls in it"));
        CHECK_THROWS_WITH((one_cycle{.total_steps = 10, .pct_start = 0.55, .three_phase = true}.validate()),
                          Catch::Contains("gives phase 3 a length of 0 where step 10 falls in it"));
    }
    SECTION("cosine_warm_restarts") {
        using restarts = schedule::cosine_warm_restarts;
        CHECK_THROWS_WITH(restarts{}.validate(), Catch::Contains("t_0"));  // required
        CHECK(refuses(restarts{.t_0 = 5, .t_mult = 0}));
        CHECK(refuses(restarts{.t_0 = 5, .eta_min = -1.0}));
        CHECK_FALSE(refuses(restarts{.t_0 = 5, .t_mult = 3}));
    }
    SECTION("reduce_on_plateau") {
        using plateau = schedule::reduce_on_plateau;
        CHECK_FALSE(refuses(plateau{}));
        CHECK(refuses(plateau{.factor = 1.0}));  // torch: factor < 1
        CHECK(refuses(plateau{.factor = -0.1}));
        CHECK(refuses(plateau{.factor = not_a_number}));
        CHECK(refuses(plateau{.threshold = -1e-4}));
        CHECK(refuses(plateau{.min_lr = -1.0}));
        CHECK(refuses(plateau{.eps = -1e-8}));
        CHECK(refuses(plateau{.eps = infinity}));
    }
}

namespace {
using small_net =
    ctnn::basic_network<double, ctnn::input<3>, ctnn::dense<4, ctnn::tanh>, ctnn::dense<1>>;

struct small_data {
    ctnn::tensor<double, 2> x, y;
    small_data() {
        ctnn::rng data(7);
        x = data.normal_tensor<double>(16, 3);
        y = data.normal_tensor<double>(16, 1);
    }
};

template <class Net>
void require_same_weights(Net& a, Net& b, double tolerance) {
    CTNN_REQUIRE_CLOSE(a.template layer<0>().weight.value, b.template layer<0>().weight.value,
                       tolerance);
    CTNN_REQUIRE_CLOSE(a.template layer<0>().bias.value, b.template layer<0>().bias.value,
                       tolerance);
    CTNN_REQUIRE_CLOSE(a.template layer<1>().weight.value, b.template layer<1>().weight.value,
                       tolerance);
    CTNN_REQUIRE_CLOSE(a.template layer<1>().bias.value, b.template layer<1>().bias.value,
                       tolerance);
}
}  // namespace

TEST_CASE("schedules: the trainer follows step epoch by epoch, across fit calls",
          "[schedule][trainer]") {
    const ctnn_test::fixture f("schedules.txt");
    const auto& torch_lr = f.values("step_3_half.lr");
    const small_data d;
    const auto make = [](small_net& net) {
        return ctnn::trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.1},
                             ctnn::clip::none{},
                             ctnn::schedule::step{.step_size = 3, .gamma = 0.5}};
    };

    // One fit of 12 epochs: on_epoch runs after the trainer applied next().
    small_net net(1);
    auto trainer = make(net);
    REQUIRE(trainer.optimizer().lr == Approx(torch_lr[0]).epsilon(1e-12));
    std::vector<double> seen;
    const auto record = [&](const ctnn::epoch_report&) { seen.push_back(trainer.optimizer().lr); };
    trainer.fit(d.x, d.y, {.epochs = 12, .batch_size = 0, .shuffle = false, .on_epoch = record});
    REQUIRE(seen.size() == 12);
    REQUIRE(trainer.epochs() == 12);
    for (std::size_t e = 0; e < 12; ++e) {
        INFO("after epoch " << e);
        REQUIRE(seen[e] == Approx(torch_lr[e + 1]).epsilon(1e-12));
    }
    REQUIRE(seen.back() == Approx(0.1 * 0.5 * 0.5 * 0.5 * 0.5).epsilon(1e-12));

    // Two fits of 5 and 7 epochs continue the schedule: same rates, same weights.
    small_net split_net(1);
    auto split = make(split_net);
    std::vector<double> split_seen;
    std::vector<std::size_t> clock;
    const auto record_split = [&](const ctnn::epoch_report&) {
        split_seen.push_back(split.optimizer().lr);
        clock.push_back(split.epochs());
    };
    split.fit(d.x, d.y, {.epochs = 5, .batch_size = 0, .shuffle = false, .on_epoch = record_split});
    REQUIRE(split.epochs() == 5);
    split.fit(d.x, d.y, {.epochs = 7, .batch_size = 0, .shuffle = false, .on_epoch = record_split});
    REQUIRE(split.epochs() == 12);
    CHECK(clock == std::vector<std::size_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    CHECK(split_seen == seen);
    require_same_weights(split_net, net, 0.0);

    // The updates used the scheduled rates: epoch e's step with torch's rate e, by hand.
    small_net manual_net(1);
    ctnn::trainer manual{manual_net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.1}};
    for (std::size_t e = 0; e < 12; ++e) {
        manual.optimizer().lr = torch_lr[e];
        manual.train_step(d.x, d.y);
    }
    require_same_weights(manual_net, net, 1e-12);
}

TEST_CASE("schedules: the trainer feeds reduce_on_plateau each epoch's loss",
          "[schedule][trainer]") {
    const small_data d;
    small_net net(1);
    // A relative threshold of 0.5 makes almost every epoch a bad one: reductions happen.
    const schedule::reduce_on_plateau settings{.patience = 1, .threshold = 0.5};
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.1}, ctnn::clip::none{},
                          settings};
    std::vector<double> seen;
    const auto result = trainer.fit(
        d.x, d.y,
        {.epochs = 10,
         .batch_size = 0,
         .shuffle = false,
         .on_epoch = [&](const ctnn::epoch_report&) { seen.push_back(trainer.optimizer().lr); }});

    // Replaying the same schedule on fit's epoch losses gives the same rates.
    schedule::reduce_on_plateau replay = settings;
    double lr = replay.initial(0.1);
    for (std::size_t e = 0; e < 10; ++e) {
        lr = replay.next(0.1, lr, e + 1, result.epoch_losses[e]);
        INFO("epoch " << e);
        REQUIRE(seen[e] == lr);
    }
    CHECK(seen.back() < 0.1);
    CHECK(trainer.schedule().best == replay.best);
    CHECK(trainer.schedule().num_bad_epochs == replay.num_bad_epochs);
}

TEST_CASE("schedules: the trainer refuses an invalid schedule when it is built",
          "[schedule][trainer]") {
    small_net net(1);
    CHECK_THROWS_AS((ctnn::trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{}, ctnn::clip::none{},
                                   ctnn::schedule::step{}}),
                    ctnn::invalid_argument);
    CHECK_THROWS_AS((ctnn::trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{}, ctnn::clip::none{},
                                   ctnn::schedule::cosine_annealing{.t_max = 0}}),
                    ctnn::invalid_argument);
}

TEST_CASE("schedules: settings changed through trainer.schedule() are checked again before they are used",
          "[schedule][trainer]") {
    const small_data d;
    const ctnn::fit_options options{.epochs = 2, .batch_size = 4, .shuffle = false};
    SECTION("step: a step_size of 0 would divide by zero") {
        small_net net(1);
        ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.1}, ctnn::clip::none{},
                              ctnn::schedule::step{.step_size = 2}};
        trainer.fit(d.x, d.y, options);
        trainer.schedule().step_size = 0;
        const auto before = trainer.steps();
        CHECK_THROWS_WITH(trainer.fit(d.x, d.y, options), Catch::Contains("step_size"));
        CHECK(trainer.steps() == before);  // refused before any step
        CHECK_THROWS_AS(trainer.train_step(d.x, d.y), ctnn::invalid_argument);
    }
    SECTION("cosine_warm_restarts per step: a t_mult of 0 would loop for ever, from an on_step callback too") {
        small_net net(1);
        ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.1}, ctnn::clip::none{},
                              schedule::per_step<schedule::cosine_warm_restarts>{{.t_0 = 1, .t_mult = 2}}};
        auto changing = options;
        changing.on_step = [&](const ctnn::step_report& r) {
            if (r.step == 5) trainer.schedule().t_mult = 0;
        };
        CHECK_THROWS_WITH(trainer.fit(d.x, d.y, changing), Catch::Contains("t_mult"));
        CHECK(trainer.steps() == 6);
    }
}

namespace {
/// Rows [4b, 4b + 4) of a (16, N) tensor: fit's batch b of 4 without shuffling.
ctnn::tensor<double, 2> batch_of(const ctnn::tensor<double, 2>& t, std::size_t b) {
    const std::size_t n = t.shape(1);
    ctnn::tensor<double, 2> rows = ctnn::tensor<double, 2>::from_shape({4, n});
    std::copy_n(t.data() + 4 * b * n, 4 * n, rows.data());
    return rows;
}
}  // namespace

TEST_CASE("schedules: per_step moves the rate after every step, as torch stepped per batch",
          "[schedule][trainer]") {
    const ctnn_test::fixture f("schedules.txt");
    const auto& torch_lr = f.values("onecycle_40.lr");
    const small_data d;  // 16 rows: batches of 4 make 4 steps an epoch
    const schedule::per_step<schedule::one_cycle> cycle{{.total_steps = 40}};
    STATIC_REQUIRE(ctnn::schedule_policy<schedule::per_step<schedule::one_cycle>>);

    small_net net(1);
    ctnn::trainer trainer{net, ctnn::optim::sgd{.lr = base_lr}, cycle};
    std::vector<double> used;
    const auto record = [&](const ctnn::step_report& s) { used.push_back(s.learning_rate); };
    // 2 epochs of fit, 2 steps by hand, 6 more epochs: one clock for both
    trainer.fit(d.x, d.y, {.epochs = 2, .batch_size = 4, .shuffle = false, .on_step = record});
    for (std::size_t k = 0; k < 2; ++k) {
        record(trainer.train_step(batch_of(d.x, k), batch_of(d.y, k)));
    }
    std::vector<double> epoch_rates;
    trainer.fit(d.x, d.y,
                {.epochs = 6,
                 .batch_size = 4,
                 .shuffle = false,
                 .on_epoch = [&](const ctnn::epoch_report& r) { epoch_rates.push_back(r.learning_rate); },
                 .on_step = record});
    REQUIRE(used.size() == 34);
    REQUIRE(trainer.epochs() == 8);  // the epoch clock still counts; the schedule does not read it
    for (std::size_t k = 0; k < used.size(); ++k) {
        INFO("step " << k << ": " << used[k] << " vs torch " << torch_lr[k]);
        REQUIRE(std::abs(used[k] - torch_lr[k]) <= 1e-12 * torch_lr[k]);
    }
    REQUIRE(std::abs(trainer.optimizer().lr - torch_lr[34]) <= 1e-12 * torch_lr[34]);
    // an epoch reports the rate its first step used
    CHECK(epoch_rates.front() == used[10]);
    CHECK(epoch_rates.back() == used[30]);

    // The updates used those rates: the same batches by hand, each at torch's rate.
    small_net manual_net(1);
    ctnn::trainer manual{manual_net, ctnn::optim::sgd{.lr = base_lr}};
    const std::size_t order[] = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1};
    for (std::size_t k = 0; k < 34; ++k) {
        const std::size_t b = k < 10 ? order[k] : (k - 10) % 4;
        manual.optimizer().lr = torch_lr[k];
        manual.train_step(batch_of(d.x, b), batch_of(d.y, b));
    }
    require_same_weights(manual_net, net, 1e-12);

    // 5 more steps to the cycle's 39th; past its 40th a fit or a step is refused before it
    // changes anything (torch applies the 41st step, then raises)
    trainer.fit(d.x, d.y, {.epochs = 1, .batch_size = 4, .shuffle = false});
    trainer.train_step(batch_of(d.x, 0), batch_of(d.y, 0));
    CHECK(trainer.optimizer().lr == Approx(torch_lr[39]).epsilon(1e-12));
    small_net before = net;
    CHECK_THROWS_WITH(trainer.fit(d.x, d.y, {.epochs = 1, .batch_size = 4, .shuffle = false}),
                      Catch::Contains("one_cycle: fit would step it 4 more times after 39")
                          && Catch::Contains("total steps is 40"));
    require_same_weights(before, net, 0.0);
    CHECK(trainer.steps() == 39);
    trainer.train_step(batch_of(d.x, 1), batch_of(d.y, 1));  // the 40th, the last torch allows
    CHECK(trainer.steps() == 40);
    before = net;
    const double lr = trainer.optimizer().lr;
    CHECK_THROWS_WITH(trainer.train_step(batch_of(d.x, 2), batch_of(d.y, 2)),
                      Catch::Contains("a training step would step it 1 more time after 40"));
    require_same_weights(before, net, 0.0);
    CHECK(trainer.steps() == 40);
    CHECK(trainer.optimizer().lr == lr);
}

TEST_CASE("schedules: a fit that would pass one_cycle's end is refused whole, stepped per epoch too",
          "[schedule][trainer]") {
    const small_data d;
    small_net net(1);
    small_net initial = net;
    ctnn::trainer per_batch{net, ctnn::optim::sgd{.lr = base_lr},
                            schedule::per_step<schedule::one_cycle>{{.total_steps = 10}}};
    // 3 epochs of 4 steps: 12 of the 10 the cycle has
    CHECK_THROWS_WITH(per_batch.fit(d.x, d.y, {.epochs = 3, .batch_size = 4, .shuffle = false}),
                      Catch::Contains("fit would step it 12 more times after 0"));
    require_same_weights(initial, net, 0.0);
    CHECK(per_batch.steps() == 0);
    CHECK(per_batch.fit(d.x, d.y, {.epochs = 2, .batch_size = 4, .shuffle = false}).steps == 8);
    // stepped per epoch (as torch's scheduler.step() after each epoch), its steps are epochs
    small_net other(1);
    ctnn::trainer per_epoch{other, ctnn::optim::sgd{.lr = base_lr},
                            schedule::one_cycle{.total_steps = 4, .pct_start = 0.5}};
    CHECK_THROWS_WITH(per_epoch.fit(d.x, d.y, {.epochs = 5, .batch_size = 4, .shuffle = false}),
                      Catch::Contains("fit would step it 5 more times after 0"));
    require_same_weights(initial, other, 0.0);
    CHECK(per_epoch.fit(d.x, d.y, {.epochs = 4, .batch_size = 4, .shuffle = false}).steps == 16);
    CHECK_THROWS(per_epoch.fit(d.x, d.y, {.epochs = 1, .batch_size = 4, .shuffle = false}));
    CHECK(per_epoch.epochs() == 4);
}

TEST_CASE("schedules: per_step wraps any schedule: cosine_annealing over steps", "[schedule][trainer]") {
    const ctnn_test::fixture f("schedules.txt");
    const auto& torch_lr = f.values("cosine_10.lr");  // CosineAnnealingLR stepped 40 times
    const small_data d;
    small_net net(1);
    ctnn::trainer trainer{net, ctnn::optim::sgd{.lr = base_lr},
                          schedule::per_step<schedule::cosine_annealing>{{.t_max = 10}}};
    std::vector<double> used;
    trainer.fit(d.x, d.y,
                {.epochs = 5, .batch_size = 2, .shuffle = true, .on_step = [&](const ctnn::step_report& s) {
                     used.push_back(s.learning_rate);
                 }});
    REQUIRE(used.size() == 40);
    for (std::size_t k = 0; k < 40; ++k) {
        INFO("step " << k);
        REQUIRE(std::abs(used[k] - torch_lr[k]) <= 1e-12 * std::max(torch_lr[k], 1e-12));
    }
}
