// io/save.hpp and io/load.hpp: exact round trips, optimizer state that resumes training as if it
// had never stopped, the first difference named for a network of another type, every truncation
// and corruption refused without touching the network, and atomic replacement of the file.
#include <ctnn/ctnn.hpp>
#include <ctnn/detail/atomic_file.hpp>
#include <ctnn/detail/crc32.hpp>
#include <ctnn/detail/model_file.hpp>
#include <ctnn/io/load.hpp>
#include <ctnn/io/save.hpp>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <ratio>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "fuzz/fuzz_networks.hpp"
#include "support/approx.hpp"
#include "support/fixture.hpp"
#include "support/optimizer_state.hpp"

namespace {
namespace fs = std::filesystem;
using ctnn::tensor;

/// A fresh directory under the system's temporary directory, removed with its contents.
struct temp_dir {
    fs::path path;
    explicit temp_dir(const std::string& name)
        : path(fs::temp_directory_path() / ("ctnn_io_" + std::to_string(::getpid()) + "_" + name)) {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    fs::path operator/(const std::string& name) const { return path / name; }
    std::vector<std::string> entries() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(path)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
};

std::vector<std::uint8_t> read_bytes(const fs::path& path) { return ctnn::detail::read_whole_file(path, "test"); }
void write_bytes(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
    ctnn::detail::write_file_atomically(path, bytes, "test");
}

/// Every number a network holds, in order: parameters, then buffers.
template <class Net>
std::vector<double> snapshot(const Net& net) {
    std::vector<double> all;
    const auto add = [&](const auto& t) { all.insert(all.end(), t.begin(), t.end()); };
    net.for_each_layer([&](const auto& layer) {
        layer.for_each_parameter([&](const auto& p) { add(p.value); });
        if constexpr (requires { layer.running_mean; }) {
            add(layer.running_mean);
            add(layer.running_var);
            all.push_back(double(layer.batches_tracked));
        }
    });
    return all;
}
/// The same, then the trainer's optimizer state: each parameter's buffers, step count and product.
template <class Net, class Trainer>
std::vector<double> snapshot(const Net& net, const Trainer& trainer) {
    std::vector<double> all = snapshot(net);
    ctnn_test::append_optimizer_state(all, trainer);
    return all;
}

/// A deterministic batch x (rows, In), y (rows, Out) that differs with `salt`.
template <class T, std::size_t In, std::size_t Out>
std::pair<tensor<T, 2>, tensor<T, 2>> batch(std::size_t rows, int salt) {
    auto x = tensor<T, 2>::from_shape({rows, In});
    auto y = tensor<T, 2>::from_shape({rows, Out});
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = T(std::sin(0.7 * double(i) + salt));
    for (std::size_t i = 0; i < y.size(); ++i) y.data()[i] = T(std::cos(1.3 * double(i) - salt));
    return {x, y};
}

template <class Trainer>
void train(Trainer& t, int first, int last) {
    using Net = typename Trainer::network_type;
    for (int s = first; s < last; ++s) {
        const auto [x, y] = batch<typename Net::scalar, Net::input_width, Net::output_width>(8, s);
        t.train_step(x, y);
    }
}

/// The message of the Error `f` throws (the test fails if it throws none).
template <class Error, class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    FAIL("no error of the expected type was thrown");
    return {};
}
template <class F>
std::string format_error_of(F&& f) {
    return error_of<ctnn::format_error>(f);
}

void rechecksum(std::vector<std::uint8_t>& bytes) {
    const std::uint32_t crc = ctnn::detail::crc32(bytes.data() + 24, bytes.size() - 24);
    for (std::size_t i = 0; i < 4; ++i) bytes[20 + i] = std::uint8_t(crc >> (8 * i));
}

/// The offset of the n-th occurrence of `text` in `bytes`.
std::size_t find(const std::vector<std::uint8_t>& bytes, std::string_view text, int n = 0) {
    auto it = bytes.begin();
    for (;; ++it) {
        it = std::search(it, bytes.end(), text.begin(), text.end());
        REQUIRE(it != bytes.end());
        if (n-- == 0) return std::size_t(it - bytes.begin());
    }
}

template <class T>
using mixed_net = ctnn::basic_network<T, ctnn::input<6>, ctnn::dense<5, ctnn::relu>, ctnn::batch_norm<>,
                                      ctnn::dropout<std::ratio<1, 4>>, ctnn::layer_norm<ctnn::tanh>, ctnn::dense<3>>;
}  // namespace

TEMPLATE_TEST_CASE("save/load: every parameter and running statistic round-trips exactly", "[io][save]", float,
                   double) {
    using Net = mixed_net<TestType>;
    const temp_dir dir("round_trip");
    Net trained(1);
    ctnn::trainer t{trained, ctnn::loss::mse{}, ctnn::optim::adam{}};
    train(t, 0, 3);
    ctnn::save(dir / "model.ctnn", trained);

    Net loaded(2);
    ctnn::trainer other{loaded, ctnn::loss::mse{}, ctnn::optim::adam{}};
    train(other, 5, 6);  // optimizer state built for weights that load replaces
    REQUIRE(snapshot(loaded) != snapshot(trained));
    ctnn::load(dir / "model.ctnn", loaded);

    std::vector<double> expected, got;
    trained.for_each_parameter([&](const auto& p) { expected.insert(expected.end(), p.value.begin(), p.value.end()); });
    loaded.for_each_parameter([&](const auto& p) { got.insert(got.end(), p.value.begin(), p.value.end()); });
    CHECK(got == expected);
    CHECK((loaded.template layer<1>().running_mean == trained.template layer<1>().running_mean));
    CHECK((loaded.template layer<1>().running_var == trained.template layer<1>().running_var));
    CHECK(loaded.template layer<1>().batches_tracked == trained.template layer<1>().batches_tracked);
    const auto x = batch<TestType, 6, 3>(5, 9).first;
    CHECK((loaded.predict(x) == trained.predict(x)));
    CHECK(dir.entries() == std::vector<std::string>{"model.ctnn"});
    // `other` starts its optimizer state afresh: its next step is a new trainer's first step
    // (twin's dropout stream is where loaded's is: it took the same step before the load).
    Net twin(2);
    ctnn::trainer first{twin, ctnn::loss::mse{}, ctnn::optim::adam{}};
    train(first, 5, 6);
    ctnn::load(dir / "model.ctnn", twin);
    ctnn::trainer fresh{twin, ctnn::loss::mse{}, ctnn::optim::adam{}};
    train(other, 6, 7);
    train(fresh, 6, 7);
    CHECK(snapshot(loaded, other) == snapshot(twin, fresh));
}

TEMPLATE_TEST_CASE("save/load with a trainer: training resumes exactly as if it had not stopped", "[io][save][optimizer]",
                   ctnn::optim::adam, ctnn::optim::nadam) {
    using Net = ctnn::network<ctnn::input<4>, ctnn::dense<6, ctnn::relu>, ctnn::batch_norm<>, ctnn::layer_norm<>,
                              ctnn::dense<2>>;
    const temp_dir dir("resume");
    TestType optimizer{};
    optimizer.lr = 0.01;
    if constexpr (requires { optimizer.amsgrad; }) optimizer.amsgrad = true;  // all three buffers

    Net uninterrupted(7);
    ctnn::trainer t{uninterrupted, ctnn::loss::mse{}, optimizer};
    train(t, 0, 4);
    ctnn::save(dir / "checkpoint.ctnn", uninterrupted, t);
    train(t, 4, 8);

    Net resumed(99);
    TestType changed = optimizer;
    changed.lr = 0.5;
    ctnn::trainer t2{resumed, ctnn::loss::mse{}, changed};
    ctnn::load(dir / "checkpoint.ctnn", resumed, t2);
    CHECK(t2.optimizer().lr == optimizer.lr);
    std::size_t i = 0;
    resumed.for_each_parameter([&](const auto& p) {
        const auto& state = t2.optimizer_state()[i++];
        CHECK(state.steps == 4);
        for (std::size_t k = 0; k < state.buffers.size(); ++k) CHECK(state.holds(k, p.size()));
    });
    train(t2, 4, 8);
    CHECK(snapshot(resumed, t2) == snapshot(uninterrupted, t));

    // The state matters: the same weights with a fresh optimizer end elsewhere.
    Net fresh(99);
    ctnn::load(dir / "checkpoint.ctnn", fresh);
    ctnn::trainer t3{fresh, ctnn::loss::mse{}, optimizer};
    train(t3, 4, 8);
    CHECK(snapshot(fresh) != snapshot(uninterrupted));
}

TEST_CASE("save/load with a trainer: a schedule goes on from the saved clocks", "[io][save][schedule]") {
    using Net = ctnn::network<ctnn::input<4>, ctnn::dense<6, ctnn::relu>, ctnn::dense<2>>;
    const temp_dir dir("resume_schedule");
    // the rate halves every 3 steps: after 8 steps it is a quarter
    const ctnn::schedule::per_step<ctnn::schedule::step> halving{{.step_size = 3, .gamma = 0.5}};
    Net uninterrupted(7);
    ctnn::trainer t{uninterrupted, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}, halving};
    train(t, 0, 4);
    ctnn::save(dir / "checkpoint.ctnn", uninterrupted, t);
    train(t, 4, 8);
    CHECK(t.optimizer().lr == Approx(0.0025).epsilon(1e-15));

    Net resumed(99);
    ctnn::trainer t2{resumed, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}, halving};
    ctnn::load(dir / "checkpoint.ctnn", resumed, t2);
    CHECK(t2.steps() == 4);
    CHECK(t2.epochs() == t.epochs());
    train(t2, 4, 8);
    CHECK(t2.optimizer().lr == t.optimizer().lr);  // from a clock at 0 it would be 0.005
    CHECK(snapshot(resumed, t2) == snapshot(uninterrupted, t));
}

TEST_CASE("save/load with a trainer: fit with shuffled batches resumes as one uninterrupted run",
          "[io][save][fit]") {
    using Net = ctnn::network<ctnn::input<4>, ctnn::dense<6, ctnn::relu>, ctnn::dense<2>>;
    const temp_dir dir("resume_fit");
    const auto [x, y] = batch<float, 4, 2>(40, 3);
    const ctnn::fit_options three{.epochs = 3, .batch_size = 8, .shuffle = true, .seed = 9, .log = nullptr};
    ctnn::fit_options six = three;
    six.epochs = 6;

    Net uninterrupted(7);
    ctnn::trainer t{uninterrupted, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    t.fit(x, y, six);

    Net split(7);  // two calls of three epochs: the second goes on with epochs 3..5's orders
    ctnn::trainer ts{split, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    ts.fit(x, y, three);
    ctnn::save(dir / "checkpoint.ctnn", split, ts);
    ts.fit(x, y, three);
    CHECK(snapshot(split, ts) == snapshot(uninterrupted, t));

    Net resumed(99);  // from the checkpoint: its epoch clock says where the orders go on
    ctnn::trainer tr{resumed, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    ctnn::load(dir / "checkpoint.ctnn", resumed, tr);
    REQUIRE(tr.epochs() == 3);
    tr.fit(x, y, three);
    CHECK(snapshot(resumed, tr) == snapshot(uninterrupted, t));
    CHECK(ctnn::shuffled_order(40, 9, 3) != ctnn::shuffled_order(40, 9, 0));
}

TEST_CASE("a model saved by the hand-written rnn, lstm and gru (a1c1676) loads, predicts and trains the same",
          "[io][save][recurrent]") {
    // tests/fixtures/models/write_recurrent.cpp wrote the file, the predictions and SGD steps
    // with that commit's layers; today's are derived from the cells' equations.
    using model = ctnn::basic_network<double, ctnn::sequence<3>, ctnn::lstm<4, ctnn::whole_sequence>,
                                      ctnn::gru<3, ctnn::whole_sequence>, ctnn::rnn<3, ctnn::relu>, ctnn::dense<2>>;
    const ctnn_test::fixture f("models/recurrent_a1c1676.txt");
    model net(99);
    ctnn::load(std::string(CTNN_FIXTURE_DIR) + "/models/recurrent_a1c1676.ctnn", net);
    const auto x = f.tensor<double, 3>("x");
    const auto y = f.tensor<double, 2>("y");
    CTNN_REQUIRE_CLOSE(net.predict(x), (f.tensor<double, 2>("prediction")), 1e-13);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.5}};
    CHECK(trainer.train_step(x, y).loss == Approx(f.scalar("loss")).epsilon(1e-13));
    std::size_t k = 0;
    net.for_each_parameter([&](const auto& p) {
        const auto expected = f.values("stepped." + std::to_string(k++));
        REQUIRE(p.value.size() == expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i)
            CHECK(p.value.data()[i] == Approx(expected[i]).epsilon(1e-12).margin(1e-15));
    });
    CHECK(k == 14);

    // the helpers below compare every parameter of a network with the fixture's records
    const auto check_parameters = [&](const model& m, const std::string& prefix, double tolerance) {
        std::size_t count = 0;
        m.for_each_parameter([&](const auto& p) {
            const auto expected = f.values(prefix + std::to_string(count++));
            REQUIRE(p.value.size() == expected.size());
            for (std::size_t i = 0; i < expected.size(); ++i)
                CHECK(p.value.data()[i] == Approx(expected[i]).epsilon(tolerance).margin(1e-15));
        });
        CHECK(count == 14);
    };
    const auto path = std::string(CTNN_FIXTURE_DIR) + "/models/recurrent_a1c1676.ctnn";
    SECTION("initialize draws what the hand-written layers drew for the same seed") {
        check_parameters(model(5), "initial.", 0.0);
    }
    SECTION("initial states") {
        model with_states(1);
        ctnn::load(path, with_states);
        with_states.layer<0>().initial_state() = {0.1, -0.2, 0.3, 0.05};
        with_states.layer<0>().initial_cell() = {-0.4, 0.25, 0.0, 0.6};
        with_states.layer<1>().initial_state() = {0.2, -0.1, 0.35};
        with_states.layer<2>().initial_state() = {0.5, 0.0, 0.15};
        CTNN_REQUIRE_CLOSE(with_states.predict(x), (f.tensor<double, 2>("prediction_initial_states")), 1e-13);
    }
    SECTION("sequences of different lengths") {
        model padded(1);
        ctnn::load(path, padded);
        const std::vector<std::size_t> lengths{5, 2, 4, 3};
        CTNN_REQUIRE_CLOSE(padded.predict(ctnn::padded_sequences(x, lengths)),
                           (f.tensor<double, 2>("prediction_padded")), 1e-13);
    }
    SECTION("truncated back-propagation through time") {
        model truncated(1);
        ctnn::load(path, truncated);
        truncated.layer<0>().bptt_steps = 2;
        truncated.layer<1>().bptt_steps = 3;
        ctnn::trainer truncated_trainer{truncated, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.5}};
        truncated_trainer.train_step(x, y);
        check_parameters(truncated, "truncated.", 1e-12);
    }
}

TEST_CASE("load refuses a pipe, a device and a file longer than the network's largest, unread",
          "[io][save][limits]") {
    using Net = ctnn::network<ctnn::input<4>, ctnn::dense<6, ctnn::relu>, ctnn::batch_norm<>, ctnn::dense<2>>;
    const temp_dir dir("limits");
    Net net(3);
    // the largest file of this optimizer: a trainer, and Adam's three buffers in use
    ctnn::trainer t{net, ctnn::loss::mse{}, ctnn::optim::adam{.amsgrad = true}};
    train(t, 0, 2);
    ctnn::save(dir / "full.ctnn", net, t);
    const std::uint64_t largest = ctnn::detail::model_file::largest_file(std::as_const(net));
    const std::uint64_t largest_of_adam = ctnn::detail::model_file::largest_file(std::as_const(net), 3);
    CHECK(std::filesystem::file_size(dir / "full.ctnn") <= largest_of_adam);
    CHECK(largest_of_adam - std::filesystem::file_size(dir / "full.ctnn") <= (1u << 16) + 64);
    CHECK(largest_of_adam < largest);  // a load without a trainer allows any optimizer's state
    const auto trained = snapshot(net);

    const auto message_of = [&](const std::filesystem::path& p) -> std::string {
        try {
            ctnn::load(p, net);
        } catch (const ctnn::error& e) {
            return e.what();
        }
        return "loaded";
    };
    const auto fifo = dir / "pipe";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_THROWS_AS(ctnn::load(fifo, net), ctnn::io_error);
    CHECK(message_of(fifo) == "ctnn: load '" + fifo.string() + "': cannot read it: it is a named pipe, not a regular file");
    CHECK(message_of("/dev/zero") == "ctnn: load '/dev/zero': cannot read it: it is a character device, not a regular file");

    const auto longer = dir / "longer.ctnn";
    std::filesystem::copy_file(dir / "full.ctnn", longer);
    std::filesystem::resize_file(longer, largest + 1);
    CHECK_THROWS_AS(ctnn::load(longer, net), ctnn::format_error);
    CHECK(message_of(longer) == "ctnn: load '" + longer.string() + "': the file is " + std::to_string(largest + 1)
                                    + " bytes, more than the " + std::to_string(largest)
                                    + " bytes of the largest file this network saves: not a file of this network");
    // with a trainer the bound is its optimizer's
    const auto longer_than_adam = dir / "longer_than_adam.ctnn";
    std::filesystem::copy_file(dir / "full.ctnn", longer_than_adam);
    std::filesystem::resize_file(longer_than_adam, largest_of_adam + 1);
    CHECK_THAT(format_error_of([&] { ctnn::load(longer_than_adam, net, t); }),
               Catch::Contains("more than the " + std::to_string(largest_of_adam) + " bytes of the largest file"));
    std::error_code ec;
    std::filesystem::resize_file(longer, std::uintmax_t(1) << 40, ec);  // sparse, if the file system can
    if (!ec) CHECK_THROWS_AS(ctnn::load(longer, net), ctnn::format_error);
    CHECK(snapshot(net) == trained);
}

TEST_CASE("load with a trainer: the file must hold the state of the same optimizer", "[io][save][optimizer]") {
    using Net = ctnn::network<ctnn::input<3>, ctnn::dense<2>>;
    const temp_dir dir("optimizer");
    Net net(1);
    ctnn::trainer adam{net, ctnn::loss::mse{}, ctnn::optim::adam{}};
    train(adam, 0, 2);
    ctnn::save(dir / "weights.ctnn", net);
    ctnn::save(dir / "adam.ctnn", net, adam);

    Net target(2);
    ctnn::trainer sgd{target, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.1, .momentum = 0.9}};
    train(sgd, 0, 1);
    const auto before = snapshot(target, sgd);
    CHECK_THAT(format_error_of([&] { ctnn::load(dir / "weights.ctnn", target, sgd); }),
               Catch::Contains("no optimizer state"));
    CHECK_THAT(format_error_of([&] { ctnn::load(dir / "adam.ctnn", target, sgd); }),
               Catch::Contains("another optimizer: adam in file, sgd in trainer"));
    CHECK(snapshot(target, sgd) == before);
    CHECK(sgd.optimizer().lr == 0.1);

    Net third(3);
    CHECK_THROWS_AS(ctnn::load(dir / "adam.ctnn", third, sgd), ctnn::invalid_argument);
    CHECK_THROWS_AS(ctnn::save(dir / "x.ctnn", third, adam), ctnn::invalid_argument);

    // A file with optimizer state loads into a network alone: the state is skipped.
    ctnn::load(dir / "adam.ctnn", target);
    std::vector<double> a, b;
    net.for_each_parameter([&](const auto& p) { a.insert(a.end(), p.value.begin(), p.value.end()); });
    target.for_each_parameter([&](const auto& p) { b.insert(b.end(), p.value.begin(), p.value.end()); });
    CHECK(a == b);
}

namespace {
using base_net = ctnn::network<ctnn::input<10>, ctnn::dense<5, ctnn::relu>, ctnn::batch_norm<>, ctnn::dense<1>>;

/// Loading `file` into a fresh Net throws a format_error containing `expected`, Net untouched.
template <class Net>
void expect_mismatch(const fs::path& file, const std::string& expected) {
    Net net(5);
    const auto before = snapshot(net);
    const std::string message = format_error_of([&] { ctnn::load(file, net); });
    INFO(message);
    CHECK_THAT(message, Catch::StartsWith("ctnn: load '" + file.string() + "': the file holds another network: "));
    CHECK_THAT(message, Catch::EndsWith(expected));
    CHECK(snapshot(net) == before);
}
}  // namespace

TEST_CASE("load: a network of another type is refused, naming the first difference", "[io][save][mismatch]") {
    const temp_dir dir("mismatch");
    const fs::path file = dir / "base.ctnn";
    ctnn::save(file, base_net(1));
    using ctnn::batch_norm, ctnn::dense, ctnn::input, ctnn::network, ctnn::relu;

    expect_mismatch<ctnn::basic_network<double, input<10>, dense<5, relu>, batch_norm<>, dense<1>>>(
        file, "scalar type float32 in file, float64 in network");
    expect_mismatch<network<input<9>, dense<5, relu>, batch_norm<>, dense<1>>>(file, "input width 10 in file, 9 in network");
    expect_mismatch<network<input<10>, dense<5, ctnn::tanh>, batch_norm<>, dense<1>>>(
        file, "layer 0 (dense): activation relu in file, tanh in network");
    expect_mismatch<network<input<10>, dense<5>, batch_norm<>, dense<1>>>(
        file, "layer 0 (dense): activation relu in file, identity in network");
    expect_mismatch<network<input<10>, dense<5, relu>, ctnn::layer_norm<>, dense<1>>>(
        file, "layer 1: kind batch_norm in file, layer_norm in network");
    // an activation's settings change what the weights compute: they are compared too
    expect_mismatch<network<input<10>, dense<5, ctnn::leaky_relu<std::ratio<1, 2>>>, batch_norm<>, dense<1>>>(
        file, "layer 0 (dense): activation relu in file, leaky_relu(1/2) in network");
    const fs::path leaky = dir / "leaky.ctnn";
    ctnn::save(leaky, network<input<10>, dense<5, ctnn::leaky_relu<>>, dense<1>>(1));
    expect_mismatch<network<input<10>, dense<5, ctnn::leaky_relu<std::ratio<1, 2>>>, dense<1>>>(
        leaky, "layer 0 (dense): activation leaky_relu in file, leaky_relu(1/2) in network");
    network<input<10>, dense<5, ctnn::leaky_relu<std::ratio<2, 200>>>, dense<1>> same_slope;  // 2/200 is 1/100
    CHECK_NOTHROW(ctnn::load(leaky, same_slope));
    const fs::path clipped = dir / "hardtanh.ctnn";
    ctnn::save(clipped, network<input<10>, dense<5, ctnn::hardtanh<std::ratio<-2>, std::ratio<5, 2>>>, dense<1>>(1));
    expect_mismatch<network<input<10>, dense<5, ctnn::hardtanh<>>, dense<1>>>(
        clipped, "layer 0 (dense): activation hardtanh(-2, 5/2) in file, hardtanh in network");
    expect_mismatch<network<input<10>, dense<4, relu>, batch_norm<>, dense<1>>>(
        file, "layer 0 (dense): weight shape (5, 10) in file, (4, 10) in network");
    expect_mismatch<network<input<10>, dense<5, relu>, batch_norm<>, dense<2>>>(
        file, "layer 2 (dense): weight shape (1, 5) in file, (2, 5) in network");
    expect_mismatch<network<input<10>, dense<5, relu>, batch_norm<>>>(file, "number of layers 3 in file, 2 in network");
    expect_mismatch<network<input<10>, dense<5, relu>, batch_norm<>, dense<1>, dense<1>>>(
        file, "number of layers 3 in file, 4 in network");
}

TEST_CASE("load: the layers inside a block are compared too: kinds and activations", "[io][save][mismatch]") {
    using ctnn::branch, ctnn::concatenate, ctnn::dense, ctnn::input, ctnn::network, ctnn::relu, ctnn::residual;
    const temp_dir dir("blocks");
    const fs::path res = dir / "residual.ctnn", cat = dir / "concatenate.ctnn", bi = dir / "bidirectional.ctnn";
    using residual_net = network<input<4>, residual<dense<4, ctnn::tanh>, dense<4>>, dense<1>>;
    ctnn::save(res, residual_net(1));
    expect_mismatch<network<input<4>, residual<dense<4, relu>, dense<4>>, dense<1>>>(
        res, "layer 0 (residual): activation [dense tanh, dense identity] in file, [dense relu, dense identity] in network");
    using branches_net = network<input<4>, concatenate<branch<dense<3, ctnn::sigmoid>>, branch<>>, dense<1>>;
    ctnn::save(cat, branches_net(1));
    expect_mismatch<network<input<4>, concatenate<branch<dense<3, ctnn::tanh>>, branch<>>, dense<1>>>(
        cat, "layer 0 (concatenate): activation [dense sigmoid][] in file, [dense tanh][] in network");
    // a long description is shown from just before its first difference, not cut before it
    const fs::path deep = dir / "deep.ctnn";
    using deep_net = network<input<4>, concatenate<branch<dense<3, ctnn::tanh>>, branch<ctnn::batch_norm<>, dense<4>>>>;
    ctnn::save(deep, deep_net(1));
    expect_mismatch<network<input<4>, concatenate<branch<dense<3, ctnn::tanh>>, branch<ctnn::batch_norm<>, dense<4, relu>>>>>(
        deep, "layer 0 (concatenate): activation ...identity, dense identity] in file, ...identity, dense relu] in network");
    using recurrent_net = network<ctnn::sequence<3>, ctnn::bidirectional<ctnn::rnn<4, ctnn::tanh>>, dense<1>>;
    ctnn::save(bi, recurrent_net(1));
    expect_mismatch<network<ctnn::sequence<3>, ctnn::bidirectional<ctnn::rnn<4, relu>>, dense<1>>>(
        bi, "layer 0 (bidirectional): activation [rnn tanh] in file, [rnn relu] in network");
    residual_net same(2);
    ctnn::load(res, same);  // the same blocks load
    CHECK(snapshot(same) == snapshot(residual_net(1)));

    // A file written before blocks recorded their inner layers has an empty activation there:
    // it still loads (its parameters' names and shapes are compared).
    auto bytes = read_bytes(res);
    const std::string described = "[dense tanh, dense identity]";
    const std::size_t at = find(bytes, described);
    bytes.erase(bytes.begin() + std::ptrdiff_t(at), bytes.begin() + std::ptrdiff_t(at + described.size()));
    std::fill_n(bytes.begin() + std::ptrdiff_t(at - 4), 4, std::uint8_t(0));  // its u32 length
    std::uint64_t payload = 0;
    std::memcpy(&payload, bytes.data() + 12, 8);
    payload -= described.size();
    std::memcpy(bytes.data() + 12, &payload, 8);
    rechecksum(bytes);
    write_bytes(res, bytes);
    residual_net older(3);
    ctnn::load(res, older);
    CHECK(snapshot(older) == snapshot(residual_net(1)));
}

TEST_CASE("load: differences only a foreign or edited file can have are named too", "[io][save][mismatch]") {
    const temp_dir dir("edited");
    const fs::path file = dir / "edited.ctnn";
    ctnn::save(dir / "base.ctnn", base_net(1));
    const auto original = read_bytes(dir / "base.ctnn");
    // Each edit keeps the checksum valid, so only the signature check can catch it.
    const auto edited = [&](auto&& edit) {
        auto bytes = original;
        edit(bytes);
        rechecksum(bytes);
        write_bytes(file, bytes);
    };

    edited([](auto& b) { b[find(b, "weight") + 1] = 'E'; });
    expect_mismatch<base_net>(file, "layer 0 (dense): parameter 0 named 'wEight' in file, 'weight' in network");
    edited([](auto& b) {  // running_var's dtype "float32" -> "float64"
        const std::size_t dtype = find(b, "running_var") + 11 + 4;
        b[dtype + 5] = '6';
        b[dtype + 6] = '4';
    });
    expect_mismatch<base_net>(file, "layer 1 (batch_norm): running_var element type float64 in file, float32 in network");
    edited([](auto& b) { b[find(b, "running_mean") + 12 + 4 + 7 + 1] = 9; });  // shape (5,) -> (9,)
    expect_mismatch<base_net>(file, "layer 1 (batch_norm): running_mean shape (9,) in file, (5,) in network");
    edited([](auto& b) { b[find(b, "batch_norm") + 10 + 4 + 8] = 7; });  // its output width
    expect_mismatch<base_net>(file, "layer 1 (batch_norm): output width 7 in file, 5 in network");
    edited([](auto& b) { b[find(b, "batch_norm") + 10] = 4; });  // its index
    base_net net(1);
    const std::size_t index_at = find(read_bytes(file), "batch_norm") + 10;
    CHECK_THAT(format_error_of([&] { ctnn::load(file, net); }),
               Catch::Contains("layer record 1 holds index 4 (at byte " + std::to_string(index_at) + ")"));
    edited([](auto& b) { b[find(b, "relu") - 1] = 0x7F; });  // the activation name's length: 2 GB
    CHECK_THAT(format_error_of([&] { ctnn::load(file, net); }), Catch::Contains("truncated or corrupted"));
}

TEST_CASE("load: every truncation and every flipped byte is a format_error and the network is untouched",
          "[io][save][corrupt]") {
    using Net = ctnn::basic_network<float, ctnn::input<2>, ctnn::dense<2, ctnn::relu>, ctnn::batch_norm<>>;
    const temp_dir dir("corrupt");
    Net saved(1);
    ctnn::trainer t{saved, ctnn::loss::mse{}, ctnn::optim::adam{}};
    train(t, 0, 2);
    ctnn::save(dir / "model.ctnn", saved, t);
    const auto bytes = read_bytes(dir / "model.ctnn");
    REQUIRE(bytes.size() > 200);

    Net net(2);
    ctnn::trainer target{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.25}};
    const auto before = snapshot(net, target);
    const std::string context = "ctnn: load 'memory'";
    const auto load = [&](const std::vector<std::uint8_t>& file, bool with_trainer) {
        if (with_trainer)
            ctnn::detail::model_file::load(file, context, net, &target);
        else
            ctnn::detail::model_file::load(file, context, net, static_cast<void*>(nullptr));
    };

    for (std::size_t size = 0; size < bytes.size(); ++size) {
        const std::vector<std::uint8_t> prefix(bytes.begin(), bytes.begin() + std::ptrdiff_t(size));
        INFO("truncated to " << size << " bytes");
        REQUIRE_THAT(format_error_of([&] { load(prefix, true); }), Catch::Contains("truncated"));
        REQUIRE_THAT(format_error_of([&] { load(prefix, false); }), Catch::Contains("truncated"));
    }
    for (std::size_t at = 0; at < bytes.size(); ++at) {
        auto flipped = bytes;
        flipped[at] ^= 0x5A;
        INFO("byte " << at << " flipped");
        const std::string message = format_error_of([&] { load(flipped, true); });
        if (at < 8)
            REQUIRE_THAT(message, Catch::Contains("not a ctnn model file"));
        else if (at < 12)
            REQUIRE_THAT(message, Catch::Contains("format version"));
        else if (at < 20)
            REQUIRE_THAT(message, Catch::Contains("truncated") || Catch::Contains("corrupted"));
        else
            REQUIRE_THAT(message, Catch::Contains("checksum mismatch"));
    }
    auto longer = bytes;
    longer.push_back(0);
    CHECK_THAT(format_error_of([&] { load(longer, false); }), Catch::Contains("follow the announced end"));
    CHECK(snapshot(net, target) == before);
    CHECK(target.optimizer().lr == 0.25);

    // Through the file API as well, with the file named.
    write_bytes(dir / "short.ctnn", {bytes.begin(), bytes.begin() + 100});
    CHECK_THAT(format_error_of([&] { ctnn::load(dir / "short.ctnn", net); }),
               Catch::StartsWith("ctnn: load '" + (dir / "short.ctnn").string() + "': the file is truncated"));
    CHECK_THROWS_AS(ctnn::load(dir / "absent.ctnn", net), ctnn::io_error);
    CHECK(snapshot(net, target) == before);

    load(bytes, true);  // and the intact file loads, optimizer state included
    CHECK(snapshot(net, target) == snapshot(saved, t));
}

TEST_CASE("save: the file is replaced atomically, a failed save leaves the previous file and no temp file",
          "[io][save][atomic]") {
    using Net = ctnn::network<ctnn::input<8>, ctnn::dense<8>>;
    const temp_dir dir("atomic");
    const fs::path path = dir / "model.ctnn";
    ctnn::save(path, Net(1));
    const auto previous = read_bytes(path);

    SECTION("a file over the size limit is refused before it is written") {
        rlimit old{};
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
        rlimit small = old;
        small.rlim_cur = 100;  // the file is over 300 bytes
        const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
        std::string message;
        try {
            ctnn::save(path, Net(2));
        } catch (const ctnn::io_error& e) {
            message = e.what();
        }
        ::setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, old_handler);
        CHECK_THAT(message, Catch::StartsWith("ctnn: save '" + path.string() + "': cannot write it ("));
        CHECK_THAT(message, Catch::Contains("over the file size limit of 100): File too large"));
    }
    SECTION("the rename fails (the destination is a directory)") {
        fs::create_directory(dir / "taken");
        std::ofstream(dir / "taken" / "keep") << "x";
        CHECK_THROWS_WITH(ctnn::save(dir / "taken", Net(2)), Catch::Contains("cannot rename"));
        CHECK(fs::is_directory(dir / "taken"));
        fs::remove_all(dir / "taken");
    }
    SECTION("the directory does not exist") {
        CHECK_THROWS_WITH(ctnn::save(dir / "missing" / "model.ctnn", Net(2)),
                          Catch::Contains("cannot create a temporary file"));
    }
    CHECK(read_bytes(path) == previous);
    CHECK(dir.entries() == std::vector<std::string>{"model.ctnn"});

    SECTION("a successful save replaces the file") {
        const Net second(3);
        ctnn::save(path, second);
        Net loaded(4);
        ctnn::load(path, loaded);
        CHECK(snapshot(loaded) == snapshot(second));
        CHECK(dir.entries() == std::vector<std::string>{"model.ctnn"});
    }
}

TEST_CASE("save: through a link to the file, with the file's mode, after crashed saves, over the size limit",
          "[io][save][atomic]") {
    using Net = ctnn::network<ctnn::input<8>, ctnn::dense<8>>;
    const temp_dir dir("replace");
    const fs::path real = dir / "real.ctnn";
    ctnn::save(real, Net(1));

    SECTION("a replaced file keeps its mode") {
        fs::permissions(real, fs::perms::owner_read | fs::perms::owner_write);
        ctnn::save(real, Net(2));
        CHECK(fs::status(real).permissions() == (fs::perms::owner_read | fs::perms::owner_write));
    }
    SECTION("through a symbolic link the file it names is replaced, the link kept") {
        fs::create_directory(dir / "links");
        fs::create_symlink("../real.ctnn", dir / "links" / "model.ctnn");  // relative, as ln -s makes
        const Net second(3);
        ctnn::save(dir / "links" / "model.ctnn", second);
        CHECK(fs::is_symlink(dir / "links" / "model.ctnn"));
        Net loaded(4);
        ctnn::load(real, loaded);
        CHECK(snapshot(loaded) == snapshot(second));
        CHECK(dir.entries() == std::vector<std::string>{"links", "real.ctnn"});
    }
    SECTION("temporary files of crashed saves are removed, another live save's kept") {
        // pid 999999999 is above every pid_max: no such process.
        std::ofstream(dir / "real.ctnn.tmp-999999999-0") << "torn";
        std::ofstream(dir / "real.ctnn.tmp-1-0") << "pid 1 is alive";
        std::ofstream(dir / "other.ctnn.tmp-999999999-0") << "another file's";
        ctnn::save(real, Net(2));
        CHECK(dir.entries()
              == std::vector<std::string>{"other.ctnn.tmp-999999999-0", "real.ctnn", "real.ctnn.tmp-1-0"});
    }
    SECTION("over the size limit with SIGXFSZ's default action, the process lives and gets io_error") {
        const ::pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            std::signal(SIGXFSZ, SIG_DFL);
            rlimit small{};
            ::getrlimit(RLIMIT_FSIZE, &small);
            small.rlim_cur = 100;
            ::setrlimit(RLIMIT_FSIZE, &small);
            try {
                ctnn::save(real, Net(2));
            } catch (const ctnn::io_error&) {
                ::_exit(0);
            }
            ::_exit(1);
        }
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
}

// Writes the load fuzzer's seed corpus (tests/fuzz/corpus/load/) when CTNN_FUZZ_CORPUS_DIR names a directory:
//   CTNN_FUZZ_CORPUS_DIR=tests/fuzz/corpus/load build/tests/ctnn_tests "[.fuzz_corpus]"
TEST_CASE("the load fuzzer's seed corpus", "[.fuzz_corpus]") {
    const char* target = std::getenv("CTNN_FUZZ_CORPUS_DIR");
    if (!target) return;
    const fs::path dir = target;
    fs::create_directories(dir);

    ctnn_fuzz::mixed_net mixed(1);
    ctnn_fuzz::mixed_trainer mixed_trainer{mixed, {}, {.lr = 0.01, .amsgrad = true}};
    train(mixed_trainer, 0, 2);
    ctnn::save(dir / "mixed_weights.ctnn", mixed);
    ctnn::save(dir / "mixed_adam.ctnn", mixed, mixed_trainer);

    ctnn_fuzz::small_net small(2);
    ctnn_fuzz::small_trainer small_trainer{small, {}, {.lr = 0.1, .momentum = 0.9}};
    train(small_trainer, 0, 2);
    ctnn::save(dir / "small_weights.ctnn", small);
    ctnn::save(dir / "small_sgd.ctnn", small, small_trainer);

    const auto full = read_bytes(dir / "mixed_adam.ctnn");
    for (const std::size_t size : {std::size_t(20), std::size_t(100), full.size() / 2, full.size() - 1})
        write_bytes(dir / ("mixed_adam_truncated_" + std::to_string(size) + ".ctnn"),
                    {full.begin(), full.begin() + std::ptrdiff_t(size)});
}

TEST_CASE("load with a trainer: a learning rate or step count no step could use is refused", "[io][save][optimizer]") {
    using Net = ctnn::network<ctnn::input<3>, ctnn::dense<2>>;
    const temp_dir dir("settings");
    Net net(1);
    ctnn::trainer adam{net, ctnn::loss::mse{}, ctnn::optim::adam{}};
    train(adam, 0, 2);
    adam.optimizer().lr = std::numeric_limits<double>::infinity();  // never validated by save
    ctnn::save(dir / "inf_lr.ctnn", net, adam);

    Net target(2);
    ctnn::trainer other{target, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    const auto before = snapshot(target, other);
    // the training section ends with the epoch count, the step count (u64 each) and the rate (f64)
    const auto inf_file = read_bytes(dir / "inf_lr.ctnn");
    const double inf = std::numeric_limits<double>::infinity();
    const auto* inf_bytes = reinterpret_cast<const std::uint8_t*>(&inf);
    const auto lr_at = std::size_t(std::search(inf_file.begin(), inf_file.end(), inf_bytes, inf_bytes + 8) - inf_file.begin());
    CHECK_THAT(format_error_of([&] { ctnn::load(dir / "inf_lr.ctnn", target, other); }),
               Catch::Contains("the file's learning rate is refused: ctnn: adam needs a finite lr >= 0, got inf")
                   && Catch::EndsWith("(at byte " + std::to_string(lr_at) + ")"));
    CHECK(snapshot(target, other) == before);
    CHECK(other.optimizer().lr == 0.01);
    // a clock past 2^53 (no training takes that many steps, and a schedule's double would not
    // hold it exactly) is refused where it is
    for (const std::size_t clock : {0u, 1u}) {
        auto bytes = inf_file;
        const std::uint64_t huge = std::uint64_t(1) << 63;
        const std::size_t at = lr_at - 16 + 8 * clock;
        std::memcpy(bytes.data() + at, &huge, 8);
        rechecksum(bytes);
        write_bytes(dir / "clock.ctnn", bytes);
        CHECK_THAT(format_error_of([&] { ctnn::load(dir / "clock.ctnn", target, other); }),
                   Catch::Contains(std::string("the trainer's ") + (clock ? "step" : "epoch")
                                   + " count 9223372036854775808 is past 2^53 (at byte " + std::to_string(at) + ")"));
    }
    CHECK(snapshot(target, other) == before);

    // Each parameter's state starts with its step count (int64, 2 here) and NAdam's product
    // (double, 1 for adam): edited with the checksum kept valid, they are refused by value.
    adam.optimizer().lr = 1e-3;
    ctnn::save(dir / "good.ctnn", net, adam);
    const auto original = read_bytes(dir / "good.ctnn");
    std::vector<std::uint8_t> state_start(16, 0);
    state_start[0] = 2;
    const double one = 1.0;
    std::memcpy(state_start.data() + 8, &one, 8);
    const auto at = std::search(original.begin(), original.end(), state_start.begin(), state_start.end());
    REQUIRE(at != original.end());
    const auto offset = std::size_t(at - original.begin());
    const auto edited = [&](std::int64_t steps, double product) {
        auto bytes = original;
        std::memcpy(bytes.data() + offset, &steps, 8);
        std::memcpy(bytes.data() + offset + 8, &product, 8);
        rechecksum(bytes);
        write_bytes(dir / "edited.ctnn", bytes);
        return format_error_of([&] { ctnn::load(dir / "edited.ctnn", target, other); });
    };
    CHECK_THAT(edited(std::numeric_limits<std::int64_t>::max(), 1.0),
               Catch::Contains("optimizer step count 9223372036854775807 outside [0, 2^53]"));
    CHECK_THAT(edited(-1, 1.0), Catch::Contains("optimizer step count -1 outside"));
    CHECK_THAT(edited(2, std::numeric_limits<double>::quiet_NaN()), Catch::Contains("optimizer product nan outside (0, 1]"));
    CHECK_THAT(edited(2, 2.0), Catch::EndsWith("(at byte " + std::to_string(offset + 8) + ")"));  // where the product is
    // then a one-byte mask of the buffers that follow: Adam keeps three, so bit 3 names none
    auto masked = original;
    REQUIRE(masked[offset + 16] == 3);  // exp_avg and exp_avg_sq (no amsgrad)
    masked[offset + 16] = 8 | 3;
    rechecksum(masked);
    write_bytes(dir / "masked.ctnn", masked);
    CHECK_THAT(format_error_of([&] { ctnn::load(dir / "masked.ctnn", target, other); }),
               Catch::Contains("optimizer state mask 11 names buffers the adam optimizer does not keep (it keeps 3)"));
    CHECK(snapshot(target, other) == before);
    ctnn::load(dir / "good.ctnn", target, other);  // the unedited file loads
    CHECK(other.optimizer().lr == 1e-3);
}

TEST_CASE("rollback after a load keeps the loaded weights: the last good state from before is stale",
          "[io][save][rollback]") {
    using Net = ctnn::network<ctnn::input<3>, ctnn::dense<4, ctnn::tanh>, ctnn::dense<1>>;
    const temp_dir dir("rollback");
    ctnn::rng r(8);
    const auto x = r.normal_tensor<float>(8, 3);
    const auto y = r.normal_tensor<float>(8, 1);
    auto y_bad = y;
    y_bad(2, 0) = std::numeric_limits<float>::infinity();
    const auto rollback = ctnn::non_finite_action::rollback;
    const auto weights = [](const auto& net) {
        std::vector<double> all;
        net.for_each_parameter([&](const auto& p) { all.insert(all.end(), p.value.begin(), p.value.end()); });
        return all;
    };

    Net other(5);
    ctnn::save(dir / "other.ctnn", other);
    for (const bool by_load : {true, false}) {
        INFO((by_load ? "load" : "initialize"));
        Net net(4);
        ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.1}};
        trainer.train_step(x, y, rollback);  // a healthy update: its state before is kept
        if (by_load)
            ctnn::load(dir / "other.ctnn", net);
        else
            net.initialize(5);
        REQUIRE(weights(net) == weights(other));
        const auto report = trainer.train_step(x, y_bad, rollback);
        CHECK(report.rolled_back);
        CHECK(weights(net) == weights(other));  // not the weights from before the replacement
        CHECK(trainer.optimizer().lr == Approx(0.05));
        // a healthy update after it is kept again, and a later rollback restores it
        trainer.train_step(x, y, rollback);
        const auto before_next = snapshot(net, trainer);
        trainer.train_step(x, y, rollback);
        trainer.train_step(x, y_bad, rollback);
        CHECK(snapshot(net, trainer) == before_next);
    }
}

TEST_CASE("save with a trainer whose optimizer state belongs to replaced weights writes it afresh",
          "[io][save]") {
    using Net = ctnn::basic_network<double, ctnn::input<3>, ctnn::dense<4, ctnn::tanh>, ctnn::dense<1>>;
    const temp_dir dir("stale_state");
    const auto [x, y] = batch<double, 3, 1>(8, 2);
    Net net(4);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    for (int i = 0; i < 3; ++i) trainer.train_step(x, y);
    CHECK(trainer.optimizer_state_is_current());
    net.initialize(9);  // the Adam moments now describe weights the network no longer holds
    CHECK_FALSE(trainer.optimizer_state_is_current());
    ctnn::save(dir / "model.ctnn", net, trainer);

    Net loaded(1);
    ctnn::trainer resumed{loaded, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    ctnn::load(dir / "model.ctnn", loaded, resumed);
    for (const auto& state : resumed.optimizer_state()) {
        CHECK(state.steps == 0);
        for (const auto& b : state.buffers) CHECK(b.size() == 0);
    }
    // both go on as the in-process trainer does: its next step starts the state afresh
    for (int i = 0; i < 2; ++i) {
        trainer.train_step(x, y);
        resumed.train_step(x, y);
    }
    CHECK(snapshot(loaded, resumed) == snapshot(net, trainer));
}

TEST_CASE("a NaN or infinite value: save refuses to write it, load refuses a file that holds one",
          "[io][save][non_finite]") {
    using Net = mixed_net<double>;
    const temp_dir dir("non_finite");
    Net net(3);
    ctnn::trainer adam{net, ctnn::loss::mse{}, ctnn::optim::adam{}};
    train(adam, 0, 2);
    ctnn::save(dir / "good.ctnn", net, adam);
    const auto original = read_bytes(dir / "good.ctnn");
    const auto non_finite_error_of = [](auto&& f) { return error_of<ctnn::non_finite_error>(f); };

    // save: nothing written, the previous file kept, the value named
    const auto nan = std::numeric_limits<double>::quiet_NaN();
    const auto inf = std::numeric_limits<double>::infinity();
    net.layer<0>().weight.value(2, 3) = nan;  // weight (5, 6): element 15
    CHECK_THAT(non_finite_error_of([&] { ctnn::save(dir / "good.ctnn", net); }),
               Catch::Contains("save '") && Catch::Contains("layer 0 (dense) weight, element 15, is nan; nothing was written"));
    CHECK(read_bytes(dir / "good.ctnn") == original);
    net.layer<0>().weight.value(2, 3) = 0.5;
    net.layer<1>().running_var(4) = inf;
    CHECK_THAT(non_finite_error_of([&] { ctnn::save(dir / "bad.ctnn", net); }),
               Catch::Contains("layer 1 (batch_norm) buffer running_var, element 4, is inf"));
    CHECK_FALSE(fs::exists(dir / "bad.ctnn"));
    net.layer<1>().running_var(4) = 1.0;
    adam.optimizer_state()[6].buffers[1](2) = -inf;  // the last dense's weight's exp_avg_sq
    CHECK_THAT(non_finite_error_of([&] { ctnn::save(dir / "bad.ctnn", net, adam); }),
               Catch::Contains("layer 4 (dense) weight's optimizer state exp_avg_sq, element 2, is -inf"));
    ctnn::save(dir / "bad.ctnn", net);  // without the trainer its state is not written, nor read

    // load: a file edited with its checksum kept valid; the network and trainer untouched
    Net target(4);
    ctnn::trainer other{target, ctnn::loss::mse{}, ctnn::optim::adam{}};
    train(other, 5, 6);
    const auto before = snapshot(target, other);
    const auto edited_at = [&](double value, double replacement) {
        auto bytes = original;
        const auto* from = reinterpret_cast<const std::uint8_t*>(&value);
        const auto at = std::search(bytes.begin(), bytes.end(), from, from + 8);
        REQUIRE(at != bytes.end());
        REQUIRE(std::search(at + 1, bytes.end(), from, from + 8) == bytes.end());  // the value is unique
        std::memcpy(&*at, &replacement, 8);
        rechecksum(bytes);
        write_bytes(dir / "edited.ctnn", bytes);
        const std::string message = format_error_of([&] { ctnn::load(dir / "edited.ctnn", target, other); });
        CHECK_THAT(message, Catch::EndsWith("(at byte " + std::to_string(at - bytes.begin()) + ")"));  // the value's own
        return message;
    };
    Net saved(3);
    ctnn::load(dir / "good.ctnn", saved);
    CHECK_THAT(edited_at(saved.layer<4>().bias.value(1), nan),
               Catch::Contains("the file is corrupted: layer 4 (dense) bias, element 1, is nan; save writes only "
                               "finite values"));
    CHECK_THAT(edited_at(saved.layer<1>().running_mean(3), -inf),
               Catch::Contains("layer 1 (batch_norm) buffer running_mean, element 3, is -inf"));
    ctnn::trainer saved_trainer{saved, ctnn::loss::mse{}, ctnn::optim::adam{}};
    ctnn::load(dir / "good.ctnn", saved, saved_trainer);
    CHECK_THAT(edited_at(saved_trainer.optimizer_state()[0].buffers[0](7), inf),
               Catch::Contains("layer 0 (dense) weight's optimizer state exp_avg, element 7, is inf"));
    CHECK(snapshot(target, other) == before);
}
