// trainer: the seed program against PyTorch epoch by epoch, clipping, non-finite steps, data
// errors, mini-batches and the no-allocation steady state.
#include <ctnn/ctnn.hpp>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <new>

#include <xtensor/xview.hpp>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/fixture.hpp"
#include "support/load.hpp"
#include "support/optimizer_state.hpp"

// Counting global allocator: lets a test assert that training steps allocate nothing.
// (GCC cannot see that this operator new and delete are a malloc/free pair.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
std::atomic<std::size_t> allocations{0};
}
void* operator new(std::size_t n) {
    ++allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    ++allocations;
    return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

// xtensor's buffers do not come from operator new: xsimd's aligned allocator calls posix_memalign.
// With glibc that is counted too, by a definition here that forwards to glibc's memalign (its
// memory is freed by free), except under AddressSanitizer, which owns the allocator itself.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CTNN_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define CTNN_TEST_ASAN 1
#endif
#if defined(__GLIBC__) && !defined(CTNN_TEST_ASAN)
#define CTNN_TEST_COUNTS_ALIGNED 1
extern "C" void* __libc_memalign(std::size_t alignment, std::size_t size);
extern "C" int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
    if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) return EINVAL;
    ++allocations;
    void* p = __libc_memalign(alignment, size ? size : 1);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
#endif

namespace {
template <class T>
using seed_net = ctnn::basic_network<T, ctnn::input<10>, ctnn::dense<5, ctnn::relu>, ctnn::dense<1>>;

template <class T>
std::vector<double> train_seed(const ctnn_test::fixture& f, seed_net<T>& net) {
    ctnn_test::load_weights(net, f);
    const auto x = f.tensor<T, 2>("x");
    const auto y = f.tensor<T, 2>("y");
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.01}};
    return trainer.fit(x, y, {.epochs = 1000, .batch_size = 0, .shuffle = false}).epoch_losses;
}
}  // namespace

TEST_CASE("trainer: the seed program matches PyTorch at every epoch (double, 1e-9)", "[trainer][seed]") {
    const ctnn_test::fixture f("seed.txt");
    seed_net<double> net;
    const auto losses = train_seed(f, net);
    const auto& expected = f.values("loss64");
    REQUIRE(losses.size() == 1000);
    for (std::size_t e = 0; e < 1000; ++e) {
        INFO("epoch " << e);
        REQUIRE(std::abs(losses[e] - expected[e]) <= 1e-9 * expected[e]);
    }
    CHECK(ctnn_test::max_weight_error(net, f, "final_") <= 1e-9);
}

TEST_CASE("trainer: the seed program matches PyTorch at every epoch (float, 1e-5)", "[trainer][seed]") {
    const ctnn_test::fixture f("seed.txt");
    seed_net<float> net;
    const auto losses = train_seed(f, net);
    const auto& expected = f.values("loss32");
    for (std::size_t e = 0; e < 1000; ++e) {
        INFO("epoch " << e);
        REQUIRE(std::abs(losses[e] - expected[e]) <= 1e-5 * expected[e]);
    }
}

TEST_CASE("trainer: momentum with global-norm clipping matches PyTorch, norms included",
          "[trainer][clip]") {
    const ctnn_test::fixture f("seed.txt");
    seed_net<double> net;
    ctnn_test::load_weights(net, f);
    const auto x = f.tensor<double, 2>("x");
    const auto y = f.tensor<double, 2>("y");
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05, .momentum = 0.9},
                          ctnn::clip::by_global_norm{.max_norm = 0.5}};
    std::vector<double> norms;
    const auto result = trainer.fit(x, y, {.epochs = 200, .batch_size = 0, .shuffle = false,
                                           .on_step = [&](const ctnn::step_report& s) {
                                               norms.push_back(s.gradient_norm);
                                           }});
    const auto& expected_loss = f.values("clipped_loss64");
    const auto& expected_norm = f.values("clipped_norms");
    for (std::size_t e = 0; e < 200; ++e) {
        INFO("epoch " << e);
        REQUIRE(std::abs(result.epoch_losses[e] - expected_loss[e]) <= 1e-9 * expected_loss[e]);
        REQUIRE(std::abs(norms[e] - expected_norm[e]) <= 1e-9 * expected_norm[e]);
    }
    CHECK(ctnn_test::max_weight_error(net, f, "clipped_final_") <= 1e-9);
    CHECK((trainer.last_step().gradient_norm == norms.back()));
    CHECK(trainer.steps() == 200);
}

TEST_CASE("trainer: policies in any order, each found by its concept", "[trainer][policies]") {
    using net_t = seed_net<double>;
    net_t net;
    ctnn::trainer any_order{net, ctnn::clip::by_global_norm{.max_norm = 0.5}, ctnn::optim::sgd{.lr = 0.05, .momentum = 0.9},
                            ctnn::loss::mse{}};
    STATIC_REQUIRE(std::is_same_v<decltype(any_order),
                                  ctnn::trainer<net_t, ctnn::loss::mse, ctnn::optim::sgd, ctnn::clip::by_global_norm>>);
    CHECK(any_order.clip().max_norm == 0.5);
    CHECK(any_order.optimizer().momentum == 0.9);
    ctnn::trainer with_monitor{net, ctnn::optim::adam{.lr = 1e-3}, ctnn::loss::huber{.delta = 2.0},
                               ctnn::monitor::gradient_health{}};
    STATIC_REQUIRE(std::is_same_v<decltype(with_monitor),
                                  ctnn::trainer<net_t, ctnn::loss::huber, ctnn::optim::adam, ctnn::clip::none,
                                                ctnn::schedule::constant, ctnn::regularize::none,
                                                ctnn::monitor::gradient_health>>);
    CHECK(with_monitor.loss().delta == 2.0);
    ctnn::trainer only_optimizer{net, ctnn::optim::rmsprop{}};
    STATIC_REQUIRE(std::is_same_v<decltype(only_optimizer), ctnn::trainer<net_t, ctnn::loss::mse, ctnn::optim::rmsprop>>);
    // The positional spellings are unchanged.
    ctnn::trainer positional{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.01}};
    STATIC_REQUIRE(std::is_same_v<decltype(positional), ctnn::trainer<net_t>>);
    ctnn::trainer<net_t, ctnn::loss::mse, ctnn::optim::adam> declared(net, ctnn::optim::adam{.lr = 0.5});
    CHECK(declared.optimizer().lr == 0.5);

    // The same training whichever order the policies came in: the momentum and clipping
    // fixture of the test below, to the same bits.
    const ctnn_test::fixture f("seed.txt");
    const auto x = f.tensor<double, 2>("x");
    const auto y = f.tensor<double, 2>("y");
    net_t a, b;
    ctnn_test::load_weights(a, f);
    ctnn_test::load_weights(b, f);
    ctnn::trainer ordered{a, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05, .momentum = 0.9},
                          ctnn::clip::by_global_norm{.max_norm = 0.5}};
    ctnn::trainer shuffled{b, ctnn::clip::by_global_norm{.max_norm = 0.5}, ctnn::optim::sgd{.lr = 0.05, .momentum = 0.9}};
    const auto la = ordered.fit(x, y, {.epochs = 20, .batch_size = 0, .shuffle = false}).epoch_losses;
    const auto lb = shuffled.fit(x, y, {.epochs = 20, .batch_size = 0, .shuffle = false}).epoch_losses;
    CHECK(la == lb);
    CHECK(la.back() == Approx(f.values("clipped_loss64")[19]).epsilon(1e-9));
}

TEST_CASE("trainer: a refused step's message prints a NaN loss as nan, not -nan", "[trainer][errors]") {
    seed_net<double> net(1);
    ctnn::rng r(2);
    const auto x = r.normal_tensor<double>(8, 10);
    auto y = r.normal_tensor<double>(8, 1);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.1}};
    // the NaN an invalid operation gives on x86 has its sign bit set: printf shows it as "-nan"
    y(3, 0) = std::copysign(std::numeric_limits<double>::quiet_NaN(), -1.0);
    CHECK_THROWS_WITH(trainer.train_step(x, y), Catch::Contains("loss nan, gradient norm nan;"));
    y(3, 0) = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH(trainer.train_step(x, y), Catch::Contains("loss inf, gradient norm nan;"));
}

TEST_CASE("trainer: a non-finite step is refused and the weights are kept", "[trainer][errors]") {
    seed_net<double> net(1);
    ctnn::rng r(2);
    const auto x = r.normal_tensor<double>(8, 10);
    auto y = r.normal_tensor<double>(8, 1);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.1, .momentum = 0.9}};
    trainer.train_step(x, y);  // one good step: momentum buffers now hold state
    const auto w0 = net.layer<0>().weight.value;
    const auto b1 = net.layer<1>().bias.value;
    const auto buffer = trainer.optimizer_state(net.layer<0>().weight).buffers[0];

    y(3, 0) = std::numeric_limits<double>::infinity();
    try {
        trainer.train_step(x, y);
        FAIL("a non-finite loss was applied");
    } catch (const ctnn::non_finite_error& e) {
        CHECK_THAT(e.what(), Catch::Contains("step 1"));
        CHECK_THAT(e.what(), Catch::Contains("not applied"));
    }
    CHECK((net.layer<0>().weight.value == w0));
    CHECK((net.layer<1>().bias.value == b1));
    CHECK((trainer.optimizer_state(net.layer<0>().weight).buffers[0] == buffer));
    CHECK(trainer.optimizer_state(net.layer<0>().weight).steps == 1);

    const auto skipped = trainer.train_step(x, y, ctnn::non_finite_action::skip_step);
    CHECK_FALSE(skipped.applied);
    CHECK(skipped.non_finite_data == "y is inf at row 3, column 0");
    CHECK((net.layer<0>().weight.value == w0));
}

TEST_CASE("trainer: exploding training is stopped before the weights go non-finite",
          "[trainer][errors]") {
    seed_net<float> net(4);
    ctnn::rng r(5);
    const auto x = r.normal_tensor<float>(32, 10, 0.0, 100.0);
    const auto y = r.normal_tensor<float>(32, 1, 0.0, 100.0);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 10.0}};
    const auto result = trainer.fit(x, y, {.epochs = 50, .batch_size = 0, .shuffle = false,
                                           .on_non_finite = ctnn::non_finite_action::skip_step});
    CHECK(result.skipped_steps > 0);
    net.for_each_parameter([](const auto& p) { CHECK(xt::all(xt::isfinite(p.value))); });
}

TEST_CASE("trainer: data of the wrong shape is refused with expected and actual", "[trainer][errors]") {
    seed_net<float> net;
    ctnn::trainer trainer{net};
    const auto x = ctnn::tensor<float, 2>::from_shape({6, 10});
    const auto y = ctnn::tensor<float, 2>::from_shape({6, 1});
    const auto x_wide = ctnn::tensor<float, 2>::from_shape({6, 11});
    const auto y_wide = ctnn::tensor<float, 2>::from_shape({6, 2});
    const auto y_short = ctnn::tensor<float, 2>::from_shape({5, 1});
    const auto x_empty = ctnn::tensor<float, 2>::from_shape({0, 10});
    const auto y_empty = ctnn::tensor<float, 2>::from_shape({0, 1});
    CHECK_THROWS_WITH(trainer.fit(x_wide, y), Catch::Contains("fit: x has shape (6, 11), expected (rows, 10)"));
    CHECK_THROWS_WITH(trainer.fit(x, y_wide), Catch::Contains("fit: y has shape (6, 2), expected (rows, 1)"));
    CHECK_THROWS_WITH(trainer.train_step(x, y_short), Catch::Contains("y has 5 rows but x has 6"));
    CHECK_THROWS_WITH(trainer.evaluate(x_wide, y), Catch::Contains("evaluate"));
    CHECK_THROWS_AS(trainer.fit(x_empty, y_empty), ctnn::shape_error);
}

TEST_CASE("trainer: mini-batches, the last partial batch, and seeded shuffling", "[trainer]") {
    ctnn::rng r(6);
    const auto x = r.normal_tensor<double>(10, 10);
    const auto y = r.normal_tensor<double>(10, 1);

    SECTION("unshuffled mini-batches are contiguous row ranges") {
        seed_net<double> a(1), b(1);
        ctnn::trainer ta{a, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}};
        ctnn::trainer tb{b, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}};
        const auto result = ta.fit(x, y, {.epochs = 2, .batch_size = 4, .shuffle = false});
        CHECK(result.steps == 6);  // 4 + 4 + 2 rows, twice
        for (int epoch = 0; epoch < 2; ++epoch)
            for (std::size_t first : {0u, 4u, 8u}) {
                const std::size_t n = std::min<std::size_t>(4, 10 - first);
                const ctnn::tensor<double, 2> xb = xt::view(x, xt::range(first, first + n), xt::all());
                const ctnn::tensor<double, 2> yb = xt::view(y, xt::range(first, first + n), xt::all());
                tb.train_step(xb, yb);
            }
        CHECK((a.layer<0>().weight.value == b.layer<0>().weight.value));
        CHECK((a.layer<1>().bias.value == b.layer<1>().bias.value));
    }
    SECTION("a shuffle seed reproduces a run; another seed gives another") {
        auto run = [&](std::uint64_t seed) {
            seed_net<double> net(1);
            ctnn::trainer t{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}};
            return t.fit(x, y, {.epochs = 3, .batch_size = 3, .shuffle = true, .seed = seed}).epoch_losses;
        };
        CHECK(run(1) == run(1));
        CHECK(run(1) != run(2));
    }
}

TEST_CASE("trainer: drop_last, validation_split, and a run replayed from shuffled_order", "[trainer][fit]") {
    ctnn::rng r(7);
    const auto x = r.normal_tensor<double>(10, 10);
    const auto y = r.normal_tensor<double>(10, 1);
    const auto rows_of = [](const ctnn::tensor<double, 2>& t, const std::vector<std::size_t>& order, std::size_t first,
                            std::size_t n) {
        ctnn::tensor<double, 2> b = ctnn::tensor<double, 2>::from_shape({n, t.shape(1)});
        for (std::size_t i = 0; i < n; ++i) xt::view(b, i, xt::all()) = xt::view(t, order[first + i], xt::all());
        return b;
    };

    SECTION("drop_last leaves out the short batch; shuffled_order names every batch's rows") {
        seed_net<double> a(1), b(1);
        ctnn::trainer ta{a, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}};
        ctnn::trainer tb{b, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}};
        std::vector<std::size_t> batch_rows;
        const auto result = ta.fit(x, y,
                                   {.epochs = 3, .batch_size = 4, .seed = 9, .drop_last = true,
                                    .on_step = [&](const ctnn::step_report& s) { batch_rows.push_back(s.rows); }});
        CHECK(result.steps == 6);  // 4 + 4 rows, 2 left out, three times
        CHECK(batch_rows == std::vector<std::size_t>(6, 4));
        for (std::size_t epoch = 0; epoch < 3; ++epoch) {
            const auto order = ctnn::shuffled_order(10, 9, epoch);
            for (std::size_t first : {0u, 4u}) tb.train_step(rows_of(x, order, first, 4), rows_of(y, order, first, 4));
        }
        CHECK((a.layer<0>().weight.value == b.layer<0>().weight.value));
        CHECK((a.layer<1>().bias.value == b.layer<1>().bias.value));
        CHECK(ctnn::shuffled_order(10, 9, 1) != ctnn::shuffled_order(10, 9, 0));
    }
    SECTION("fit called epoch by epoch, its seed changed and a fit without shuffling between, goes by the clock") {
        seed_net<double> a(1), b(1);
        ctnn::trainer ta{a, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}};
        ctnn::trainer tb{b, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}};
        const std::vector<std::size_t> in_order{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        const std::vector<std::pair<bool, std::uint64_t>> epochs{{true, 9}, {true, 9}, {false, 9}, {true, 9}, {true, 5}, {true, 5}};
        for (std::size_t epoch = 0; epoch < epochs.size(); ++epoch) {
            const auto [shuffle, seed] = epochs[epoch];
            ta.fit(x, y, {.epochs = 1, .batch_size = 4, .shuffle = shuffle, .seed = seed, .drop_last = true});
            const auto order = shuffle ? ctnn::shuffled_order(10, seed, epoch) : in_order;
            for (std::size_t first : {0u, 4u}) tb.train_step(rows_of(x, order, first, 4), rows_of(y, order, first, 4));
        }
        CHECK(ta.epochs() == epochs.size());
        CHECK((a.layer<0>().weight.value == b.layer<0>().weight.value));
        CHECK((a.layer<1>().bias.value == b.layer<1>().bias.value));
    }
    SECTION("validation_split holds out the last rows, as fit with them given apart") {
        seed_net<double> a(2), b(2);
        ctnn::trainer ta{a, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}};
        ctnn::trainer tb{b, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}};
        const auto split = ta.fit(x, y, ctnn::validation_split{0.3}, {.epochs = 2, .batch_size = 3, .seed = 4});
        const ctnn::tensor<double, 2> x_train = xt::view(x, xt::range(0, 7), xt::all());
        const ctnn::tensor<double, 2> y_train = xt::view(y, xt::range(0, 7), xt::all());
        const ctnn::tensor<double, 2> x_val = xt::view(x, xt::range(7, 10), xt::all());
        const ctnn::tensor<double, 2> y_val = xt::view(y, xt::range(7, 10), xt::all());
        const auto apart = tb.fit(x_train, y_train, x_val, y_val, {.epochs = 2, .batch_size = 3, .seed = 4});
        REQUIRE(split.history.size() == 2);
        for (std::size_t e = 0; e < 2; ++e) {
            CHECK(split.history[e].loss == apart.history[e].loss);
            CHECK(split.history[e].validation_loss == apart.history[e].validation_loss);
            CHECK(std::isfinite(split.history[e].validation_loss));
        }
        CHECK_THROWS_MATCHES(ta.fit(x, y, ctnn::validation_split{1.0}), ctnn::invalid_argument,
                             Catch::Matchers::Message("ctnn: fit: validation_split needs a fraction in (0, 1), got 1"));
        CHECK_THROWS_WITH(ta.fit(x, y, ctnn::validation_split{1e-17}), Catch::Contains("leaves no validation rows"));
        CHECK(ta.fit(x, y, {}).steps == 1);  // {} is still fit_options (one epoch of one batch of 32 ≥ 10 rows)
    }
}

TEST_CASE("trainer: metrics measured on the validation data after every epoch", "[trainer][fit][metrics]") {
    using classifier = ctnn::network<ctnn::input<4>, ctnn::dense<8, ctnn::tanh>, ctnn::dense<3>>;
    ctnn::rng r(8);
    const ctnn::tensor<float, 2> x = r.normal_tensor<float>(60, 4);
    ctnn::tensor<float, 2> y = ctnn::tensor<float, 2>::from_shape({60, 1});
    for (std::size_t i = 0; i < 60; ++i) y(i, 0) = float(x(i, 0) > 0.5f ? 2 : x(i, 1) > 0.0f ? 1 : 0);
    classifier net(3);
    ctnn::trainer trainer{net, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::adam{.lr = 0.05}};
    std::vector<double> accuracy_seen, auc_seen;
    const auto result = trainer.fit(
        x, y, ctnn::validation_split{0.25},
        {.epochs = 4,
         .batch_size = 15,
         .metrics = {{"auc",
                      [](const auto& p, const auto& t) {  // one-vs-rest on probabilities
                          const ctnn::tensor<double, 2> e = xt::exp(p);
                          const ctnn::tensor<double, 2> proba = e / xt::view(xt::sum(e, {1}), xt::all(), xt::newaxis());
                          return ctnn::metrics::roc_auc(proba, t);
                      }},
                     {"macro_f1",
                      [](const auto& p, const auto& t) {
                          ctnn::metrics::confusion_matrix cm(3);
                          cm.add(p, t);
                          return cm.macro_f1();
                      }},
                     {"accuracy", [&](const auto& p, const auto& t) {
                          accuracy_seen.push_back(ctnn::metrics::accuracy(p, t));
                          return accuracy_seen.back();
                      }}}});
    REQUIRE(result.history.size() == 4);
    for (std::size_t e = 0; e < 4; ++e) {
        const auto& report = result.history[e];
        REQUIRE(report.validation_metrics.size() == 3);
        CHECK(report.validation_metrics[0].first == "auc");
        CHECK(report.validation_metrics[0].second > 0.0);
        CHECK(report.validation_metrics[0].second <= 1.0);
        // the metric saw what the trainer measured: the same accuracy
        CHECK(report.validation_metrics[2].second == report.validation_accuracy);
    }
    // the last epoch's metrics are those of the trained network on the held-out rows
    const ctnn::tensor<float, 2> x_val = xt::view(x, xt::range(45, 60), xt::all());
    const ctnn::tensor<float, 2> y_val = xt::view(y, xt::range(45, 60), xt::all());
    const ctnn::tensor<double, 2> p = xt::cast<double>(net.predict(x_val));
    const ctnn::tensor<double, 2> t = xt::cast<double>(y_val);
    ctnn::metrics::confusion_matrix cm(3);
    cm.add(p, t);
    CHECK(result.history[3].validation_metrics[1].second == cm.macro_f1());
    CHECK(result.history.csv().starts_with(
        "epoch,loss,validation_loss,validation_accuracy,validation_auc,validation_macro_f1,validation_accuracy,"));

    CHECK_THROWS_MATCHES(
        trainer.fit(x, y, {.metrics = {{"auc", [](const auto& p, const auto& t) { return ctnn::metrics::roc_auc(p, t); }}}}),
        ctnn::invalid_argument,
        Catch::Matchers::Message("ctnn: fit: fit_options::metrics are measured on validation data: pass it, fit(x, y, x_val, y_val, "
                "options) or fit(x, y, validation_split{0.2}, options)"));
}

TEST_CASE("trainer: a dropout layer's last mask, to replay a run's dropout", "[trainer][dropout]") {
    using net_t = ctnn::basic_network<double, ctnn::input<3>, ctnn::dense<6, ctnn::relu>,
                                      ctnn::dropout<std::ratio<1, 2>>, ctnn::dense<1>>;
    net_t net(5);
    ctnn::rng r(9);
    const auto x = r.normal_tensor<double>(4, 3);
    net.reserve(4);
    net.set_training(true);
    const double* out = net.forward(x.data(), 4);
    const auto mask = net.layer<1>().last_mask();
    REQUIRE(mask.shape(0) == 4);
    REQUIRE(mask.shape(1) == 6);
    for (const double m : mask) CHECK((m == 0.0 || m == 2.0));
    CHECK(xt::any(xt::equal(mask, 0.0)));
    // the output, recomputed from the mask by hand: relu(W₀x + b₀) ⊙ m, then W₂· + b₂
    const auto& w0 = net.layer<0>().weight.value;
    const auto& b0 = net.layer<0>().bias.value;
    const auto& w2 = net.layer<2>().weight.value;
    for (std::size_t i = 0; i < 4; ++i) {
        double expected = net.layer<2>().bias.value(0);
        for (std::size_t k = 0; k < 6; ++k) {
            double h = b0(k);
            for (std::size_t j = 0; j < 3; ++j) h += w0(k, j) * x(i, j);
            expected += w2(0, k) * std::max(h, 0.0) * mask(i, k);
        }
        CHECK(out[i] == Approx(expected).epsilon(1e-12));
    }
    net.set_training(false);
    net.forward(x.data(), 4);
    CHECK(xt::all(xt::equal(net.layer<1>().last_mask(), 1.0)));
}

TEST_CASE("trainer: evaluate is the loss of the current network", "[trainer]") {
    const ctnn_test::fixture f("seed.txt");
    seed_net<double> net;
    ctnn_test::load_weights(net, f);
    ctnn::trainer trainer{net};
    CHECK(trainer.evaluate(f.tensor<double, 2>("x"), f.tensor<double, 2>("y"))
          == Approx(f.values("loss64")[0]).epsilon(1e-12));
}

TEST_CASE("trainer: print_every writes PyTorch's progress lines", "[trainer]") {
    seed_net<float> net;
    ctnn::trainer trainer{net};
    ctnn::rng r(1);
    const auto x = r.normal_tensor<float>(4, 10);
    const auto y = r.normal_tensor<float>(4, 1);
    std::FILE* log = std::tmpfile();
    REQUIRE(log);
    std::size_t epochs_seen = 0;
    trainer.fit(x, y, {.epochs = 5, .print_every = 2, .log = log,
                       .on_epoch = [&](const ctnn::epoch_report& e) { epochs_seen += e.epoch == epochs_seen; }});
    std::rewind(log);
    char buffer[256] = {};
    const std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, log);
    std::fclose(log);
    const std::string text(buffer, n);
    CHECK_THAT(text, Catch::StartsWith("Epoch: 0, Loss: "));
    CHECK_THAT(text, Catch::Contains("Epoch: 2, Loss: "));
    CHECK_THAT(text, Catch::Contains("Epoch: 4, Loss: "));
    CHECK_THAT(text, !Catch::Contains("Epoch: 1,"));
    CHECK(epochs_seen == 5);
}

namespace {
// The benchmarks' W2 and W4 networks: BLAS products, and weight gradients through a transposed copy
// of x (the layers' scratch buffers).
using benchmark_w2_net =
    ctnn::network<ctnn::input<784>, ctnn::dense<256, ctnn::relu>, ctnn::dense<128, ctnn::relu>, ctnn::dense<10>>;
using tanh64 = ctnn::dense<64, ctnn::tanh>;
using benchmark_w4_net = ctnn::network<ctnn::input<32>, tanh64, tanh64, tanh64, tanh64, tanh64, tanh64, tanh64, tanh64,
                                       tanh64, tanh64, tanh64, tanh64, tanh64, tanh64, tanh64, tanh64, ctnn::dense<1>>;
// Images: the patch buffers of conv2d, batch norm's per-channel statistics and the pools' own.
using small_cnn_net = ctnn::network<ctnn::image<1, 8, 8>, ctnn::conv2d<4, ctnn::kernel<3>, ctnn::relu, ctnn::padding<1>>,
                                    ctnn::max_pool2d<ctnn::kernel<2>>, ctnn::conv2d<6, ctnn::kernel<3>>,
                                    ctnn::batch_norm<ctnn::relu>, ctnn::avg_pool2d<ctnn::kernel<2>>, ctnn::flatten,
                                    ctnn::dense<3>>;
}  // namespace

namespace {
// After one step sized every buffer, more steps allocate nothing; fit allocates its bookkeeping
// up front (mini-batches of 16 rows, reshuffled), then nothing per epoch.
template <class Trainer, class X, class Y>
void check_steady_state_allocates_nothing(Trainer& trainer, const X& x, const Y& y) {
    trainer.train_step(x, y);
    const std::size_t before = allocations.load();
    for (int i = 0; i < 5; ++i) trainer.train_step(x, y);
    CHECK(allocations.load() - before == 0);

    std::size_t after_first_epoch = 0, after_last_epoch = 0;
    trainer.fit(x, y, {.epochs = 3, .batch_size = 16, .shuffle = true,
                       .on_epoch = [&](const ctnn::epoch_report& e) {
                           (e.epoch == 0 ? after_first_epoch : after_last_epoch) = allocations.load();
                       }});
    CHECK(after_last_epoch == after_first_epoch);
}
}  // namespace

TEST_CASE("trainer: the counting allocator sees tensor buffers as well as operator new", "[trainer][allocation]") {
    std::size_t before = allocations.load();
    { std::vector<int> v(10); }
    CHECK(allocations.load() - before == 1);
#if defined(CTNN_TEST_COUNTS_ALIGNED)
    before = allocations.load();
    { const auto t = ctnn::tensor<float, 1>::from_shape({100}); }
    CHECK(allocations.load() - before == 1);
#else
    WARN("posix_memalign is not counted in this build (AddressSanitizer or not glibc): tensor buffers are unseen");
#endif
}

TEMPLATE_TEST_CASE("trainer: a steady-state training step allocates nothing", "[trainer][allocation]",
                   (ctnn::network<ctnn::input<10>, ctnn::dense<5, ctnn::relu>, ctnn::dense<1>>),
                   (ctnn::network<ctnn::input<64>, ctnn::dense<128, ctnn::tanh>, ctnn::dense<32, ctnn::sigmoid>,
                                  ctnn::dense<4>>),
                   (ctnn::network<ctnn::input<10>, ctnn::dense<16>, ctnn::batch_norm<ctnn::relu>, ctnn::dropout<>,
                                  ctnn::layer_norm<ctnn::tanh>, ctnn::dense<3, ctnn::gelu>>),
                   benchmark_w2_net, benchmark_w4_net, small_cnn_net) {
    TestType net(1);
    ctnn::rng r(2);
    const auto x = r.normal_tensor<float>(48, TestType::input_width);
    const auto y = r.normal_tensor<float>(48, TestType::output_width);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.01, .momentum = 0.9},
                          ctnn::clip::by_global_norm{.max_norm = 1.0}};
    check_steady_state_allocates_nothing(trainer, x, y);
}

TEMPLATE_TEST_CASE("trainer: a steady-state training step of a recurrent network allocates nothing",
                   "[trainer][allocation]",
                   (ctnn::network<ctnn::sequence<8>, ctnn::rnn<16>, ctnn::dense<1>>),
                   (ctnn::network<ctnn::sequence<8>, ctnn::rnn<64>, ctnn::dense<1>>),
                   (ctnn::network<ctnn::sequence<4>, ctnn::lstm<8, ctnn::whole_sequence>, ctnn::gru<6>, ctnn::dense<2>>),
                   (ctnn::network<ctnn::sequence<4>, ctnn::dense<5, ctnn::tanh>, ctnn::gru<7, ctnn::whole_sequence>,
                                  ctnn::dense<3>>)) {
    TestType net(1);
    ctnn::rng r(2);
    constexpr std::size_t rows = 32, steps = 12;
    auto x = ctnn::tensor<float, 3>::from_shape({rows, steps, TestType::input_width});
    for (auto& v : x) v = float(r.normal());
    using target_type = std::conditional_t<TestType::sequence_output, ctnn::tensor<float, 3>, ctnn::tensor<float, 2>>;
    auto y = [&] {
        if constexpr (TestType::sequence_output)
            return target_type::from_shape({rows, steps, TestType::output_width});
        else
            return target_type::from_shape({rows, TestType::output_width});
    }();
    for (auto& v : y) v = float(r.normal());
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 1e-3},
                          ctnn::clip::by_global_norm{.max_norm = 1.0}};
    check_steady_state_allocates_nothing(trainer, x, y);
}

namespace {
// Every layer with forward state: batch_norm (running estimates, counter), dropout (its mask
// stream), and a batch_norm inside a block.
using stateful_net = ctnn::basic_network<
    double, ctnn::input<3>, ctnn::dense<6>, ctnn::batch_norm<ctnn::relu>, ctnn::dropout<std::ratio<1, 4>>,
    ctnn::residual<ctnn::batch_norm<>, ctnn::dense<6>>,
    ctnn::concatenate<ctnn::branch<ctnn::dropout<std::ratio<1, 3>>, ctnn::batch_norm<>>, ctnn::branch<>>,
    ctnn::dense<3>>;

/// The saved buffers (running estimates, counters) of every layer, in order.
template <class Net>
std::vector<double> buffers_of(const Net& net) {
    std::vector<double> all;
    net.for_each_layer([&](const auto& layer) {
        ctnn::detail::for_each_buffer_of(layer, [&](std::string_view, const auto& b) {
            if constexpr (std::is_arithmetic_v<std::remove_cvref_t<decltype(b)>>)
                all.push_back(double(b));
            else
                all.insert(all.end(), b.begin(), b.end());
        });
    });
    return all;
}
/// Every number the network holds: parameters, then the buffers.
template <class Net>
std::vector<double> everything(const Net& net) {
    std::vector<double> all;
    net.for_each_parameter([&](const auto& p) { all.insert(all.end(), p.value.begin(), p.value.end()); });
    const auto buffers = buffers_of(net);
    all.insert(all.end(), buffers.begin(), buffers.end());
    return all;
}
/// The same, then the trainer's optimizer state: each parameter's buffers, step count and product.
template <class Net, class Trainer>
std::vector<double> everything(const Net& net, const Trainer& trainer) {
    std::vector<double> all = everything(net);
    ctnn_test::append_optimizer_state(all, trainer);
    return all;
}
}  // namespace

TEST_CASE("trainer: a refused step leaves running statistics, counters and streams as they were",
          "[trainer][errors][batch_norm][dropout]") {
    ctnn::rng r(31);
    const auto x = r.normal_tensor<double>(8, 3);
    ctnn::tensor<double, 2> y = ctnn::tensor<double, 2>::from_shape({8, 1});
    for (std::size_t i = 0; i < 8; ++i) y(i, 0) = double(i % 3);
    auto x_nan = x;
    x_nan(5, 1) = std::numeric_limits<double>::quiet_NaN();  // one NaN: the loss is NaN
    auto y_bad = y;
    y_bad(6, 0) = 7.0;  // a label outside 0..2: the loss throws after the forward pass

    for (const auto action : {ctnn::non_finite_action::throw_error, ctnn::non_finite_action::skip_step,
                              ctnn::non_finite_action::rollback}) {
        for (const bool bad_label : {false, true}) {
            INFO("action " << int(action) << (bad_label ? ", a bad label" : ", a NaN in x"));
            stateful_net refused(1), clean(1);
            ctnn::trainer t_refused{refused, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::adam{.lr = 0.01}};
            ctnn::trainer t_clean{clean, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::adam{.lr = 0.01}};
            t_refused.train_step(x, y, action);
            t_clean.train_step(x, y, action);
            REQUIRE(refused.layer<1>().batches_tracked == 1);
            const auto buffers = buffers_of(refused);
            const ctnn::rng stream = refused.layer<2>().stream();

            const bool throws = bad_label || action == ctnn::non_finite_action::throw_error;
            if (throws)
                CHECK_THROWS(t_refused.train_step(bad_label ? x : x_nan, bad_label ? y_bad : y, action));
            else
                CHECK_FALSE(t_refused.train_step(x_nan, y, action).applied);
            CHECK(buffers_of(refused) == buffers);  // bit for bit: no NaN, no extra batch counted
            CHECK(refused.layer<1>().batches_tracked == 1);
            CHECK(refused.layer<3>().layer<0>().batches_tracked == 1);
            CHECK(refused.layer<4>().layer<0, 1>().batches_tracked == 1);
            CHECK(refused.layer<4>().layer<0, 0>().stream() == clean.layer<4>().layer<0, 0>().stream());
            CHECK(refused.layer<2>().stream() == stream);  // no mask was drawn for the refused batch
            if (action == ctnn::non_finite_action::rollback && !bad_label) continue;  // weights rolled back, lr cut

            // The run goes on exactly as if the refused batch had never come.
            t_refused.train_step(x, y, action);
            t_clean.train_step(x, y, action);
            CHECK(everything(refused, t_refused) == everything(clean, t_clean));
            CHECK(refused.layer<2>().stream() == clean.layer<2>().stream());
            const auto probe = r.normal_tensor<double>(4, 3);
            CHECK(ctnn_test::max_relative_error(refused.predict(probe), clean.predict(probe)) == 0.0);
        }
    }
}

TEST_CASE("trainer: fit skips a bad batch without touching the running statistics", "[trainer][errors][batch_norm]") {
    ctnn::rng r(32);
    auto x = r.normal_tensor<double>(12, 3);
    ctnn::tensor<double, 2> y = ctnn::tensor<double, 2>::from_shape({12, 1});
    for (std::size_t i = 0; i < 12; ++i) y(i, 0) = double(i % 3);
    x(5, 2) = std::numeric_limits<double>::infinity();  // the second of three batches of 4
    // The same data without the bad batch.
    auto x_clean = ctnn::tensor<double, 2>::from_shape({8, 3});
    auto y_clean = ctnn::tensor<double, 2>::from_shape({8, 1});
    for (std::size_t i = 0, k = 0; i < 12; ++i) {
        if (i >= 4 && i < 8) continue;
        for (std::size_t c = 0; c < 3; ++c) x_clean(k, c) = x(i, c);
        y_clean(k++, 0) = y(i, 0);
    }
    stateful_net with_bad(2), without(2);
    ctnn::trainer a{with_bad, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::sgd{.lr = 0.05, .momentum = 0.9}};
    ctnn::trainer b{without, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::sgd{.lr = 0.05, .momentum = 0.9}};
    std::vector<std::string> skipped_because;
    const auto ra = a.fit(x, y, {.epochs = 3, .batch_size = 4, .shuffle = false,
                                 .on_non_finite = ctnn::non_finite_action::skip_step,
                                 .on_step = [&](const ctnn::step_report& s) {
                                     if (!s.applied) skipped_because.push_back(s.non_finite_data);
                                     else CHECK(s.non_finite_data.empty());
                                 }});
    CHECK(skipped_because == std::vector<std::string>(3, "x is inf at row 5, column 2"));
    const auto rb = b.fit(x_clean, y_clean, {.epochs = 3, .batch_size = 4, .shuffle = false});
    CHECK(ra.skipped_steps == 3);
    CHECK(with_bad.layer<1>().batches_tracked == 6);
    CHECK(everything(with_bad, a) == everything(without, b));
    CHECK(with_bad.layer<2>().stream() == without.layer<2>().stream());
}

TEST_CASE("trainer: a setting changed after construction is checked before the next step", "[trainer][errors]") {
    ctnn::rng r(33);
    const auto x = r.normal_tensor<double>(8, 3);
    ctnn::tensor<double, 2> y = ctnn::tensor<double, 2>::from_shape({8, 1});
    for (std::size_t i = 0; i < 8; ++i) y(i, 0) = double(i % 3);
    stateful_net net(3);
    ctnn::trainer trainer{net, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::sgd{.lr = 0.1, .momentum = 0.9},
                          ctnn::clip::by_global_norm{.max_norm = 1.0}};
    trainer.train_step(x, y);
    const auto before = everything(net, trainer);
    const ctnn::rng stream = net.layer<2>().stream();
    const double inf = std::numeric_limits<double>::infinity();

    trainer.optimizer().lr = inf;
    CHECK_THROWS_WITH(trainer.train_step(x, y), Catch::Contains("sgd needs a finite lr >= 0, got inf"));
    trainer.optimizer().lr = 0.1;
    trainer.optimizer().momentum = inf;
    CHECK_THROWS_WITH(trainer.fit(x, y, {.epochs = 1}), Catch::Contains("sgd needs a finite momentum >= 0"));
    trainer.optimizer().momentum = 0.9;
    // max_norm < 0 would scale every gradient by a negative factor: gradient ascent.
    trainer.clip().max_norm = -1.0;
    CHECK_THROWS_WITH(trainer.train_step(x, y, ctnn::non_finite_action::skip_step),
                      Catch::Contains("clip::by_global_norm needs max_norm > 0, got -1"));
    CHECK(everything(net, trainer) == before);  // nothing was applied, nothing was counted
    CHECK(net.layer<2>().stream() == stream);
    trainer.clip().max_norm = 1.0;
    CHECK(trainer.train_step(x, y).applied);
}

TEST_CASE("trainer: bad data is named by its row in the data set, not in the batch", "[trainer][errors]") {
    ctnn::rng r(34);
    auto x = r.normal_tensor<double>(64, 3);
    ctnn::tensor<double, 2> y = ctnn::tensor<double, 2>::from_shape({64, 1});
    for (std::size_t i = 0; i < 64; ++i) y(i, 0) = double(i % 3);
    stateful_net net(4);
    ctnn::trainer trainer{net, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::adam{.lr = 0.01}};
    const auto before = everything(net, trainer);

    auto y_bad = y;
    y_bad(57, 0) = 3.0;  // batch 7 of 8, its row 1 unshuffled; somewhere else shuffled
    for (const bool shuffle : {false, true}) {
        CHECK_THROWS_WITH(trainer.fit(x, y_bad, {.epochs = 2, .batch_size = 8, .shuffle = shuffle}),
                          Catch::Contains("softmax_cross_entropy: the target of row 57 is 3, not a class label"));
        CHECK(everything(net, trainer) == before);  // checked before the first step
    }
    CHECK_THROWS_WITH(trainer.evaluate(x, y_bad), Catch::Contains("the target of row 57 is 3"));

    x(21, 2) = std::numeric_limits<double>::quiet_NaN();
    for (const bool shuffle : {false, true}) {
        CHECK_THROWS_WITH(trainer.fit(x, y, {.epochs = 1, .batch_size = 8, .shuffle = shuffle}),
                          Catch::Contains("the update was not applied") && Catch::Contains("; x is nan at row 21, column 2"));
    }
    auto batch = r.normal_tensor<double>(4, 3);
    batch(3, 0) = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH(trainer.train_step(batch, ctnn::tensor<double, 2>{{0.0}, {1.0}, {2.0}, {0.0}}),
                      Catch::Contains("x is inf at row 3, column 0"));

    // evaluation data too: a NaN loss from a NaN in x is refused, naming it (it passed as a
    // measured NaN, and early stopping then said no validation data had been given)
    CHECK_THROWS_MATCHES(trainer.evaluate(x, y), ctnn::non_finite_error,
                         Catch::Matchers::Message("ctnn: evaluate: the loss is nan: x is nan at row 21, column 2"));
    const auto clean = r.normal_tensor<double>(64, 3);
    const auto before_fit = everything(net, trainer);
    CHECK_THROWS_MATCHES(trainer.fit(clean, y, x, y, {.epochs = 1, .batch_size = 8}), ctnn::non_finite_error,
                         Catch::Matchers::Message(
                             "ctnn: fit (validation data): x is nan at row 21, column 2; the data must be finite"));
    CHECK(everything(net, trainer) == before_fit);  // refused before the first epoch
}

namespace {
using float_stateful_net =
    ctnn::basic_network<float, ctnn::input<3>, ctnn::dense<6>, ctnn::batch_norm<ctnn::relu>,
                        ctnn::dropout<std::ratio<1, 4>>, ctnn::residual<ctnn::batch_norm<>, ctnn::dense<6>>, ctnn::dense<3>>;
}

TEST_CASE("trainer: an update that would make a weight or its optimizer state non-finite is refused and undone",
          "[trainer][errors]") {
    ctnn::rng r(35);
    const auto x = r.normal_tensor<float>(8, 3);
    ctnn::tensor<float, 2> y = ctnn::tensor<float, 2>::from_shape({8, 1});
    for (std::size_t i = 0; i < 8; ++i) y(i, 0) = float(i % 3);
    // An lr finite as a double but not as a float: every element of every updated weight goes
    // non-finite, from finite gradients, so only the update can be blamed.
    const double too_large = 1e39;

    for (const auto action : {ctnn::non_finite_action::throw_error, ctnn::non_finite_action::skip_step,
                              ctnn::non_finite_action::rollback}) {
        INFO("action " << int(action));
        float_stateful_net refused(1), clean(1);
        ctnn::trainer t_refused{refused, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::sgd{.lr = 0.01, .momentum = 0.9}};
        ctnn::trainer t_clean{clean, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::sgd{.lr = 0.01, .momentum = 0.9}};
        t_refused.train_step(x, y, action);
        t_clean.train_step(x, y, action);
        t_refused.optimizer().lr = too_large;
        if (action == ctnn::non_finite_action::throw_error) {
            CHECK_THROWS_MATCHES(
                t_refused.train_step(x, y, action), ctnn::non_finite_error,
                Catch::Matchers::Predicate<ctnn::non_finite_error>([](const ctnn::non_finite_error& e) {
                    const std::string m = e.what();
                    return m.starts_with("ctnn: non-finite update in training step 1 (epoch 0): loss ")
                           && m.find(", sgd lr 1e+39; layer 0 (dense) weight, element 0, would be ") != std::string::npos
                           && m.ends_with("; the update was not applied, the weights and optimizer state are those "
                                          "before this step");
                }));
        } else {
            const auto report = t_refused.train_step(x, y, action);
            CHECK_FALSE(report.applied);
            CHECK(report.rolled_back == (action == ctnn::non_finite_action::rollback));
        }
        // bit for bit: weights, momentum buffers, step counts, running statistics, streams
        CHECK(everything(refused, t_refused) == everything(clean, t_clean));
        CHECK(refused.layer<2>().stream() == clean.layer<2>().stream());
        if (action == ctnn::non_finite_action::rollback) CHECK(t_refused.optimizer().lr == too_large / 2);
        // and training goes on as if the refused step had not come
        t_refused.optimizer().lr = 0.01;
        t_refused.train_step(x, y, action);
        t_clean.train_step(x, y, action);
        CHECK(everything(refused, t_refused) == everything(clean, t_clean));
    }
}

TEST_CASE("trainer: an optimizer state that overflows is refused even when the weights stay finite",
          "[trainer][errors]") {
    // |g| ~ 1e36 is a finite float, but Adam's g² is not: v would be inf and every later step 0.
    seed_net<float> net(6), twin(6);
    ctnn::rng r(36);
    const auto x = r.normal_tensor<float>(8, 10, 0.0, 1e18);
    const auto y = r.normal_tensor<float>(8, 1);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.001}};
    CHECK_THROWS_WITH(trainer.train_step(x, y),
                      Catch::Contains("layer 0 (dense) weight's optimizer state exp_avg_sq, element ")
                          && Catch::Contains(", would be inf; the update was not applied"));
    // the weights as they were; the optimizer's state as its first step sees it: steps 0, zeros
    std::vector<double> weights, twin_weights;
    net.for_each_parameter([&](const auto& p) { weights.insert(weights.end(), p.value.begin(), p.value.end()); });
    for (const auto& state : trainer.optimizer_state()) {
        CHECK(state.steps == 0);
        for (const auto& b : state.buffers) CHECK(xt::all(xt::equal(b, 0.0f)));
    }
    twin.for_each_parameter([&](const auto& p) { twin_weights.insert(twin_weights.end(), p.value.begin(), p.value.end()); });
    CHECK(weights == twin_weights);
}

namespace {
// sgd with a bound that is wrong: it calls every update finite.
struct overconfident_sgd : ctnn::optim::sgd {
    static constexpr std::string_view name = "overconfident_sgd";
    template <class P, class S, class L>
    bool update_stays_finite(const P&, const S&, const L&, double) const {
        return true;
    }
};
}  // namespace

TEST_CASE("trainer: an update that a hand-written optimizer state makes overflow is refused and undone",
          "[trainer][errors]") {
    // The trainer keeps no copy to undo an update the optimizer shows stays finite
    // (optimizer_bounds_its_update); the bound reads the weights and the state as they are at
    // the step, so a value written by hand between steps is seen and the copy is kept.
    seed_net<float> net(8);
    ctnn::rng r(39);
    const auto x = r.normal_tensor<float>(8, 10);
    const auto y = r.normal_tensor<float>(8, 1);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 2.0, .momentum = 0.9}};
    trainer.train_step(x, y);
    trainer.optimizer_state(net.layer<0>().weight).buffers[0](7) = 3e38f;  // 2·0.9·b is past float's largest
    const auto before = everything(net, trainer);
    CHECK_THROWS_WITH(trainer.train_step(x, y),
                      Catch::Contains("non-finite update in training step 1") && Catch::Contains("element 7"));
    CHECK(everything(net, trainer) == before);
    CHECK_FALSE(trainer.train_step(x, y, ctnn::non_finite_action::skip_step).applied);
    CHECK(everything(net, trainer) == before);

    // An optimizer whose bound is wrong: nothing was kept, and the error says so.
    seed_net<float> other(8);
    ctnn::trainer wrong{other, ctnn::loss::mse{}, overconfident_sgd{{.lr = 2.0, .momentum = 0.9}}};
    STATIC_REQUIRE(ctnn::optimizer_bounds_its_update<overconfident_sgd>);
    wrong.train_step(x, y);
    wrong.optimizer_state(other.layer<0>().weight).buffers[0](7) = 3e38f;
    CHECK_THROWS_WITH(wrong.train_step(x, y),
                      Catch::Contains("layer 0 (dense) weight, element 7, would be -inf; overconfident_sgd's "
                                      "update_stays_finite promised a finite update, so nothing was kept to undo it "
                                      "(a bug in that bound)"));
}

TEST_CASE("trainer: the fused SGD step refuses an update that overflows too", "[trainer][errors]") {
    seed_net<float> net(7), twin(7);
    ctnn::rng r(37);
    const auto x = r.normal_tensor<float>(8, 10);
    const auto y = r.normal_tensor<float>(8, 1);
    // plain SGD, clip::off, no monitor: the step is folded into the weight-gradient product
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 1e39}, ctnn::clip::off{}};
    CHECK_THROWS_WITH(trainer.train_step(x, y), Catch::Contains("sgd lr 1e+39; layer 0 (dense) weight, element 0"));
    CHECK(everything(net) == everything(twin));
    CHECK_FALSE(trainer.train_step(x, y, ctnn::non_finite_action::skip_step).applied);
    CHECK(everything(net) == everything(twin));
    for (const auto& state : trainer.optimizer_state()) CHECK(state.steps == 0);  // no step was counted
}

TEST_CASE("trainer: a value written by hand between steps is read, not taken from what the last update recorded",
          "[trainer][errors]") {
    // An update records the largest values it wrote (parameter_state::largest_written) so that
    // the next step's bound need not read them again; that holds only while nothing else writes
    // them. Here a hand writes an optimizer state past what the next update can take, between
    // train_steps and from fit's on_step: each next step must see it, keep its copy and refuse
    // the update, in Adam's loop (which records) and in the folded SGD step (clip::off).
    // wide enough, in batches of 8, for dense's step to be folded into its product
    using wide_net = ctnn::basic_network<float, ctnn::input<32>, ctnn::dense<64, ctnn::tanh>, ctnn::dense<1>>;
    ctnn::rng r(40);
    const auto x = r.normal_tensor<float>(16, 32);
    const auto y = r.normal_tensor<float>(16, 1);
    const auto check = [&](auto make_trainer, std::size_t buffer, const char* what) {
        INFO(what);
        {  // between train_steps
            wide_net net(9);
            auto trainer = make_trainer(net);
            trainer.train_step(x, y);
            REQUIRE(trainer.optimizer_state(net.layer<0>().weight).largest_known);  // recorded
            trainer.optimizer_state(net.layer<0>().weight).buffers[buffer](7) = 3e38f;
            const auto before = everything(net, trainer);
            CHECK_FALSE(trainer.train_step(x, y, ctnn::non_finite_action::skip_step).applied);
            CHECK(everything(net, trainer) == before);
        }
        {  // from on_step, inside one epoch of fit
            wide_net net(9);
            auto trainer = make_trainer(net);
            std::vector<double> before;
            const auto result = trainer.fit(
                x, y,
                {.epochs = 1, .batch_size = 8, .shuffle = false, .print_every = 0,
                 .on_non_finite = ctnn::non_finite_action::skip_step, .on_step = [&](const ctnn::step_report& s) {
                     if (s.step != 0) return;
                     trainer.optimizer_state(net.layer<0>().weight).buffers[buffer](7) = 3e38f;
                     before = everything(net, trainer);
                 }});
            CHECK(result.skipped_steps == 1);
            CHECK(everything(net, trainer) == before);
        }
    };
    // Adam's m past float's largest over bc₁: the step (lr/bc₁)·m/(√v̂ + ε) is inf
    check([](auto& net) { return ctnn::trainer{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 1.0}}; }, 0, "adam");
    // the folded step's momentum buffer: 2·0.9·b is past float's largest
    check([](auto& net) {
        return ctnn::trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 2.0, .momentum = 0.9}, ctnn::clip::off{}};
    }, 0, "sgd folded");
}

TEST_CASE("trainer: the optimizer's state is the trainer's, one per parameter, and starts afresh when the weights "
          "are replaced", "[trainer][optimizer]") {
    seed_net<double> net(3), other(3);
    ctnn::rng r(38);
    const auto x = r.normal_tensor<double>(8, 10);
    const auto y = r.normal_tensor<double>(8, 1);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    STATIC_REQUIRE(std::is_same_v<decltype(trainer)::optimizer_state_type, ctnn::optim::parameter_state<double, 3>>);
    REQUIRE(trainer.optimizer_state().size() == 4);  // two weights, two biases
    for (const auto& state : trainer.optimizer_state()) CHECK(state.buffers[0].size() == 0);  // nothing before a step
    trainer.train_step(x, y);
    trainer.train_step(x, y);
    // found by identity, in for_each_parameter's order; m and v have the parameter's size
    CHECK(&trainer.optimizer_state(net.layer<1>().bias) == &trainer.optimizer_state()[3]);
    CHECK(trainer.optimizer_state(net.layer<0>().weight).buffers[1].size() == 50);
    CHECK(trainer.optimizer_state(net.layer<0>().weight).buffers[2].size() == 0);  // no amsgrad
    CHECK(trainer.optimizer_state(net.layer<0>().weight).steps == 2);
    CHECK_THROWS_WITH(trainer.optimizer_state(other.layer<0>().weight),
                      Catch::Contains("the parameter is not one of this trainer's network"));

    // A second trainer over the same network keeps its own state.
    ctnn::trainer second{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    CHECK(second.optimizer_state()[0].steps == 0);

    // New weights (initialize, or a load without this trainer): the next step is a first step,
    // exactly as a new trainer's from those weights.
    net.initialize(11);
    other.initialize(11);
    ctnn::trainer fresh{other, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    trainer.train_step(x, y);
    fresh.train_step(x, y);
    CHECK(everything(net, trainer) == everything(other, fresh));

    // reset_optimizer_state does the same by request.
    trainer.train_step(x, y);
    fresh.train_step(x, y);
    trainer.reset_optimizer_state();
    CHECK(trainer.optimizer_state()[0].steps == 0);
    ctnn::trainer fresh_again{other, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    trainer.train_step(x, y);
    fresh_again.train_step(x, y);
    CHECK(everything(net, trainer) == everything(other, fresh_again));

    // An assignment replaces every weight too, even from a network of the same revision count.
    const seed_net<double> assigned(12);
    REQUIRE(assigned.revision() == 1);
    trainer.train_step(x, y);
    net = assigned;
    other = assigned;
    ctnn::trainer fresh_assigned{other, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    trainer.train_step(x, y);
    fresh_assigned.train_step(x, y);
    CHECK(everything(net, trainer) == everything(other, fresh_assigned));
    const auto copy = net;  // a copy starts at the count it copies
    CHECK(copy.revision() == net.revision());
}

TEST_CASE("trainer: a non-finite y is named by its row (and step) in the data set", "[trainer][errors]") {
    ctnn::rng r(36);
    {
        using Net = ctnn::network<ctnn::input<3>, ctnn::dense<4, ctnn::tanh>, ctnn::dense<2>>;
        Net net(1);
        ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.01}};
        const auto x = r.normal_tensor<float>(40, 3);
        auto y = r.normal_tensor<float>(40, 2);
        y(27, 1) = std::numeric_limits<float>::quiet_NaN();
        for (const bool shuffle : {false, true})
            CHECK_THROWS_WITH(trainer.fit(x, y, {.epochs = 1, .batch_size = 8, .shuffle = shuffle}),
                              Catch::Contains("; y is nan at row 27, column 1"));
        auto x_bad = x;
        x_bad(27, 0) = std::numeric_limits<float>::infinity();  // x comes first: it spoils every later value
        CHECK_THROWS_WITH(trainer.fit(x_bad, y, {.epochs = 1, .batch_size = 8}),
                          Catch::Contains("; x is inf at row 27, column 0") && !Catch::Contains("y is"));
    }
    {
        using Net = ctnn::basic_network<double, ctnn::sequence<2>, ctnn::gru<3, ctnn::whole_sequence>, ctnn::dense<2>>;
        Net net(2);
        ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::adam{}};
        auto x = ctnn::tensor<double, 3>::from_shape({6, 4, 2});
        for (auto& v : x) v = r.normal();
        auto y = ctnn::tensor<double, 3>::from_shape({6, 4, 2});
        for (auto& v : y) v = r.normal();
        y(4, 2, 1) = -std::numeric_limits<double>::infinity();
        CHECK_THROWS_WITH(trainer.train_step(x, y), Catch::Contains("; y is -inf at row 4, step 2, column 1"));
        // padded: row 4 is 2 steps long, so its step 2 is never read and the step is applied
        const std::vector<std::size_t> lengths{4, 4, 4, 4, 2, 4};
        CHECK(trainer.train_step(ctnn::padded_sequences{x, lengths}, y).applied);
    }
}

TEST_CASE("trainer: with class weights, evaluate and an epoch's loss are the weighted mean of every row",
          "[trainer][class_weights]") {
    using Net = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<6, ctnn::tanh>, ctnn::dense<3>>;
    ctnn::rng r(37);
    const std::size_t rows = 600;  // evaluate judges chunks of 256 rows: 256 + 256 + 88
    const auto x = r.normal_tensor<double>(rows, 4);
    auto y = ctnn::tensor<double, 2>::from_shape({rows, 1});
    for (std::size_t i = 0; i < rows; ++i) y(i, 0) = double(i < 300 ? 0 : 1 + i % 2);  // the first chunk is all class 0
    const std::vector<double> weights{5.0, 1.0, 0.5};
    Net net(3);
    // Σᵢ w_yᵢ·(log Σⱼ e^zᵢⱼ − z_yᵢ) / Σᵢ w_yᵢ over every row, by hand
    const auto z = net.predict(x);
    const auto by_hand = [&](const std::vector<double>& w) {
        double sum = 0.0, total = 0.0;
        for (std::size_t i = 0; i < rows; ++i) {
            const auto label = std::size_t(y(i, 0));
            double lse = 0.0;
            for (std::size_t j = 0; j < 3; ++j) lse += std::exp(z(i, j));
            sum += w[label] * (std::log(lse) - z(i, label));
            total += w[label];
        }
        return sum / total;
    };
    ctnn::trainer trainer{net, ctnn::loss::softmax_cross_entropy{.class_weights = weights}, ctnn::optim::sgd{.lr = 0.0}};
    CHECK_THAT(trainer.evaluate(x, y), Catch::Matchers::WithinRel(by_hand(weights), 1e-13));
    for (const std::size_t batch : {32u, 600u}) {
        const auto result = trainer.fit(x, y, x, y, {.epochs = 1, .batch_size = batch, .shuffle = false});
        CHECK_THAT(result.history.epochs()[0].validation_loss, Catch::Matchers::WithinRel(by_hand(weights), 1e-13));
        CHECK_THAT(result.epoch_losses[0], Catch::Matchers::WithinRel(by_hand(weights), 1e-13));  // lr 0: same weights
    }
    // class 0 weighs nothing: the chunk of class 0 only has no mean of its own, and adds nothing
    ctnn::trainer zero_weight{net, ctnn::loss::softmax_cross_entropy{.class_weights = {0.0, 1.0, 0.5}},
                              ctnn::optim::sgd{.lr = 0.0}};
    CHECK_THAT(zero_weight.evaluate(x, y), Catch::Matchers::WithinRel(by_hand({0.0, 1.0, 0.5}), 1e-13));
}
