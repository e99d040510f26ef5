// core/padded_sequences.hpp: sequences of different lengths through rnn, lstm, gru, their
// bidirectional forms and recurrent cells, against torch's packed sequences (outputs, last
// states, input and parameter gradients; a tagger and a classifier trained 5 steps), each
// sequence alone against the batch, finite differences, the trainer's paths, and the refusals.
#include <ctnn/cells/elman.hpp>
#include <ctnn/cells/gru.hpp>
#include <ctnn/cells/lstm.hpp>
#include <ctnn/ctnn.hpp>
#include <ctnn/io/load_npz.hpp>

#include <cmath>
#include <filesystem>
#include <limits>
#include <ratio>
#include <string>
#include <vector>

#include <xtensor/xview.hpp>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/feature_major.hpp"
#include "support/fixture.hpp"
#include "support/gradient_check.hpp"
#include "user_defined.hpp"

namespace {
using ctnn::padded_sequences;
using tensor3 = ctnn::tensor<double, 3>;
using matrix = ctnn::tensor<double, 2>;
constexpr std::size_t batch = 3, steps = 6, features = 3;

const ctnn_test::fixture& fixture() {
    static const ctnn_test::fixture f("packed.txt");
    return f;
}
std::filesystem::path npz(const std::string& name) {
    return std::filesystem::path(CTNN_FIXTURE_DIR) / "npz" / ("packed_" + name + ".npz");
}
std::vector<std::size_t> lengths_of(const std::string& record) {
    std::vector<std::size_t> lengths;
    for (const double v : fixture().values(record)) lengths.push_back(std::size_t(v));
    return lengths;
}

using ctnn_test::columns;
using ctnn_test::feature_major;

template <class Layer>
void check_gradients(const Layer& layer, const std::string& record, std::size_t expected_count) {
    std::size_t checked = 0;
    layer.for_each_named_parameter([&](std::string_view parameter, const auto& p) {
        INFO(record << parameter);
        const auto expected = fixture().values(record + std::string(parameter));
        REQUIRE(expected.size() == p.grad.size());
        for (std::size_t i = 0; i < expected.size(); ++i)
            REQUIRE(std::abs(p.grad.data()[i] - expected[i]) <= 1e-12 * std::max(1.0, std::abs(expected[i])));
        ++checked;
    });
    CHECK(checked == expected_count);
}

/// A dropout of 0 first, so that the recurrent layer (layer 1) sends a gradient down.
template <class Recurrent>
using tested_net = ctnn::basic_network<double, ctnn::sequence<features>, ctnn::dropout<std::ratio<0>>, Recurrent>;

/// One forward and backward pass of the layer R (layer 1 of tested_net) on the padded batch,
/// against torch: the output `record` ("out": every step, (B, T, H); "last": h_n, (B, H)), dx
/// and every parameter's gradient of Σ output ⊙ g.
template <class R>
tested_net<R> check_pass(const std::string& name, const std::string& record, const std::string& gradients) {
    const auto& f = fixture();
    const auto lengths = lengths_of("lengths");
    const auto x = feature_major(f.tensor<double, 3>("x"));
    const std::size_t n = steps * batch, width = R::output_width, columns_out = R::returns_sequence ? n : batch;
    tested_net<R> net;
    ctnn::load_npz(npz(name), net, {.modules = {"rnn"}});
    auto& layer = net.template layer<1>();
    layer.reserve(batch, steps);
    const double* out = layer.forward(x.data(), n, batch, steps, lengths);
    const auto expected = R::returns_sequence ? feature_major(f.tensor<double, 3>(name + "." + record))
                                              : feature_major(f.tensor<double, 2>(name + "." + record));
    CTNN_REQUIRE_CLOSE(columns(out, width, columns_out), columns(expected.data(), width, columns_out), 1e-12);
    auto g = R::returns_sequence ? feature_major(f.tensor<double, 3>(name + ".g"))
                                 : feature_major(f.tensor<double, 2>(name + ".g_last"));
    const double* dx = layer.backward(g.data());
    const std::string dx_record = R::returns_sequence ? ".dx" : ".dx_last";
    CTNN_REQUIRE_CLOSE(columns(dx, features, n),
                       columns(feature_major(f.tensor<double, 3>(name + dx_record)).data(), features, n), 1e-12);
    check_gradients(layer, name + "." + gradients + ".", name.starts_with("bi_") ? 8 : 4);
    return net;
}

template <class Whole, class Last>
void check_against_torch(const std::string& name) {
    INFO(name);
    // every step: pad_packed_sequence's output, 0 past each length
    auto net = check_pass<Whole>(name, "out", "grad");
    // the same through the network: predict gives (B, T, H) with 0 at padded steps
    const tensor3 x_rows = fixture().tensor<double, 3>("x");
    CTNN_REQUIRE_CLOSE(net.predict(padded_sequences(x_rows, lengths_of("lengths"))),
                       (fixture().tensor<double, 3>(name + ".out")), 1e-12);
    // the last state: h_n, each sequence's state after its own last step
    check_pass<Last>(name, "last", "last_grad");
}

/// A recurrent layer written before padded_sequences: its forward has four parameters.
template <class Layer>
struct four_parameter_forward : Layer {
    const typename Layer::scalar* forward(const typename Layer::scalar* in, std::size_t ld, std::size_t rows,
                                          std::size_t n_steps) {
        return Layer::forward(in, ld, rows, n_steps);
    }
};
struct recurrent_without_lengths {
    static constexpr std::size_t output_width = 3;
    static constexpr bool recurrent = true;
    static constexpr bool returns_sequence = false;
    template <class T, std::size_t Index, ctnn::shape InputShape>
    struct bind {
        using type = four_parameter_forward<typename ctnn::rnn<3>::template bind<T, Index, InputShape>::type>;
    };
};

using ctnn::bidirectional;
using ctnn::gru;
using ctnn::last_state;
using ctnn::lstm;
using ctnn::rnn;
using ctnn::whole_sequence;

/// (rows, steps, width) standard normal values.
tensor3 normal_sequences(ctnn::rng& r, std::size_t rows, std::size_t n_steps, std::size_t width) {
    const matrix values = r.normal_tensor<double>(rows, n_steps * width);
    tensor3 x = tensor3::from_shape({rows, n_steps, width});
    std::copy_n(values.data(), values.size(), x.data());
    return x;
}

/// x with sequence b's steps past lengths[b] set to `padding`.
tensor3 padded_with(tensor3 x, const std::vector<std::size_t>& lengths, double padding) {
    for (std::size_t b = 0; b < x.shape(0); ++b)
        for (std::size_t t = lengths[b]; t < x.shape(1); ++t)
            for (std::size_t k = 0; k < x.shape(2); ++k) x(b, t, k) = padding;
    return x;
}

/// Each sequence predicted alone at its own length gives what the padded batch gives, and
/// what the padding holds (NaN included) changes nothing.
template <class Net>
void check_each_sequence_alone(std::uint64_t seed) {
    Net net(seed);
    ctnn::rng r(seed + 1);
    const std::vector<std::size_t> lengths{5, 1, 3, 5, 2};
    const tensor3 x = padded_with(normal_sequences(r, 5, 5, 4), lengths, std::numeric_limits<double>::quiet_NaN());
    const auto together = net.predict(padded_sequences(x, lengths));
    REQUIRE(xt::all(xt::isfinite(together)));
    for (std::size_t b = 0; b < lengths.size(); ++b) {
        INFO("sequence " << b);
        tensor3 alone = tensor3::from_shape({1, lengths[b], 4});
        for (std::size_t t = 0; t < lengths[b]; ++t)
            for (std::size_t k = 0; k < 4; ++k) alone(0, t, k) = x(b, t, k);
        const auto expected = net.predict(alone);
        if constexpr (Net::sequence_output) {
            for (std::size_t t = 0; t < 5; ++t)
                for (std::size_t k = 0; k < Net::output_width; ++k) {
                    const double want = t < lengths[b] ? expected(0, t, k) : 0.0;
                    REQUIRE(std::abs(together(b, t, k) - want) <= 1e-13);
                }
        } else {
            for (std::size_t k = 0; k < Net::output_width; ++k)
                REQUIRE(std::abs(together(b, k) - expected(0, k)) <= 1e-13);
        }
    }
}

/// dL/dθ of the mean squared error over the real steps (or over the sequences' outputs),
/// against central differences. The output gradient's padded rows hold 1, not 0: the network
/// lets nothing in from there.
template <class Net>
void check_finite_differences(std::uint64_t seed) {
    Net net(seed);
    ctnn::rng r(seed + 1);
    const std::vector<std::size_t> lengths{4, 2, 1};
    const std::size_t rows = 3, n_steps = 4;
    const tensor3 x = normal_sequences(r, rows, n_steps, 4);
    constexpr std::size_t out_width = Net::output_width;
    const std::size_t out_rows = Net::sequence_output ? rows * n_steps : rows;
    const matrix y = r.normal_tensor<double>(out_rows, out_width);
    const auto real = [&](std::size_t row) { return !Net::sequence_output || row % n_steps < lengths[row / n_steps]; };
    std::size_t count = 0;
    for (std::size_t i = 0; i < out_rows; ++i) count += real(i);
    net.reserve(rows, n_steps);
    const auto loss = [&] {
        const double* out = net.forward(x.data(), rows, n_steps, lengths);
        double sum = 0.0;
        for (std::size_t i = 0; i < out_rows; ++i)
            if (real(i))
                for (std::size_t k = 0; k < out_width; ++k) sum += std::pow(out[i * out_width + k] - y(i, k), 2);
        return sum / double(count * out_width);
    };
    const double* out = net.forward(x.data(), rows, n_steps, lengths);
    auto gradient = net.output_gradient(out_rows);
    for (std::size_t i = 0; i < out_rows; ++i)
        for (std::size_t k = 0; k < out_width; ++k)
            gradient(i, k) = real(i) ? 2.0 * (out[i * out_width + k] - y(i, k)) / double(count * out_width) : 1.0;
    net.backward();
    net.for_each_parameter([&](auto& p) {
        const auto analytic = p.grad;
        ctnn_test::check_gradient(p.value, analytic, loss);
    });
}
}  // namespace

TEST_CASE("padded_sequences: rnn, lstm, gru and bidirectional match torch's packed sequences (1e-12)",
          "[padded][recurrent]") {
    check_against_torch<rnn<4, ctnn::tanh, whole_sequence>, rnn<4>>("rnn");
    check_against_torch<lstm<4, whole_sequence>, lstm<4>>("lstm");
    check_against_torch<gru<4, whole_sequence>, gru<4>>("gru");
    check_against_torch<bidirectional<rnn<4, ctnn::tanh, whole_sequence>>, bidirectional<rnn<4>>>("bi_rnn");
    check_against_torch<bidirectional<lstm<4, whole_sequence>>, bidirectional<lstm<4>>>("bi_lstm");
    check_against_torch<bidirectional<gru<4, whole_sequence>>, bidirectional<gru<4>>>("bi_gru");
}

TEST_CASE("padded_sequences: each sequence alone gives what the padded batch gives; padding is never read",
          "[padded][recurrent]") {
    using ctnn::basic_network;
    using ctnn::dense;
    using ctnn::sequence;
    using ctnn::recurrent_cell;
    check_each_sequence_alone<basic_network<double, sequence<4>, rnn<5, ctnn::relu, whole_sequence>, dense<2>>>(1);
    check_each_sequence_alone<basic_network<double, sequence<4>, dense<6, ctnn::tanh>, lstm<5>>>(2);
    check_each_sequence_alone<basic_network<double, sequence<4>, gru<5, whole_sequence>, lstm<3, whole_sequence>>>(3);
    check_each_sequence_alone<basic_network<double, sequence<4>, bidirectional<lstm<3, whole_sequence>>,
                                            bidirectional<gru<2>>>>(4);
    check_each_sequence_alone<basic_network<double, sequence<4>, recurrent_cell<ctnn::cells::lstm<4>, whole_sequence>>>(5);
    check_each_sequence_alone<basic_network<double, sequence<4>, recurrent_cell<ctnn::cells::gru<3>>, dense<2>>>(6);
    check_each_sequence_alone<basic_network<double, sequence<4>, recurrent_cell<user::peephole_lstm<3>, whole_sequence>,
                                            recurrent_cell<user::indrnn<4>>, dense<2>>>(7);
}

TEST_CASE("padded_sequences: finite differences through every recurrent layer", "[padded][recurrent][gradient]") {
    using ctnn::basic_network;
    using ctnn::dense;
    using ctnn::sequence;
    using ctnn::recurrent_cell;
    check_finite_differences<basic_network<double, sequence<4>, rnn<3, ctnn::tanh, whole_sequence>, dense<2>>>(11);
    check_finite_differences<basic_network<double, sequence<4>, dense<3, ctnn::tanh>, lstm<3>, dense<2>>>(12);
    check_finite_differences<basic_network<double, sequence<4>, gru<3, whole_sequence>, gru<2>>>(13);
    check_finite_differences<basic_network<double, sequence<4>, bidirectional<lstm<2, whole_sequence>>, dense<2>>>(14);
    check_finite_differences<basic_network<double, sequence<4>, bidirectional<rnn<2>>>>(15);
    check_finite_differences<basic_network<double, sequence<4>, recurrent_cell<ctnn::cells::lstm<3>, whole_sequence>>>(16);
    check_finite_differences<basic_network<double, sequence<4>, recurrent_cell<ctnn::cells::elman<3>>, dense<2>>>(17);
    // params: their gradient sums over the real steps only
    check_finite_differences<basic_network<double, sequence<4>, recurrent_cell<user::indrnn<3>, whole_sequence>>>(18);
    check_finite_differences<basic_network<double, sequence<4>, recurrent_cell<user::peephole_lstm<2>>, dense<2>>>(19);
}

TEST_CASE("padded_sequences: a tagger and a classifier train as torch trains them on packed sequences",
          "[padded][recurrent][train]") {
    const auto& f = fixture();
    const tensor3 x = f.tensor<double, 3>("tagger.x");  // 1e6 at padded steps
    const auto lengths = lengths_of("tagger.lengths");
    const auto check_final = [&](const auto& net, const std::string& record) {
        std::size_t checked = 0;
        net.for_each_layer_indexed([&](const auto& layer, auto index) {
            ctnn::detail::for_each_named_parameter_of(layer, [&](std::string_view name, const auto& p) {
                const std::string key = record + (index == 0 ? "rnn." : "out.") + std::string(name);
                INFO(key);
                const auto expected = f.values(key);
                REQUIRE(expected.size() == p.value.size());
                for (std::size_t i = 0; i < expected.size(); ++i)
                    REQUIRE(std::abs(p.value.data()[i] - expected[i]) <= 1e-10 * std::max(1.0, std::abs(expected[i])));
                ++checked;
            });
        });
        CHECK(checked >= 6);
    };

    SECTION("a tagger: MSE over the real steps (y is NaN at padded ones), Adam") {
        using net_t = ctnn::basic_network<double, ctnn::sequence<3>, lstm<4, whole_sequence>, ctnn::dense<2>>;
        const tensor3 y = f.tensor<double, 3>("tagger.y");
        const auto losses = f.values("tagger.losses");
        net_t net;
        ctnn::load_npz(npz("tagger"), net, {.modules = {"rnn", "out"}});
        ctnn::trainer train{net, ctnn::optim::adam{.lr = 0.01}};
        for (std::size_t step = 0; step < 5; ++step) {
            const auto report = train.train_step(padded_sequences(x, lengths), y);
            CHECK(report.loss == Approx(losses[step]).epsilon(1e-12));
        }
        check_final(net, "tagger.final.");

        // fit, one full batch per epoch, takes the same steps
        net_t fitted;
        ctnn::load_npz(npz("tagger"), fitted, {.modules = {"rnn", "out"}});
        ctnn::trainer fit_train{fitted, ctnn::optim::adam{.lr = 0.01}};
        const auto result = fit_train.fit(padded_sequences(x, lengths), y, {.epochs = 5, .batch_size = 0});
        for (std::size_t step = 0; step < 5; ++step) CHECK(result.epoch_losses[step] == Approx(losses[step]).epsilon(1e-12));
        check_final(fitted, "tagger.final.");
    }
    SECTION("a classifier: cross-entropy on both directions' last states, SGD") {
        using net_t = ctnn::basic_network<double, ctnn::sequence<3>, bidirectional<gru<4>>, ctnn::dense<3>>;
        const matrix y = xt::reshape_view(xt::adapt(f.values("classifier.y")), std::vector<std::size_t>{5, 1});
        const auto losses = f.values("classifier.losses");
        net_t net;
        ctnn::load_npz(npz("classifier"), net, {.modules = {"rnn", "out"}});
        ctnn::trainer train{net, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::sgd{.lr = 0.5}};
        for (std::size_t step = 0; step < 5; ++step) {
            const auto report = train.train_step(padded_sequences(x, lengths), y);
            CHECK(report.loss == Approx(losses[step]).epsilon(1e-12));
        }
        check_final(net, "classifier.final.");
    }
}

TEST_CASE("padded_sequences: fit gathers each shuffled batch's lengths; evaluate and accuracy see real steps",
          "[padded][train]") {
    using net_t = ctnn::basic_network<double, ctnn::sequence<2>, gru<4, whole_sequence>, ctnn::dense<3>>;
    ctnn::rng r(21);
    const std::size_t rows = 10, n_steps = 6;
    std::vector<std::size_t> lengths(rows);
    for (std::size_t i = 0; i < rows; ++i) lengths[i] = 1 + (i * 7) % n_steps;
    const tensor3 x = padded_with(normal_sequences(r, rows, n_steps, 2), lengths, 1e300);
    tensor3 y = tensor3::from_shape({rows, n_steps, 1});
    for (std::size_t i = 0; i < y.size(); ++i) y.data()[i] = double(i % 3);
    for (std::size_t b = 0; b < rows; ++b)
        for (std::size_t t = lengths[b]; t < n_steps; ++t) y(b, t, 0) = -100;  // torch's ignore_index, never read

    // fit with shuffled batches of 4 = train_step on the batches shuffled_order names
    net_t fitted(5), stepped(5);
    ctnn::trainer fit_train{fitted, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::adam{.lr = 0.01}};
    const auto result = fit_train.fit(padded_sequences(x, lengths), y, {.epochs = 2, .batch_size = 4, .seed = 9});
    ctnn::trainer step_train{stepped, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::adam{.lr = 0.01}};
    for (std::size_t epoch = 0; epoch < 2; ++epoch) {
        const auto order = ctnn::shuffled_order(rows, 9, epoch);
        for (std::size_t first = 0; first < rows; first += 4) {
            const std::size_t n = std::min<std::size_t>(4, rows - first);
            tensor3 xb = tensor3::from_shape({n, n_steps, 2}), yb = tensor3::from_shape({n, n_steps, 1});
            std::vector<std::size_t> lb(n);
            for (std::size_t i = 0; i < n; ++i) {
                xt::view(xb, i) = xt::view(x, order[first + i]);
                xt::view(yb, i) = xt::view(y, order[first + i]);
                lb[i] = lengths[order[first + i]];
            }
            step_train.train_step(padded_sequences(xb, lb), yb);
        }
    }
    REQUIRE(result.steps == 6);
    // fit's epoch loss is the mean over real steps, as evaluate's: equal while the weights stay
    net_t fixed(7);
    ctnn::trainer fixed_train{fixed, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::sgd{.lr = 0.0}};
    const auto fixed_fit = fixed_train.fit(padded_sequences(x, lengths), y, {.epochs = 1, .batch_size = 4});
    CHECK(fixed_fit.epoch_losses.front()
          == Approx(fixed_train.evaluate(padded_sequences(x, lengths), y)).epsilon(1e-12));
    stepped.for_each_parameter([&, k = std::size_t(0)](const auto& p) mutable {
        std::size_t j = 0;
        fitted.for_each_parameter([&](const auto& q) {
            if (j++ == k) CHECK((p.value == q.value));
        });
        ++k;
    });

    // evaluate: the mean cross-entropy over the real steps; accuracy likewise
    const tensor3 predicted = fitted.predict(padded_sequences(x, lengths));
    double sum = 0.0;
    std::size_t count = 0, right = 0;
    for (std::size_t b = 0; b < rows; ++b)
        for (std::size_t t = 0; t < lengths[b]; ++t) {
            const double m = std::max({predicted(b, t, 0), predicted(b, t, 1), predicted(b, t, 2)});
            double z = 0.0;
            for (std::size_t k = 0; k < 3; ++k) z += std::exp(predicted(b, t, k) - m);
            const auto label = std::size_t(y(b, t, 0));
            sum += m + std::log(z) - predicted(b, t, label);
            right += ctnn::detail::row_argmax(&predicted(b, t, 0), 3) == label;
            ++count;
        }
    CHECK(fit_train.evaluate(padded_sequences(x, lengths), y) == Approx(sum / double(count)).epsilon(1e-12));
    // predict_proba: the softmax of each real step's logits, 0 at padded steps
    const tensor3 probabilities = fitted.predict_proba(padded_sequences(x, lengths));
    for (std::size_t b = 0; b < rows; ++b)
        for (std::size_t t = 0; t < n_steps; ++t) {
            double z = 0.0;
            for (std::size_t k = 0; k < 3; ++k) z += std::exp(predicted(b, t, k));
            for (std::size_t k = 0; k < 3; ++k) {
                const double want = t < lengths[b] ? std::exp(predicted(b, t, k)) / z : 0.0;
                REQUIRE(std::abs(probabilities(b, t, k) - want) <= 1e-12);
            }
        }
    const auto with_validation = fit_train.fit(padded_sequences(x, lengths), y, padded_sequences(x, lengths), y,
                                               {.epochs = 1, .batch_size = 4});
    net_t copy = fitted;  // the validation pass ran after the epoch's steps: measure it again
    ctnn::trainer copy_train{copy, ctnn::loss::softmax_cross_entropy{}};
    CHECK(with_validation.history.epochs().front().validation_loss
          == Approx(copy_train.evaluate(padded_sequences(x, lengths), y)).epsilon(1e-12));
    const auto& report = with_validation.history.epochs().front();
    const tensor3 after = copy.predict(padded_sequences(x, lengths));
    std::size_t right_after = 0;
    for (std::size_t b = 0; b < rows; ++b)
        for (std::size_t t = 0; t < lengths[b]; ++t)
            right_after += ctnn::detail::row_argmax(&after(b, t, 0), 3) == std::size_t(y(b, t, 0));
    CHECK(report.validation_accuracy == Approx(double(right_after) / double(count)));
    CHECK(right <= count);

    // validation_split keeps each part's lengths
    net_t split_net(5);
    ctnn::trainer split_train{split_net, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::adam{.lr = 0.01}};
    const auto split = split_train.fit(padded_sequences(x, lengths), y, ctnn::validation_split(0.3),
                                       {.epochs = 1, .batch_size = 4, .shuffle = false});
    const auto tail_x = tensor3(xt::view(x, xt::range(7, 10)));
    const auto tail_y = tensor3(xt::view(y, xt::range(7, 10)));
    const std::vector<std::size_t> tail_lengths(lengths.begin() + 7, lengths.end());
    CHECK(split.history.epochs().front().validation_loss
          == Approx(split_train.evaluate(padded_sequences(tail_x, tail_lengths), tail_y)).epsilon(1e-12));
}

TEST_CASE("padded_sequences: lengths that do not fit x, a bad label at a real step, truncated BPTT are refused",
          "[padded][errors]") {
    using net_t = ctnn::basic_network<double, ctnn::sequence<2>, lstm<3, whole_sequence>, ctnn::dense<2>>;
    net_t net(1);
    ctnn::trainer train{net, ctnn::loss::softmax_cross_entropy{}};
    const tensor3 x = tensor3::from_shape({3, 4, 2});
    tensor3 y = tensor3::from_shape({3, 4, 1});
    y.fill(1.0);
    const std::vector<std::size_t> three{4, 2, 1};
    CHECK_THROWS_WITH(net.predict(padded_sequences(x, std::vector<std::size_t>{4, 2})),
                      "ctnn: predict: 2 sequence lengths for 3 sequences; each sequence needs its length");
    CHECK_THROWS_WITH(train.train_step(padded_sequences(x, std::vector<std::size_t>{4, 0, 1}), y),
                      "ctnn: train_step: sequence 1 has length 0; every sequence needs at least one step");
    CHECK_THROWS_WITH(train.fit(padded_sequences(x, std::vector<std::size_t>{4, 5, 1}), y),
                      "ctnn: fit: sequence 1 has length 5 but x has 4 steps");
    CHECK_THROWS_WITH(padded_sequences(x, std::vector<int>{4, -2, 1}),
                      "ctnn: padded_sequences: lengths[1] is -2; a length counts steps, from 1");
    // a label past a sequence's end is never read; one at a real step is named by its row
    y(1, 3, 0) = -100;
    y(2, 2, 0) = 7;
    CHECK_NOTHROW(train.evaluate(padded_sequences(x, three), y));
    y(2, 0, 0) = 7;
    CHECK_THROWS_WITH(train.evaluate(padded_sequences(x, three), y),
                      Catch::Contains("the target of row 2 is 7, not a class label"));
    y(2, 0, 0) = 1;
    // truncated back-propagation through time would cut a padded sequence's gradient: refused
    // in training, not in inference
    net.layer<0>().bptt_steps = 2;
    CHECK_NOTHROW(net.predict(padded_sequences(x, three)));
    CHECK_NOTHROW(train.evaluate(padded_sequences(x, three), y));
    CHECK_THROWS_WITH(train.train_step(padded_sequences(x, three), y),
                      "ctnn: layer 0: lstm: bptt_steps = 2 (truncated back-propagation through time) is not "
                      "supported with sequence lengths; set bptt_steps = 0, or give sequences of one length");
    net.layer<0>().bptt_steps = 0;
    CHECK_NOTHROW(train.train_step(padded_sequences(x, three), y));
    // full lengths are the unpadded batch
    const std::vector<std::size_t> full{4, 4, 4};
    CHECK((net.predict(padded_sequences(x, full)) == net.predict(x)));

    // a recurrent layer of one's own whose forward takes no lengths runs on plain sequences and
    // is refused lengths
    using legacy_net = ctnn::basic_network<double, ctnn::sequence<2>, recurrent_without_lengths, ctnn::dense<2>>;
    legacy_net legacy(1);
    CHECK(legacy.predict(x).shape(1) == 2);
    CHECK_THROWS_WITH(legacy.predict(padded_sequences(x, three)),
                      "ctnn: layer 0: rnn takes no sequence lengths: its forward has no lengths parameter");
}
