// fit's conveniences: early_stopping, checkpoint, the history and its CSV, the progress lines,
// validation metrics and callbacks that stop training.

#include <ctnn/ctnn.hpp>

#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

namespace {
using regression_net = ctnn::network<ctnn::input<4>, ctnn::dense<16, ctnn::tanh>, ctnn::dense<1>>;
using classifier_net = ctnn::network<ctnn::input<4>, ctnn::dense<8, ctnn::relu>, ctnn::dense<3>>;

struct regression_data {
    ctnn::tensor<float, 2> x, y;
};
regression_data noise(std::size_t rows, std::uint64_t seed) {
    ctnn::rng r(seed);
    return {r.normal_tensor<float>(rows, 4), r.normal_tensor<float>(rows, 1)};
}

struct class_data {
    ctnn::tensor<float, 2> x, y;
};
// Three classes by the sign pattern of two features: learnable, so accuracy moves.
class_data classes(std::size_t rows, std::uint64_t seed) {
    ctnn::rng r(seed);
    class_data d{r.normal_tensor<float>(rows, 4), ctnn::tensor<float, 2>::from_shape({rows, 1})};
    for (std::size_t i = 0; i < rows; ++i) d.y(i, 0) = d.x(i, 0) > 0 ? 0.0f : (d.x(i, 1) > 0 ? 1.0f : 2.0f);
    return d;
}

template <class Net>
std::vector<float> parameters_of(Net& net) {
    std::vector<float> values;
    net.for_each_parameter([&](auto& p) { values.insert(values.end(), p.value.begin(), p.value.end()); });
    return values;
}

ctnn::epoch_report report(std::size_t epoch, double loss) {
    ctnn::epoch_report e{.epoch = epoch};
    e.loss = loss;
    return e;
}

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string file_text(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string text;
    for (int c; (c = std::fgetc(f)) != EOF;) text += char(c);
    return text;
}

std::vector<std::string> split(const std::string& s, char by) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(s);
    while (std::getline(in, part, by)) parts.push_back(part);
    if (!s.empty() && s.back() == by) parts.emplace_back();
    return parts;
}
}  // namespace

TEST_CASE("early_stopping: the rule, epoch by epoch (patience, min_delta)", "[callbacks]") {
    regression_net net(1);
    ctnn::early_stopping stop(net, {.quantity = ctnn::watch::loss, .patience = 2, .min_delta = 0.1});
    stop.on_fit_begin();
    CHECK(stop.on_epoch_end(report(0, 5.0)) == ctnn::fit_control::proceed);   // first: best
    CHECK(stop.on_epoch_end(report(1, 4.0)) == ctnn::fit_control::proceed);   // better by 1
    CHECK(stop.on_epoch_end(report(2, 4.5)) == ctnn::fit_control::proceed);   // worse: 1 of 2
    CHECK(stop.on_epoch_end(report(3, 3.95)) == ctnn::fit_control::stop);     // better by < 0.1: 2 of 2
    CHECK(stop.best_epoch() == std::optional<std::size_t>(1));
    CHECK(stop.best_value() == 4.0);
    CHECK(stop.stopped_epoch() == std::optional<std::size_t>(3));

    // A new fit starts from scratch.
    stop.on_fit_begin();
    CHECK_FALSE(stop.stopped_epoch());
    CHECK(stop.on_epoch_end(report(0, 9.0)) == ctnn::fit_control::proceed);

    ctnn::early_stopping accuracy(net, {.quantity = ctnn::watch::validation_accuracy, .patience = 1});
    accuracy.on_fit_begin();
    auto with_accuracy = [](std::size_t epoch, double a) {
        ctnn::epoch_report e{.epoch = epoch, .validation_loss = 1.0, .validation_accuracy = a};
        return e;
    };
    CHECK(accuracy.on_epoch_end(with_accuracy(0, 0.5)) == ctnn::fit_control::proceed);
    CHECK(accuracy.on_epoch_end(with_accuracy(1, 0.6)) == ctnn::fit_control::proceed);  // higher is better
    CHECK(accuracy.on_epoch_end(with_accuracy(2, 0.6)) == ctnn::fit_control::stop);

    CHECK_THROWS_AS(ctnn::early_stopping(net, {.patience = 0}), ctnn::invalid_argument);
    CHECK_THROWS_AS(ctnn::early_stopping(net, {.min_delta = -1.0}), ctnn::invalid_argument);
}

TEST_CASE("early_stopping: fit stops after patience epochs and restores the best weights", "[callbacks]") {
    const auto d = noise(32, 3);
    const ctnn::fit_options plain{.epochs = 20, .batch_size = 0, .shuffle = false};

    // min_delta so large that nothing after epoch 0 counts as better: stop after epoch 3.
    regression_net net(7);
    ctnn::early_stopping stop(net, {.quantity = ctnn::watch::loss, .patience = 3, .min_delta = 1e9});
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}};
    auto options = plain;
    options.callbacks = {stop};
    const auto result = trainer.fit(d.x, d.y, options);
    CHECK(result.history.size() == 4);
    CHECK(result.epoch_losses.size() == 4);
    CHECK(result.stopped_early);
    CHECK(stop.stopped_epoch() == std::optional<std::size_t>(3));
    CHECK(stop.best_epoch() == std::optional<std::size_t>(0));

    // The weights are those after epoch 0: the same as a twin trained for one epoch.
    regression_net twin(7);
    ctnn::trainer twin_trainer{twin, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}};
    auto one = plain;
    one.epochs = 1;
    twin_trainer.fit(d.x, d.y, one);
    CHECK(parameters_of(net) == parameters_of(twin));

    // Without restore_best the last epoch's weights stay.
    regression_net kept(7);
    ctnn::early_stopping keep(kept, {.quantity = ctnn::watch::loss, .patience = 3, .min_delta = 1e9,
                                     .restore_best = false});
    ctnn::trainer kept_trainer{kept, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}};
    auto keep_options = plain;
    keep_options.callbacks = {keep};
    kept_trainer.fit(d.x, d.y, keep_options);
    twin_trainer.fit(d.x, d.y, {.epochs = 3, .batch_size = 0, .shuffle = false});  // 1 + 3 = 4 epochs
    CHECK(parameters_of(kept) == parameters_of(twin));
}

TEST_CASE("early_stopping: the best epoch's running statistics come back too, inside blocks as well",
          "[callbacks][batch_norm]") {
    using normalised_net = ctnn::network<ctnn::input<4>, ctnn::dense<8>, ctnn::batch_norm<ctnn::tanh>,
                                         ctnn::residual<ctnn::dense<8>, ctnn::batch_norm<>>, ctnn::dense<1>>;
    // every buffer saved with the model, counters included, as floats
    const auto buffers_of = [](normalised_net& net) {
        std::vector<float> values;
        net.for_each_layer([&](auto& layer) {
            ctnn::detail::for_each_buffer_of(layer, [&](std::string_view, const auto& b) {
                if constexpr (std::is_arithmetic_v<std::remove_cvref_t<decltype(b)>>)
                    values.push_back(float(b));
                else
                    values.insert(values.end(), b.begin(), b.end());
            });
        });
        return values;
    };
    const auto d = noise(32, 3);
    const ctnn::fit_options plain{.epochs = 5, .batch_size = 8, .shuffle = false};
    normalised_net net(7);
    ctnn::early_stopping stop(net, {.quantity = ctnn::watch::loss, .patience = 4, .min_delta = 1e9});
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}};
    auto options = plain;
    options.callbacks = {stop};
    trainer.fit(d.x, d.y, options);
    REQUIRE(stop.best_epoch() == std::optional<std::size_t>(0));
    REQUIRE(net.layer<1>().batches_tracked == 4);  // epoch 0's four batches, not five epochs' twenty

    normalised_net twin(7);
    ctnn::trainer twin_trainer{twin, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}};
    auto one = plain;
    one.epochs = 1;
    twin_trainer.fit(d.x, d.y, one);
    CHECK(parameters_of(net) == parameters_of(twin));
    CHECK(buffers_of(net) == buffers_of(twin));
    CHECK(trainer.evaluate(d.x, d.y) == twin_trainer.evaluate(d.x, d.y));  // as the best epoch evaluated
}

TEST_CASE("early_stopping on validation loss stops where the history says", "[callbacks]") {
    // 16 rows of noise and a wide network: it memorises them, and the loss on other noise
    // rises after a few epochs.
    const auto train = noise(16, 11), validation = noise(64, 12);
    const ctnn::fit_options plain{.epochs = 80, .batch_size = 0, .shuffle = false};
    const std::size_t patience = 4;
    const double min_delta = 1e-4;

    regression_net reference(5);
    ctnn::trainer reference_trainer{reference, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.02}};
    const auto full = reference_trainer.fit(train.x, train.y, validation.x, validation.y, plain);
    REQUIRE(full.history.size() == 80);
    // The rule applied to the full history.
    std::size_t best = 0, waited = 0;
    std::optional<std::size_t> expected_stop;
    for (std::size_t e = 1; e < full.history.size() && !expected_stop; ++e) {
        if (full.history[e].validation_loss < full.history[best].validation_loss - min_delta) {
            best = e;
            waited = 0;
        } else if (++waited == patience) {
            expected_stop = e;
        }
    }
    REQUIRE(expected_stop);  // the scenario must overfit within 80 epochs

    regression_net net(5);
    ctnn::early_stopping stop(net, {.patience = patience, .min_delta = min_delta});  // validation_loss
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.02}};
    auto options = plain;
    options.callbacks = {stop};
    const auto result = trainer.fit(train.x, train.y, validation.x, validation.y, options);
    CHECK(stop.stopped_epoch() == expected_stop);
    CHECK(stop.best_epoch() == std::optional<std::size_t>(best));
    REQUIRE(result.history.size() == *expected_stop + 1);
    for (std::size_t e = 0; e < result.history.size(); ++e)
        CHECK(result.history[e].validation_loss == full.history[e].validation_loss);
    // Restored: the network scores the best epoch's validation loss again.
    CHECK(trainer.evaluate(validation.x, validation.y) == Approx(full.history[best].validation_loss).epsilon(1e-12));
}

namespace {
// A schedule that keeps the rate and records the loss it is shown after each epoch.
struct recording_schedule {
    static constexpr std::string_view name = "recording";
    std::vector<double>* seen = nullptr;
    double initial(double base_lr) const { return base_lr; }
    double next(double, double lr, std::size_t, double epoch_loss) {
        seen->push_back(epoch_loss);
        return lr;
    }
};
}  // namespace

TEST_CASE("the schedule judges the validation loss when fit has validation data", "[callbacks]") {
    // So reduce_on_plateau cuts the rate on a plateau of the validation loss (PyTorch's
    // scheduler.step(val_loss)); without validation data it sees the training loss.
    const auto train = noise(16, 11), validation = noise(32, 12);
    const ctnn::fit_options options{.epochs = 6, .batch_size = 0, .shuffle = false};
    for (bool with_validation : {true, false}) {
        std::vector<double> seen;
        regression_net net(5);
        ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.02}, ctnn::clip::none{},
                              recording_schedule{.seen = &seen}};
        const auto result = with_validation ? trainer.fit(train.x, train.y, validation.x, validation.y, options)
                                            : trainer.fit(train.x, train.y, options);
        REQUIRE(seen.size() == 6);
        for (std::size_t e = 0; e < 6; ++e)
            CHECK(seen[e] == (with_validation ? result.history[e].validation_loss : result.history[e].loss));
    }
}

TEST_CASE("early_stopping and checkpoint refuse to watch what fit does not measure", "[callbacks]") {
    const auto d = noise(8, 1);
    regression_net net(1);
    ctnn::trainer trainer{net};
    ctnn::early_stopping stop(net);  // validation_loss by default
    ctnn::fit_options options{.epochs = 2};
    options.callbacks = {stop};
    CHECK_THROWS_AS(trainer.fit(d.x, d.y, options), ctnn::invalid_argument);
    CHECK_THROWS_WITH(trainer.fit(d.x, d.y, options), Catch::Contains("validation_loss"));

    // mse has no class labels: no accuracy even with validation data.
    ctnn::checkpoint save(net, "unused.ctnn", {.on_improvement = true, .quantity = ctnn::watch::validation_accuracy});
    options.callbacks = {save};
    CHECK_THROWS_WITH(trainer.fit(d.x, d.y, d.x, d.y, options), Catch::Contains("validation_accuracy"));
    CHECK_THROWS_AS(ctnn::checkpoint(net, "x.ctnn", {.every = 0}), ctnn::invalid_argument);
}

TEST_CASE("checkpoint: files every N epochs and on improvement, loadable", "[callbacks]") {
    const ctnn_test::temp_dir dir;
    const auto d = noise(32, 4);
    const ctnn::fit_options plain{.epochs = 5, .batch_size = 8, .shuffle = true, .seed = 3};

    regression_net net(2);
    ctnn::checkpoint every_two(net, dir.path() / "model-{epoch}.ctnn", {.every = 2});
    ctnn::checkpoint best(net, dir.path() / "best.ctnn", {.every = 0, .on_improvement = true});
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    auto options = plain;
    options.callbacks = {every_two, best};
    const auto result = trainer.fit(d.x, d.y, options);

    REQUIRE(every_two.saved().size() == 2);
    CHECK(every_two.saved()[0] == dir.path() / "model-1.ctnn");
    CHECK(every_two.saved()[1] == dir.path() / "model-3.ctnn");
    CHECK_FALSE(std::filesystem::exists(dir.path() / "model-4.ctnn"));

    // model-3 holds the weights after 4 epochs: a twin trained 4 epochs has the same.
    regression_net loaded(99), twin(2);
    ctnn::load(every_two.saved()[1], loaded);
    ctnn::trainer twin_trainer{twin, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    auto four = plain;
    four.epochs = 4;
    twin_trainer.fit(d.x, d.y, four);
    CHECK(parameters_of(loaded) == parameters_of(twin));

    // One save per epoch whose loss is a new minimum.
    std::size_t improvements = 0;
    double lowest = INFINITY;
    for (double l : result.epoch_losses)
        if (l < lowest) {
            lowest = l;
            ++improvements;
        }
    CHECK(best.saved().size() == improvements);
    regression_net from_best(98);
    ctnn::load(dir.path() / "best.ctnn", from_best);
    if (result.epoch_losses.back() == lowest) CHECK(parameters_of(from_best) == parameters_of(net));
}

TEST_CASE("checkpoint: an epoch whose steps were all skipped (loss NaN) does not block later improvements",
          "[callbacks]") {
    const ctnn_test::temp_dir dir;
    auto d = noise(16, 5);
    auto poisoned = d.x;
    poisoned.fill(std::numeric_limits<float>::quiet_NaN());
    regression_net net(2);
    ctnn::checkpoint best(net, dir.path() / "best-{epoch}.ctnn", {.every = 0, .on_improvement = true});
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}};
    ctnn::fit_options options{.epochs = 1, .batch_size = 8, .shuffle = false,
                              .on_non_finite = ctnn::non_finite_action::skip_step};
    options.callbacks = {best};
    const auto skipped = trainer.fit(poisoned, d.y, options);
    REQUIRE(std::isnan(skipped.epoch_losses[0]));
    options.epochs = 3;
    const auto clean = trainer.fit(d.x, d.y, options);
    // saved: the NaN epoch (nothing before it), then the first clean one and each that improves
    std::size_t improvements = 0, best_epoch = 0;
    double lowest = INFINITY;
    for (std::size_t e = 0; e < clean.epoch_losses.size(); ++e)
        if (clean.epoch_losses[e] < lowest) {
            lowest = clean.epoch_losses[e];
            best_epoch = e + 1;  // the trainer's epoch: the NaN one was 0
            ++improvements;
        }
    CHECK(best.saved().size() == 1 + improvements);
    CHECK(best.best_value() == lowest);
    CHECK(best.saved().back() == dir.path() / ("best-" + std::to_string(best_epoch) + ".ctnn"));
}

TEST_CASE("checkpoint: over several fit calls and a resumed training it counts on, and keeps its best",
          "[callbacks]") {
    const ctnn_test::temp_dir dir;
    const auto d = noise(32, 4);
    const ctnn::fit_options one_epoch{.epochs = 1, .batch_size = 8, .shuffle = true, .seed = 3};
    // one fit of 4 epochs
    regression_net whole(2);
    ctnn::checkpoint whole_every(whole, dir.path() / "whole-{epoch}.ctnn", {.every = 2});
    ctnn::checkpoint whole_best(whole, dir.path() / "whole-best.ctnn", {.every = 0, .on_improvement = true});
    ctnn::trainer whole_trainer{whole, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    auto four = one_epoch;
    four.epochs = 4;
    four.callbacks = {whole_every, whole_best};
    const auto result = whole_trainer.fit(d.x, d.y, four);
    // fit(1) four times: the same files, numbered by the trainer's epochs, the same best
    regression_net looped(2);
    ctnn::checkpoint every(looped, dir.path() / "looped-{epoch}.ctnn", {.every = 2});
    ctnn::checkpoint best(looped, dir.path() / "looped-best.ctnn", {.every = 0, .on_improvement = true});
    ctnn::trainer trainer{looped, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    auto options = one_epoch;
    options.callbacks = {every, best};
    std::vector<std::size_t> trainer_epochs;
    options.on_epoch = [&](const ctnn::epoch_report& e) {
        CHECK(e.epoch == 0);
        trainer_epochs.push_back(e.trainer_epoch);
    };
    for (int k = 0; k < 4; ++k) trainer.fit(d.x, d.y, options);
    CHECK((trainer_epochs == std::vector<std::size_t>{0, 1, 2, 3}));
    REQUIRE(every.saved().size() == 2);
    CHECK(every.saved()[0] == dir.path() / "looped-1.ctnn");
    CHECK(every.saved()[1] == dir.path() / "looped-3.ctnn");
    CHECK(best.saved().size() == whole_best.saved().size());
    CHECK(best.best_value() == whole_best.best_value());
    CHECK(best.best_value() == *std::min_element(result.epoch_losses.begin(), result.epoch_losses.end()));
    const auto read = [](const std::filesystem::path& p) {
        regression_net n(99);
        ctnn::load(p, n);
        return parameters_of(n);
    };
    CHECK(read(dir.path() / "looped-3.ctnn") == read(dir.path() / "whole-3.ctnn"));
    CHECK(read(dir.path() / "looped-best.ctnn") == read(dir.path() / "whole-best.ctnn"));

    // a training resumed in a new checkpoint: initial_best keeps a worse epoch from replacing the best
    regression_net resumed(2);
    ctnn::checkpoint fresh(resumed, dir.path() / "fresh.ctnn", {.every = 0, .on_improvement = true});
    ctnn::checkpoint keeps(resumed, dir.path() / "keeps.ctnn",
                           {.every = 0, .on_improvement = true, .initial_best = -1.0});  // no loss is below 0
    ctnn::trainer resumed_trainer{resumed, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    auto resumed_options = one_epoch;
    resumed_options.callbacks = {fresh, keeps};
    resumed_trainer.fit(d.x, d.y, resumed_options);
    CHECK(fresh.saved().size() == 1);
    CHECK(keeps.saved().empty());
    CHECK(keeps.best_value() == -1.0);
    CHECK_THROWS_WITH((ctnn::checkpoint(resumed, "x.ctnn", {.on_improvement = true, .initial_best = std::nan("")})),
                      Catch::Contains("initial_best is NaN"));
}

TEST_CASE("history: validation metrics per epoch and the CSV export", "[callbacks]") {
    const ctnn_test::temp_dir dir;
    const auto train = classes(120, 5), validation = classes(60, 6);
    classifier_net net(3);
    ctnn::trainer trainer{net, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::adam{.lr = 0.01}};
    const auto result = trainer.fit(train.x, train.y, validation.x, validation.y,
                                    {.epochs = 3, .batch_size = 32, .seed = 1});
    REQUIRE(result.history.size() == 3);
    CHECK_FALSE(result.stopped_early);
    for (std::size_t e = 0; e < 3; ++e) {
        CHECK(result.history[e].epoch == e);
        CHECK(result.history[e].loss == result.epoch_losses[e]);
        CHECK(result.history[e].steps == 4);
        CHECK(result.history[e].learning_rate == 0.01);
    }
    // The last epoch's numbers are the trained network's.
    CHECK(result.history[2].validation_loss == Approx(trainer.evaluate(validation.x, validation.y)).epsilon(1e-12));
    CHECK(result.history[2].validation_accuracy
          == ctnn::metrics::accuracy(net.predict(validation.x), validation.y));

    const std::string csv = result.history.csv();
    const auto lines = split(csv, '\n');
    REQUIRE(lines.size() == 5);  // header, 3 epochs, the empty string after the last newline
    CHECK(lines[0] == "epoch,loss,validation_loss,validation_accuracy,learning_rate,gradient_norm,steps,"
                      "skipped_steps,seconds");
    for (std::size_t e = 0; e < 3; ++e) {
        const auto fields = split(lines[e + 1], ',');
        REQUIRE(fields.size() == 9);
        CHECK(fields[0] == std::to_string(e));
        CHECK(std::stod(fields[1]) == Approx(result.history[e].loss).epsilon(1e-8));
        CHECK(std::stod(fields[2]) == Approx(result.history[e].validation_loss).epsilon(1e-8));
        CHECK(std::stod(fields[3]) == Approx(result.history[e].validation_accuracy).epsilon(1e-8));
        CHECK(fields[6] == "4");
        CHECK(fields[7] == "0");
    }
    result.history.write_csv(dir.path() / "history.csv");
    CHECK(read_text(dir.path() / "history.csv") == csv);
    CHECK_THROWS_AS(result.history.write_csv(dir.path() / "no" / "such" / "dir.csv"), ctnn::io_error);

    // Without validation data there are no validation columns.
    const auto plain = trainer.fit(train.x, train.y, {.epochs = 1});
    CHECK(split(plain.history.csv(), '\n')[0] == "epoch,loss,learning_rate,gradient_norm,steps,skipped_steps,seconds");
    CHECK(std::isnan(plain.history[0].validation_loss));

    // A metric's name with a comma or a quote is one quoted field (RFC 4180), not two.
    ctnn::training_history named;
    named.add({.loss = 1.5, .validation_loss = 2.0, .validation_metrics = {{"f1,macro", 0.5}, {"say \"hi\"", 0.25}}});
    CHECK(split(named.csv(), '\n')[0]
          == "epoch,loss,validation_loss,validation_accuracy,\"validation_f1,macro\",\"validation_say \"\"hi\"\"\","
             "learning_rate,gradient_norm,steps,skipped_steps,seconds");
}

TEST_CASE("progress: one line per epoch on a file, nothing unless asked", "[callbacks]") {
    const auto d = noise(40, 8);
    regression_net net(1);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    std::FILE* log = std::tmpfile();
    REQUIRE(log);
    trainer.fit(d.x, d.y, {.epochs = 3, .batch_size = 16, .log = log, .progress = true});
    const auto lines = split(file_text(log), '\n');
    std::fclose(log);
    REQUIRE(lines.size() == 4);
    for (std::size_t e = 0; e < 3; ++e) {
        CHECK_THAT(lines[e], Catch::StartsWith("epoch " + std::to_string(e) + " (" + std::to_string(e + 1) + " of 3): loss "));
        CHECK_THAT(lines[e], Catch::Contains("samples/s") && Catch::Contains("ETA"));
        CHECK(lines[e].find('\r') == std::string::npos);  // no terminal redraws in a file
    }
    CHECK(lines[3].empty());

    // With validation data the line shows it; print_every's lines are unchanged beside it.
    log = std::tmpfile();
    trainer.fit(d.x, d.y, d.x, d.y, {.epochs = 2, .print_every = 1, .log = log, .progress = true});
    const auto both = split(file_text(log), '\n');
    std::fclose(log);
    REQUIRE(both.size() == 5);
    CHECK_THAT(both[0], Catch::StartsWith("Epoch: 0, Loss: "));
    CHECK_THAT(both[0], Catch::Contains(", Validation loss: "));
    CHECK_THAT(both[1], Catch::StartsWith("epoch 0 (1 of 2): loss ") && Catch::Contains("validation_loss"));
    CHECK_THAT(both[2], Catch::StartsWith("Epoch: 1, Loss: "));

    // Off by default; silent with a null log.
    log = std::tmpfile();
    trainer.fit(d.x, d.y, {.epochs = 2, .log = log});
    CHECK(file_text(log).empty());
    std::fclose(log);
    CHECK_NOTHROW(trainer.fit(d.x, d.y, {.epochs = 2, .log = nullptr, .progress = true}));
}

TEST_CASE("callbacks: a custom one sees every epoch and stops fit; on_epoch still runs", "[callbacks]") {
    struct stop_at final : ctnn::callback {
        std::size_t at = 0, begun = 0, ended = 0, fit_result_epochs = 0;
        std::vector<std::size_t> seen;
        void on_fit_begin() override { ++begun; }
        ctnn::fit_control on_epoch_end(const ctnn::epoch_report& e) override {
            seen.push_back(e.epoch);
            return e.epoch == at ? ctnn::fit_control::stop : ctnn::fit_control::proceed;
        }
        void on_fit_end(const ctnn::fit_result& r) override {
            ++ended;
            fit_result_epochs = r.history.size();
        }
    } stopper;
    stopper.at = 2;
    const auto d = noise(16, 2);
    regression_net net(1);
    ctnn::trainer trainer{net};
    std::size_t on_epoch_calls = 0;
    ctnn::fit_options options{.epochs = 10, .on_epoch = [&](const ctnn::epoch_report&) { ++on_epoch_calls; }};
    options.callbacks = {stopper};
    const auto result = trainer.fit(d.x, d.y, options);
    CHECK(result.stopped_early);
    CHECK(result.history.size() == 3);
    CHECK(on_epoch_calls == 3);
    CHECK(stopper.seen == std::vector<std::size_t>{0, 1, 2});
    CHECK(stopper.begun == 1);
    CHECK(stopper.ended == 1);
    CHECK(stopper.fit_result_epochs == 3);
    CHECK(trainer.epochs() == 3);

    // Stopping on the last epoch is not "early".
    stopper.at = 9;
    CHECK_FALSE(trainer.fit(d.x, d.y, options).stopped_early);
}

namespace {
/// A pseudo-terminal in raw mode (no \n -> \r\n): `log` is its terminal side, which isatty
/// reports as a terminal; `read()` takes what was written to it.
class pseudo_terminal {
public:
    pseudo_terminal() {
        REQUIRE(::openpty(&controller_, &terminal_, nullptr, nullptr, nullptr) == 0);
        termios mode{};
        ::tcgetattr(terminal_, &mode);
        ::cfmakeraw(&mode);
        ::tcsetattr(terminal_, TCSANOW, &mode);
        log_ = ::fdopen(terminal_, "w");
        REQUIRE(log_);
        ::fcntl(controller_, F_SETFL, ::fcntl(controller_, F_GETFL) | O_NONBLOCK);
    }
    ~pseudo_terminal() {
        std::fclose(log_);
        ::close(controller_);
    }
    std::FILE* log() const { return log_; }
    std::string read() {
        std::fflush(log_);
        std::string text;
        char buffer[4096];
        for (::ssize_t got; (got = ::read(controller_, buffer, sizeof buffer)) > 0;) text.append(buffer, std::size_t(got));
        return text;
    }

private:
    int controller_ = -1, terminal_ = -1;
    std::FILE* log_ = nullptr;
};

std::string general(double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", v);
    return text;
}
}  // namespace

TEST_CASE("progress on a terminal: print_every's lines never run into the live line; epochs from 0; %g losses",
          "[callbacks]") {
    const auto d = noise(40, 9);
    regression_net net(2);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    pseudo_terminal tty;
    REQUIRE(ctnn::detail::is_terminal(tty.log()));

    // Unset, progress shows on a terminal: the live line, rewritten in place, then the epoch's line.
    trainer.fit(d.x, d.y, {.epochs = 2, .batch_size = 16, .log = tty.log()});
    const std::string live = tty.read();
    CHECK_THAT(live, Catch::StartsWith("\repoch 0 (1 of 2) [") && Catch::Contains("\repoch 0 (1 of 2): loss ")
                         && Catch::Contains("\repoch 1 (2 of 2): loss "));

    // With print_every (or on_epoch, on_step) the caller reports epochs: a terminal then shows
    // what a pipe shows, each epoch once.
    const auto r = trainer.fit(d.x, d.y, d.x, d.y, {.epochs = 2, .batch_size = 16, .print_every = 1, .log = tty.log()});
    CHECK(tty.read()
          == "Epoch: 0, Loss: " + general(r.history[0].loss) + ", Validation loss: " + general(r.history[0].validation_loss)
                 + "\nEpoch: 1, Loss: " + general(r.history[1].loss) + ", Validation loss: "
                 + general(r.history[1].validation_loss) + "\n");
    trainer.fit(d.x, d.y, {.epochs = 2, .log = tty.log(), .on_epoch = [](const ctnn::epoch_report&) {}});
    CHECK(tty.read().empty());

    // Both asked for: the live line is cleared before each print_every line, which starts its own row.
    trainer.fit(d.x, d.y, {.epochs = 3, .batch_size = 8, .print_every = 1, .log = tty.log(), .progress = true});
    const std::string both = tty.read();
    std::size_t at = 0, seen = 0;
    while ((at = both.find("Epoch: ", at)) != std::string::npos) {
        INFO(both);
        CHECK((at == 0 || both[at - 1] == '\n' || both.compare(at - 4, 4, "\r\x1b[K") == 0));
        ++at;
        ++seen;
    }
    CHECK(seen == 3);
    CHECK_THAT(both, Catch::Contains("\nepoch 2 (3 of 3): loss ") || Catch::Contains("\repoch 2 (3 of 3): loss "));
}
