// distribute::data_parallel on the ranks mpirun starts (2 in CTest): weights bit-identical on
// every rank after every step, N ranks of batch b against one process of batch N·b, refused
// steps refused everywhere, a rank's failure stopping every rank with its reason, rank 0 alone
// saving, load read by rank 0 and sent. Every test case is collective.
#define CATCH_CONFIG_RUNNER
#include <ctnn/mpi.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <xtensor/xview.hpp>

#include <catch2/catch.hpp>

namespace {

using namespace ctnn;

const distribute::communicator* world = nullptr;

// Every byte of every parameter and buffer, as this rank holds it.
template <class Net>
std::vector<unsigned char> weight_bytes(const Net& net) {
    std::vector<unsigned char> bytes;
    net.for_each_parameter([&](const auto& p) {
        const auto* b = reinterpret_cast<const unsigned char*>(p.value.data());
        bytes.insert(bytes.end(), b, b + p.value.size() * sizeof(*p.value.data()));
    });
    return bytes;
}

// Whether every rank holds the same bits as rank 0.
template <class Net>
bool same_on_every_rank(const Net& net) {
    const auto mine = weight_bytes(net);
    const auto all = world->gather(std::span<const unsigned char>(mine));
    for (std::size_t r = 1; r < world->size(); ++r)
        if (std::memcmp(all.data(), all.data() + r * mine.size(), mine.size()) != 0) return false;
    return true;
}

template <class T>
struct regression_data {
    tensor<T, 2> x;
    tensor<T, 2> y;
};

// rows of a smooth target of 6 inputs, the same on every rank
template <class T>
regression_data<T> regression(std::size_t rows) {
    regression_data<T> d{tensor<T, 2>::from_shape({rows, 6}), tensor<T, 2>::from_shape({rows, 2})};
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < 6; ++c) d.x(r, c) = T(std::sin(0.37 * double(r) + 1.3 * double(c)));
        d.y(r, 0) = T(std::cos(0.21 * double(r)));
        d.y(r, 1) = T(0.5 * std::sin(0.11 * double(r) * double(r % 7)));
    }
    return d;
}

using net64 = basic_network<double, input<6>, dense<16, ctnn::tanh>, dense<8, ctnn::relu>, dense<2>>;
using net32 = network<input<6>, dense<16, ctnn::tanh>, dense<8, ctnn::relu>, dense<2>>;

template <class Net>
double relative_difference(const Net& a, const Net& b) {
    double worst = 0.0;
    std::vector<const double*> pa, pb;
    std::vector<std::size_t> sizes;
    a.for_each_parameter([&](const auto& p) {
        pa.push_back(p.value.data());
        sizes.push_back(p.value.size());
    });
    b.for_each_parameter([&](const auto& p) { pb.push_back(p.value.data()); });
    for (std::size_t k = 0; k < pa.size(); ++k)
        for (std::size_t i = 0; i < sizes[k]; ++i)
            worst = std::max(worst, std::abs(pa[k][i] - pb[k][i]) / std::max(1e-3, std::abs(pb[k][i])));
    return worst;
}

std::filesystem::path scratch_dir() {
    // one directory for the job: rank 0's process id, sent to every rank
    std::uint64_t id = world->is_root() ? std::uint64_t(::getpid()) : 0;
    world->broadcast(&id, sizeof id);
    auto dir = std::filesystem::temp_directory_path() / ("ctnn_mpi_test_" + std::to_string(id));
    if (world->is_root()) std::filesystem::create_directories(dir);
    std::exception_ptr none;
    world->agree(none, "scratch directory");
    return dir;
}

}  // namespace

TEST_CASE("data_parallel: every rank starts from rank 0's weights and stays bit-identical after every step") {
    net32 net(100 + world->rank());  // different weights on each rank until the trainer shares rank 0's
    trainer t{net, loss::mse{}, optim::adam{.lr = 0.01}, clip::by_global_norm{1.0},
              distribute::data_parallel{*world}};
    CHECK(same_on_every_rank(net));
    net32 rank0_initial(100);
    CHECK(weight_bytes(net) == weight_bytes(rank0_initial));

    const auto d = regression<float>(96);
    bool identical_after_each = true;
    std::size_t steps = 0;
    fit_options o{.epochs = 4, .batch_size = 8, .shuffle = true, .seed = 7, .log = nullptr};
    o.on_step = [&](const step_report&) {
        identical_after_each = identical_after_each && same_on_every_rank(net);
        ++steps;
    };
    const fit_result r = t.fit(d.x, d.y, o);
    CHECK(identical_after_each);
    CHECK(steps == 4 * 96 / (8 * world->size()));
    CHECK(r.steps == steps);
    CHECK(r.epoch_losses.back() < r.epoch_losses.front());
}

TEST_CASE("data_parallel: N ranks of batch b train as one process of batch N·b (float64)") {
    const std::size_t ranks = world->size();
    // 69 rows: on 2 ranks the last step's 5 rows split 2 and 3, and its gradient is still the
    // mean over them (each rank's weighted by its share)
    const auto d = regression<double>(69);
    const auto v = regression<double>(23);
    fit_options o{.epochs = 5, .batch_size = 8, .shuffle = true, .seed = 11, .log = nullptr};

    net64 spread(3 + world->rank());
    trainer ts{spread, loss::mse{}, optim::adam{.lr = 0.01}, clip::by_global_norm{0.5},
               distribute::data_parallel{*world}};
    const fit_result rs = ts.fit(d.x, d.y, v.x, v.y, o);

    net64 alone(3);
    trainer ta{alone, loss::mse{}, optim::adam{.lr = 0.01}, clip::by_global_norm{0.5}};
    fit_options oa = o;
    oa.batch_size = o.batch_size * ranks;
    const fit_result ra = ta.fit(d.x, d.y, v.x, v.y, oa);

    CHECK(relative_difference(spread, alone) < 1e-12);
    REQUIRE(rs.epoch_losses.size() == ra.epoch_losses.size());
    for (std::size_t e = 0; e < rs.epoch_losses.size(); ++e) {
        CHECK(rs.epoch_losses[e] == Approx(ra.epoch_losses[e]).epsilon(1e-12));
        CHECK(rs.history[e].validation_loss == Approx(ra.history[e].validation_loss).epsilon(1e-12));
    }
    CHECK(ts.evaluate(v.x, v.y) == Approx(ta.evaluate(v.x, v.y)).epsilon(1e-12));
    CHECK(same_on_every_rank(spread));
}

TEST_CASE("data_parallel: classification accuracy and train_step are combined over the ranks") {
    using classifier = basic_network<double, input<6>, dense<12, ctnn::tanh>, dense<3>>;
    const auto d = regression<double>(40);
    tensor<double, 2> labels = tensor<double, 2>::from_shape({40, 1});
    for (std::size_t r = 0; r < 40; ++r) labels(r, 0) = double(r % 3);
    classifier spread(5), alone(5);
    trainer ts{spread, loss::softmax_cross_entropy{}, optim::sgd{.lr = 0.1}, distribute::data_parallel{*world}};
    trainer ta{alone, loss::softmax_cross_entropy{}, optim::sgd{.lr = 0.1}};
    // train_step: each rank gives its own batch; together they are one batch of all of them
    const std::size_t per = 40 / world->size(), first = world->rank() * per;
    const tensor<double, 2> mine_x = xt::view(d.x, xt::range(first, first + per), xt::all());
    const tensor<double, 2> mine_y = xt::view(labels, xt::range(first, first + per), xt::all());
    const tensor<double, 2> all_x = xt::view(d.x, xt::range(0, per * world->size()), xt::all());
    const tensor<double, 2> all_y = xt::view(labels, xt::range(0, per * world->size()), xt::all());
    for (int i = 0; i < 3; ++i) {
        const step_report s = ts.train_step(mine_x, mine_y);
        const step_report a = ta.train_step(all_x, all_y);
        CHECK(s.loss == Approx(a.loss).epsilon(1e-12));
    }
    CHECK(same_on_every_rank(spread));
    fit_options o{.epochs = 1, .batch_size = 40, .log = nullptr};
    o.metrics = {{"first_prediction", [](const tensor<double, 2>& p, const tensor<double, 2>&) { return p(0, 0); }},
                 {"rows", [](const tensor<double, 2>& p, const tensor<double, 2>&) { return double(p.shape()[0]); }}};
    fit_options oa = o;
    const fit_result rs = ts.fit(d.x, labels, d.x, labels, o);
    const fit_result ra = ta.fit(d.x, labels, d.x, labels, oa);
    CHECK(rs.history[0].validation_accuracy == ra.history[0].validation_accuracy);
    REQUIRE(rs.history[0].validation_metrics.size() == 2);
    CHECK(rs.history[0].validation_metrics[1].second == 40.0);  // every rank's predictions, gathered
    CHECK(rs.history[0].validation_metrics[0].second
          == Approx(ra.history[0].validation_metrics[0].second).epsilon(1e-12));
}

TEST_CASE("data_parallel: a rank whose rows all weigh 0 adds nothing to a class-weighted step") {
    // Class 2 weighs 0 and is the last rank's every label: its own mean is 0/0, and the step must
    // still be the one process's over all the rows (PyTorch's weighted mean), not NaN.
    using classifier = basic_network<double, input<6>, dense<12, ctnn::tanh>, dense<3>>;
    const std::size_t ranks = world->size(), per = 4;
    const auto d = regression<double>(per * ranks);
    tensor<double, 2> labels = tensor<double, 2>::from_shape({per * ranks, 1});
    for (std::size_t r = 0; r < per * ranks; ++r) labels(r, 0) = r >= per * (ranks - 1) ? 2.0 : double(r % 2);
    const loss::softmax_cross_entropy weighted{.class_weights = {1.0, 3.0, 0.0}};
    classifier spread(6), alone(6);
    trainer ts{spread, weighted, optim::sgd{.lr = 0.1}, distribute::data_parallel{*world}};
    trainer ta{alone, weighted, optim::sgd{.lr = 0.1}};
    const std::size_t first = world->rank() * per;
    const tensor<double, 2> mine_x = xt::view(d.x, xt::range(first, first + per), xt::all());
    const tensor<double, 2> mine_y = xt::view(labels, xt::range(first, first + per), xt::all());
    for (int i = 0; i < 3; ++i) {
        const step_report s = ts.train_step(mine_x, mine_y);
        const step_report a = ta.train_step(d.x, labels);
        CHECK(s.applied);
        CHECK(std::isfinite(s.loss));
        CHECK(s.loss == Approx(a.loss).epsilon(1e-12));
    }
    CHECK(relative_difference(spread, alone) < 1e-12);
    CHECK(same_on_every_rank(spread));
}

TEST_CASE("data_parallel: the monitor, the clip and the schedule decide the same on every rank") {
    auto d = regression<float>(64);
    // the targets of rows 44..47 (the last rank's share of step 5 on 2 ranks) 10^4 times larger:
    // that step's gradients explode, and the monitor must see it on every rank alike
    for (std::size_t r = 44; r < 48; ++r)
        for (std::size_t c = 0; c < 2; ++c) d.y(r, c) *= 1e4f;
    net32 net(12);
    trainer t{net, loss::mse{}, optim::sgd{.lr = 0.01}, clip::by_global_norm{5.0},
              schedule::reduce_on_plateau{.factor = 0.5, .patience = 0},
              monitor::gradient_health{.warmup_steps = 2, .refuse_exploding_steps = true},
              distribute::data_parallel{*world}};
    fit_options o{.epochs = 3, .batch_size = 8 / world->size(), .shuffle = false, .log = nullptr,
                  .on_non_finite = non_finite_action::skip_step};
    std::vector<double> norms, rates;
    o.on_step = [&](const step_report& s) { norms.push_back(s.gradient_norm); };
    o.on_epoch = [&](const epoch_report& e) { rates.push_back(e.learning_rate); };
    const fit_result r = t.fit(d.x, d.y, o);
    CHECK(r.skipped_steps > 0);  // the monitor refused the exploding steps
    const auto gathered = [&](const std::vector<double>& mine) {
        const auto all = world->gather(std::span<const double>(mine));
        return std::equal(all.begin(), all.begin() + std::ptrdiff_t(mine.size()),
                          all.end() - std::ptrdiff_t(mine.size()));
    };
    CHECK(gathered(norms));  // the same global norm, bit for bit, on every rank
    CHECK(gathered(rates));  // the same learning rates: the schedule saw the same losses
    const std::vector<double> events{double(t.monitor().events().size()), double(r.skipped_steps)};
    CHECK(gathered(events));
    CHECK(same_on_every_rank(net));
}

TEST_CASE("data_parallel: a step refused on one rank's rows is refused on every rank") {
    auto d = regression<float>(32);
    d.x(3, 2) = std::numeric_limits<float>::quiet_NaN();  // row 3: rank 0's share of the first step
    net32 net(9);
    trainer t{net, loss::mse{}, optim::sgd{.lr = 0.01}, distribute::data_parallel{*world}};
    fit_options o{.epochs = 1, .batch_size = 4, .shuffle = false, .log = nullptr, .on_non_finite = non_finite_action::skip_step};
    const fit_result r = t.fit(d.x, d.y, o);
    CHECK(r.skipped_steps == 1);
    CHECK(same_on_every_rank(net));
    o.on_non_finite = non_finite_action::throw_error;
    const auto before = weight_bytes(net);
    CHECK_THROWS_AS(t.fit(d.x, d.y, o), non_finite_error);
    CHECK(weight_bytes(net) == before);
}

TEST_CASE("data_parallel: each rank reads its share for the update's bound, and the ranks agree on it") {
    // The last element of the first weight's momentum buffer lies in the last rank's share: the
    // other ranks must learn of it from the combined maxima, keep their copy and undo the step.
    auto d = regression<float>(32);
    net32 net(10);
    trainer t{net, loss::mse{}, optim::sgd{.lr = 2.0, .momentum = 0.9}, distribute::data_parallel{*world}};
    const tensor<float, 2> x0 = xt::view(d.x, xt::range(0, 8), xt::all()), y0 = xt::view(d.y, xt::range(0, 8), xt::all());
    const tensor<float, 2> x1 = xt::view(d.x, xt::range(8, 16), xt::all()), y1 = xt::view(d.y, xt::range(8, 16), xt::all());
    t.train_step(x0, y0);
    auto& buffer = t.optimizer_state(net.layer<0>().weight).buffers[0];
    buffer(buffer.size() - 1) = 3e38f;  // 2·0.9·b is past float's largest
    const auto before = weight_bytes(net);
    const auto report = t.train_step(x1, y1, non_finite_action::skip_step);
    CHECK_FALSE(report.applied);
    CHECK(weight_bytes(net) == before);
    CHECK(buffer(buffer.size() - 1) == 3e38f);
    CHECK(same_on_every_rank(net));
}

TEST_CASE("data_parallel: one rank's failure stops every rank with that rank's reason") {
    using classifier = network<input<6>, dense<3>>;
    const auto d = regression<float>(16);
    tensor<float, 2> labels = tensor<float, 2>::from_shape({16, 1});
    for (std::size_t r = 0; r < 16; ++r) labels(r, 0) = float(r % 3);
    classifier net(1);
    trainer t{net, loss::softmax_cross_entropy{}, optim::sgd{.lr = 0.1}, distribute::data_parallel{*world}};
    const auto before = weight_bytes(net);
    // train_step: each rank's own batch; the last rank's has a label of no class
    const std::size_t last = world->size() - 1;
    if (world->rank() == last) labels(6, 0) = 7.0f;
    try {
        t.train_step(d.x, labels);
        FAIL("train_step went on");
    } catch (const distributed_error& e) {
        const std::string what = e.what();
        INFO(what);
        CHECK(what.find("train_step: rank " + std::to_string(last) + " of " + std::to_string(world->size()))
              != std::string::npos);
        CHECK(what.find("row 6 is 7") != std::string::npos);
    }
    CHECK(weight_bytes(net) == before);
    CHECK(same_on_every_rank(net));

    // ranks given different data sets: refused before any step, on every rank
    const auto mine = regression<float>(16 + world->rank());
    tensor<float, 2> mine_labels = tensor<float, 2>::from_shape({mine.x.shape()[0], 1});
    for (std::size_t r = 0; r < mine_labels.shape()[0]; ++r) mine_labels(r, 0) = float(r % 3);
    CHECK_THROWS_WITH(t.fit(mine.x, mine_labels, fit_options{.epochs = 1, .batch_size = 4, .log = nullptr}),
                      Catch::Contains("rows of x differs between ranks"));
    CHECK(weight_bytes(net) == before);

    // a step callback that throws on one rank: every rank stops with its reason, after that step
    const auto same = regression<float>(16);
    tensor<float, 2> same_labels = tensor<float, 2>::from_shape({16, 1});
    for (std::size_t r = 0; r < 16; ++r) same_labels(r, 0) = float(r % 3);
    std::size_t steps_seen = 0;
    fit_options throwing{.epochs = 1, .batch_size = 2, .log = nullptr};
    throwing.on_step = [&](const step_report&) {
        if (++steps_seen == 2 && world->rank() == last) throw std::runtime_error("the step log is full");
    };
    try {
        t.fit(same.x, same_labels, throwing);
        FAIL("fit went on");
    } catch (const distributed_error& e) {
        const std::string what = e.what();
        INFO(what);
        CHECK(what.find("fit: on_step: rank " + std::to_string(last)) != std::string::npos);
        CHECK(what.find("the step log is full") != std::string::npos);
    }
    CHECK(steps_seen == 2);
    CHECK(same_on_every_rank(net));

    // fewer rows than ranks: no step could give every rank a row
    const auto one = regression<float>(1);
    const tensor<float, 2> one_label = {{1.0f}};
    if (world->size() > 1)
        CHECK_THROWS_WITH(t.fit(one.x, one_label, fit_options{.epochs = 1, .log = nullptr}),
                          Catch::Contains("1 rows for " + std::to_string(world->size()) + " ranks"));
}

TEST_CASE("data_parallel: batch_norm's running estimates are averaged over the ranks after every step") {
    using normalised = basic_network<double, input<6>, dense<8, ctnn::tanh>, batch_norm<>, dense<2>>;
    const auto d = regression<double>(48);
    normalised net(5);
    trainer t{net, loss::mse{}, optim::sgd{.lr = 0.05}, distribute::data_parallel{*world}};
    // every rank's shard has other statistics: without the average the estimates part
    t.fit(d.x, d.y, fit_options{.epochs = 2, .batch_size = 4, .shuffle = true, .seed = 3, .log = nullptr});
    auto& bn = net.layer<1>();
    std::vector<double> estimates(bn.running_mean.begin(), bn.running_mean.end());
    estimates.insert(estimates.end(), bn.running_var.begin(), bn.running_var.end());
    const auto all = world->gather(std::span<const double>(estimates));
    for (std::size_t r = 1; r < world->size(); ++r)
        CHECK(std::memcmp(all.data(), all.data() + r * estimates.size(), estimates.size() * sizeof(double)) == 0);
    // so every rank evaluates one model, the one rank 0 would save
    const double mine = t.evaluate(d.x, d.y);
    double losses[] = {mine};
    world->max(std::span<double>(losses));
    CHECK(losses[0] == mine);

    // the mean of one step's shard estimates, as a rank computes it: a step of one batch
    normalised fresh(5);
    trainer one{fresh, loss::mse{}, optim::sgd{.lr = 0.0}, distribute::data_parallel{*world}};
    const std::size_t rows = 4 * world->size();
    const auto x = xt::eval(xt::view(d.x, xt::range(0, rows)));
    const auto y = xt::eval(xt::view(d.y, xt::range(0, rows)));
    one.fit(x, y, fit_options{.epochs = 1, .batch_size = 4, .shuffle = false, .log = nullptr});
    double expected_mean0 = 0.0;
    for (std::size_t r = 0; r < world->size(); ++r) {
        normalised shard(5);
        trainer alone{shard, loss::mse{}, optim::sgd{.lr = 0.0}};
        const auto xs = xt::eval(xt::view(x, xt::range(4 * r, 4 * r + 4)));
        const auto ys = xt::eval(xt::view(y, xt::range(4 * r, 4 * r + 4)));
        alone.train_step(xs, ys);
        expected_mean0 += shard.layer<1>().running_mean(0) / double(world->size());
    }
    CHECK(fresh.layer<1>().running_mean(0) == Approx(expected_mean0).epsilon(1e-14));
}

TEST_CASE("data_parallel: each rank draws its own dropout masks; rank 0 those of one process") {
    using dropped = network<input<6>, dense<16, ctnn::relu>, dropout<std::ratio<1, 2>>, dense<2>>;
    dropped net(9);
    dropped alone(9);
    trainer t{net, loss::mse{}, optim::sgd{.lr = 0.01}, distribute::data_parallel{*world}};
    const rng& stream = net.layer<1>().stream();
    std::uint64_t draw = rng(stream)();
    const auto draws = world->gather(std::span<const std::uint64_t>(&draw, 1));
    for (std::size_t r = 1; r < world->size(); ++r) CHECK(draws[r] != draws[0]);
    CHECK(draws[0] == rng(alone.layer<1>().stream())());
}

TEST_CASE("data_parallel: ranks that disagree stop together: network, fit's settings, validation data") {
    using wider = network<input<6>, dense<17, ctnn::tanh>, dense<8, ctnn::relu>, dense<2>>;
    using relu_first = network<input<6>, dense<16, ctnn::relu>, dense<8, ctnn::relu>, dense<2>>;
    // another network type on the last rank: refused before a byte is sent
    const std::size_t last = world->size() - 1;
    if (world->size() > 1) {
        const auto build = [&](auto& model) {
            CHECK_THROWS_WITH((trainer{model, loss::mse{}, optim::sgd{.lr = 0.1}, distribute::data_parallel{*world}}),
                              Catch::Contains("the network (a hash of its layers' kinds, widths, activations and "
                                              "parameter shapes) differs between ranks"));
        };
        net32 same(1);
        wider other_width(1);
        relu_first other_activation(1);
        if (world->rank() == last) build(other_width); else build(same);
        if (world->rank() == last) build(other_activation); else build(same);
    }
    net32 net(1);
    trainer t{net, loss::mse{}, optim::sgd{.lr = 0.1}, distribute::data_parallel{*world}};
    const auto d = regression<float>(16);
    const auto before = weight_bytes(net);
    if (world->size() > 1) {
        fit_options epochs{.epochs = world->rank() == last ? 3u : 2u, .batch_size = 2, .log = nullptr};
        CHECK_THROWS_WITH(t.fit(d.x, d.y, epochs), Catch::Contains("fit: fit_options::epochs differs between ranks"));
        fit_options shuffle{.epochs = 1, .batch_size = 2, .shuffle = world->rank() != last, .log = nullptr};
        CHECK_THROWS_WITH(t.fit(d.x, d.y, shuffle), Catch::Contains("shuffle and drop_last"));
        t.optimizer().lr = world->rank() == last ? 0.2 : 0.1;
        CHECK_THROWS_WITH(t.fit(d.x, d.y, fit_options{.epochs = 1, .batch_size = 2, .log = nullptr}),
                          Catch::Contains("learning rate differs between ranks: rank 0 has 0.1, rank "
                                          + std::to_string(last) + " has 0.2"));
        t.optimizer().lr = 0.1;
    }
    CHECK(weight_bytes(net) == before);
    // validation data that one rank refuses: every rank stops, with that rank's reason
    auto v = regression<float>(8);
    if (world->rank() == last) v.x(3, 2) = std::numeric_limits<float>::quiet_NaN();
    try {
        t.fit(d.x, d.y, v.x, v.y, fit_options{.epochs = 1, .batch_size = 2, .log = nullptr});
        FAIL("fit went on");
    } catch (const distributed_error& e) {
        const std::string what = e.what();
        INFO(what);
        CHECK(what.find("fit (validation data): rank " + std::to_string(last)) != std::string::npos);
        CHECK(what.find("x is nan at row 3, column 2") != std::string::npos);
    }
    CHECK(weight_bytes(net) == before);
}

TEST_CASE("data_parallel: rank 0 alone writes; a load is read by rank 0 and sent to every rank") {
    const auto dir = scratch_dir();
    net32 net(21);
    trainer t{net, loss::mse{}, optim::adam{.lr = 0.01}, distribute::data_parallel{*world}};
    const auto d = regression<float>(32);
    t.fit(d.x, d.y, fit_options{.epochs = 2, .batch_size = 4, .log = nullptr});
    // each rank names its own file: only rank 0's is written
    const auto mine = dir / ("model-" + std::to_string(world->rank()) + ".ctnn");
    distribute::save(*world, mine, net, t);
    CHECK(std::filesystem::exists(mine) == world->is_root());

    // another rank's path is never read: rank 0's file reaches every rank
    net32 other(99 + world->rank());
    trainer t2{other, loss::mse{}, optim::adam{.lr = 0.01}};
    distribute::load(*world, mine, other, t2);
    CHECK(weight_bytes(other) == weight_bytes(net));
    CHECK(t2.optimizer_state()[0].steps == t.optimizer_state()[0].steps);

    // a corrupt file is refused on every rank with rank 0's reason, the weights kept
    if (world->is_root()) {
        std::fstream f(mine, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(60);
        f.put('\x7f');
    }
    net32 fresh(5);
    const auto before = weight_bytes(fresh);
    CHECK_THROWS_WITH(distribute::load(*world, dir / "model-0.ctnn", fresh),
                      Catch::Contains("rank 0 of") && Catch::Contains("distribute::load"));
    CHECK(weight_bytes(fresh) == before);
    if (world->is_root()) std::filesystem::remove_all(dir);
}

TEST_CASE("data_parallel: a checkpoint written by rank 0; its failure stops every rank") {
    const auto dir = scratch_dir();
    net32 net(4);
    trainer t{net, loss::mse{}, optim::sgd{.lr = 0.01}, distribute::data_parallel{*world}};
    const auto d = regression<float>(32);
    checkpoint save_each(net, dir / ("epoch{epoch}-rank" + std::to_string(world->rank()) + ".ctnn"),
                         {.every = 1, .write = world->is_root()});
    fit_options o{.epochs = 2, .batch_size = 4, .log = nullptr};
    o.callbacks = {save_each};
    t.fit(d.x, d.y, o);
    CHECK(save_each.saved().size() == (world->is_root() ? 2u : 0u));
    std::exception_ptr none;
    world->agree(none, "after the checkpoints");
    CHECK(std::filesystem::exists(dir / "epoch1-rank0.ctnn"));
    CHECK_FALSE(std::filesystem::exists(dir / "epoch1-rank1.ctnn"));

    // rank 0 cannot write: every rank stops after that epoch, with rank 0's reason
    checkpoint unwritable(net, dir / "no-such-directory" / "m.ctnn", {.every = 1, .write = world->is_root()});
    o.callbacks = {unwritable};
    CHECK_THROWS_WITH(t.fit(d.x, d.y, o), Catch::Contains("rank 0 of") && Catch::Contains("no-such-directory"));
    CHECK(same_on_every_rank(net));
    if (world->is_root()) std::filesystem::remove_all(dir);
}

int main(int argc, char** argv) {
    ctnn::distribute::mpi_session mpi(argc, argv);
    world = &mpi.world();
    return Catch::Session().run(argc, argv);
}
