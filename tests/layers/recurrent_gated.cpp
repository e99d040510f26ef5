// lstm and gru: PyTorch fixtures from tests/fixtures/generate_recurrent.py (forward, gradients,
// ‖dL/dh_t‖, truncated BPTT, 20 clipped SGD steps), finite-difference gradients of every
// parameter and of the input (through a layer below), the BLAS-sized path, and training.
#include <ctnn/ctnn.hpp>
#include <ctnn/layers/gru.hpp>
#include <ctnn/layers/lstm.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include <catch2/catch.hpp>

#include "support/gradient_check.hpp"
#include "support/recurrent_cases.hpp"

namespace {
using ctnn::sequence;
using ctnn::whole_sequence;
using default_init = ctnn::init::recurrent_default;

}  // namespace

TEST_CASE("lstm, last state: forward, gradients and ‖dL/dh_t‖ equal PyTorch's nn.LSTM", "[lstm][fixture]") {
    using net_type = ctnn::basic_network<double, sequence<3>, ctnn::lstm<4>, ctnn::dense<2>>;
    net_type net;
    ctnn_test::check_recurrent_case(net, "lstm");
    net_type trained;
    ctnn_test::check_recurrent_training(trained, "lstm", 0.3, 0.5);
}

TEST_CASE("gru, last state: forward, gradients and ‖dL/dh_t‖ equal PyTorch's nn.GRU", "[gru][fixture]") {
    using net_type = ctnn::basic_network<double, sequence<3>, ctnn::gru<4>, ctnn::dense<2>>;
    net_type net;
    ctnn_test::check_recurrent_case(net, "gru");
    net_type trained;
    ctnn_test::check_recurrent_training(trained, "gru", 0.3, 0.5);
}

TEST_CASE("an lstm -> gru -> dense stack equals PyTorch and trains as it does", "[lstm][gru][fixture][train]") {
    using net_type =
        ctnn::basic_network<double, sequence<3>, ctnn::lstm<4, whole_sequence>, ctnn::gru<3>, ctnn::dense<1>>;
    STATIC_REQUIRE(net_type::parameter_count == (16 * 3 + 16 * 4 + 32) + (9 * 4 + 9 * 3 + 18) + 4);
    net_type net;
    ctnn_test::check_recurrent_case(net, "lstm_gru");
    net_type trained;
    ctnn_test::check_recurrent_training(trained, "lstm_gru", 0.2, 1.0);
}

TEST_CASE("gru -> lstm, both whole sequences, -> dense on every step equals PyTorch", "[lstm][gru][fixture]") {
    using net_type = ctnn::basic_network<double, sequence<3>, ctnn::gru<4, whole_sequence>,
                                         ctnn::lstm<3, whole_sequence>, ctnn::dense<2>>;
    STATIC_REQUIRE(net_type::sequence_output);
    net_type net;
    ctnn_test::check_recurrent_case(net, "gru_lstm_per_step");
    net_type trained;
    ctnn_test::check_recurrent_training(trained, "gru_lstm_per_step", 0.3, 1.0);
}

TEST_CASE("truncated BPTT equals PyTorch detaching h (and c) every k steps", "[lstm][gru][fixture]") {
    SECTION("lstm") {
        ctnn::basic_network<double, sequence<3>, ctnn::lstm<4>, ctnn::dense<1>> net;
        net.layer<0>().bptt_steps = 3;
        ctnn_test::check_recurrent_case(net, "lstm_truncated");
    }
    SECTION("gru") {
        ctnn::basic_network<double, sequence<3>, ctnn::gru<4>, ctnn::dense<1>> net;
        net.layer<0>().bptt_steps = 3;
        ctnn_test::check_recurrent_case(net, "gru_truncated");
    }
}

TEST_CASE("lstm and gru gradients agree with finite differences", "[lstm][gru][gradient]") {
    SECTION("lstm, whole sequence, below a gru (the gru's input gradient)") {
        ctnn::basic_network<double, sequence<3>, ctnn::lstm<4, whole_sequence>, ctnn::gru<3>, ctnn::dense<2>> net(1);
        ctnn_test::check_finite_differences(net, 3, 5);
    }
    SECTION("gru, whole sequence, below an lstm (the lstm's input gradient)") {
        ctnn::basic_network<double, sequence<2>, ctnn::gru<3, whole_sequence>, ctnn::lstm<3>, ctnn::dense<1>> net(2);
        ctnn_test::check_finite_differences(net, 2, 4);
    }
    SECTION("no bias, whole-sequence outputs, a dense layer before them") {
        // ::without_bias spells Bias = false without spelling out the init policies first
        STATIC_REQUIRE(std::is_same_v<ctnn::lstm<3, whole_sequence>::without_bias,
                                      ctnn::lstm<3, whole_sequence, default_init, default_init, false>>);
        STATIC_REQUIRE(std::is_same_v<ctnn::gru<2, whole_sequence>::without_bias,
                                      ctnn::gru<2, whole_sequence, default_init, default_init, false>>);
        STATIC_REQUIRE(std::is_same_v<ctnn::rnn<2, ctnn::relu>::without_bias,
                                      ctnn::rnn<2, ctnn::relu, ctnn::last_state, default_init, default_init, false>>);
        ctnn::basic_network<double, sequence<2>, ctnn::dense<3, ctnn::tanh>, ctnn::lstm<3, whole_sequence>::without_bias,
                            ctnn::gru<2, whole_sequence>::without_bias, ctnn::dense<1>>
            net(3);
        STATIC_REQUIRE(decltype(net)::parameter_count == (6 + 3) + (12 * 3 + 12 * 3) + (6 * 3 + 6 * 2) + (2 + 1));
        ctnn_test::check_finite_differences(net, 4, 3);
    }
    SECTION("non-zero initial states (h_{-1}, c_{-1}) reach the gradients of step 0") {
        ctnn::basic_network<double, sequence<2>, ctnn::lstm<3, whole_sequence>, ctnn::gru<3>, ctnn::dense<1>> net(4);
        net.layer<0>().initial_state() = {0.5, -0.3, 0.2};
        net.layer<0>().initial_cell() = {-0.7, 0.4, 1.1};
        net.layer<1>().initial_state() = {0.6, -0.8, 0.1};
        ctnn_test::check_finite_differences(net, 3, 3);
    }
    SECTION("truncated to chunks of 2 steps, on a single chunk where the two gradients agree") {
        ctnn::basic_network<double, sequence<2>, ctnn::lstm<3, whole_sequence>, ctnn::gru<3>, ctnn::dense<1>> net(5);
        net.layer<0>().bptt_steps = 2;
        net.layer<1>().bptt_steps = 2;
        ctnn_test::check_finite_differences(net, 3, 2);
    }
    SECTION("widths and batch large enough that every product goes to BLAS") {
        STATIC_REQUIRE(ctnn::detail::use_gemm<16, 64>(16));  // W_hh·h of the lstm, one step
        STATIC_REQUIRE(ctnn::detail::use_gemm<16, 48>(24));  // and of the gru
        ctnn::basic_network<double, sequence<8>, ctnn::lstm<16, whole_sequence>, ctnn::gru<16>, ctnn::dense<1>> net(6);
        ctnn_test::check_finite_differences(net, 24, 3);
    }
}

TEST_CASE("lstm accessors: h_t = o ⊙ tanh(c_t) from states(), cells() and gates()", "[lstm]") {
    ctnn::basic_network<double, sequence<2>, ctnn::lstm<3>, ctnn::dense<1>> net(8);
    ctnn::rng r(2);
    auto x = ctnn::tensor<double, 3>::from_shape({5, 4, 2});
    for (auto& v : x) v = r.normal();
    net.predict(x);
    const auto& layer = net.layer<0>();
    REQUIRE(layer.steps() == 4);
    REQUIRE(layer.batch() == 5);
    REQUIRE(layer.rows() == 5);
    const auto h = layer.states();
    const auto c = layer.cells();
    const auto gates = layer.gates();
    REQUIRE(gates.shape()[1] == 12);
    double worst = 0;
    for (std::size_t t = 0; t < 4; ++t)
        for (std::size_t u = 0; u < 3; ++u)
            for (std::size_t b = 0; b < 5; ++b) {
                worst = std::max(worst, std::abs(h(t, u, b) - gates(t, 9 + u, b) * std::tanh(c(t, u, b))));
                CHECK((gates(t, u, b) > 0.0 && gates(t, u, b) < 1.0));
            }
    CHECK(worst <= 1e-14);
    const auto out = layer.output();
    for (std::size_t u = 0; u < 3; ++u)
        for (std::size_t b = 0; b < 5; ++b) CHECK(out(u, b) == h(3, u, b));
}

TEST_CASE("gru gates(): h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}", "[gru]") {
    ctnn::basic_network<double, sequence<2>, ctnn::gru<3, whole_sequence>, ctnn::dense<1>> net(9);
    ctnn::rng r(3);
    auto x = ctnn::tensor<double, 3>::from_shape({4, 3, 2});
    for (auto& v : x) v = r.normal();
    net.predict(x);
    const auto& layer = net.layer<0>();
    REQUIRE(layer.rows() == 12);
    const auto h = layer.states();
    const auto gates = layer.gates();
    REQUIRE(gates.shape()[1] == 9);
    double worst = 0;
    for (std::size_t t = 0; t < 3; ++t)
        for (std::size_t u = 0; u < 3; ++u)
            for (std::size_t b = 0; b < 4; ++b) {
                const double z = gates(t, 3 + u, b), n = gates(t, 6 + u, b);
                const double previous = t == 0 ? 0.0 : h(t - 1, u, b);
                worst = std::max(worst, std::abs(h(t, u, b) - ((1 - z) * n + z * previous)));
            }
    CHECK(worst <= 1e-14);
}

TEST_CASE("initialize draws every lstm and gru tensor from U(±1/√Hidden), as PyTorch", "[lstm][gru][init]") {
    ctnn::network<sequence<3>, ctnn::lstm<16, whole_sequence>, ctnn::gru<25>, ctnn::dense<1>> net(11);
    auto check_bound = [](auto& layer, double bound) {
        std::size_t k = 0;
        layer.for_each_parameter([&](const auto& p) {
            INFO("parameter " << k++);
            double largest = 0;
            for (const auto v : p.value) largest = std::max(largest, std::abs(double(v)));
            CHECK(largest <= bound);
            CHECK(largest > 0.8 * bound);  // the whole range is used, not a narrower one
        });
    };
    check_bound(net.layer<0>(), 0.25);
    check_bound(net.layer<1>(), 0.2);
}

TEST_CASE("an lstm -> gru -> dense network learns a sequence sum with fit (float)", "[lstm][gru][train]") {
    ctnn::rng r(3);
    auto x = ctnn::tensor<float, 3>::from_shape({64, 5, 1});
    auto y = ctnn::tensor<float, 2>::from_shape({64, 1});
    for (std::size_t i = 0; i < 64; ++i) {
        float s = 0;
        for (std::size_t t = 0; t < 5; ++t) s += (x(i, t, 0) = float(r.uniform(-0.5, 0.5)));
        y(i, 0) = s;
    }
    ctnn::network<sequence<1>, ctnn::lstm<8, whole_sequence>, ctnn::gru<8>, ctnn::dense<1>> net(1);
    ctnn::trainer train(net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.02});
    const double before = train.evaluate(x, y);
    const auto result = train.fit(x, y, {.epochs = 150, .batch_size = 16});
    CHECK(result.epoch_losses.size() == 150);
    CHECK(train.evaluate(x, y) < 0.1 * before);
}

TEST_CASE("the gradient-health monitor records lstm and gru gradient norms across time", "[lstm][gru][monitor]") {
    using ctnn::monitor::gradient_health;
    ctnn::basic_network<double, sequence<2>, ctnn::lstm<4, whole_sequence>, ctnn::gru<3>, ctnn::dense<1>> net(12);
    ctnn::trainer train{net,
                        ctnn::loss::mse{},
                        ctnn::optim::sgd{.lr = 0.1},
                        ctnn::clip::none{},
                        ctnn::schedule::constant{},
                        ctnn::regularize::none{},
                        gradient_health{}};
    ctnn::rng r(4);
    auto x = ctnn::tensor<double, 3>::from_shape({6, 7, 2});
    for (auto& v : x) v = r.normal();
    auto y = ctnn::tensor<double, 2>::from_shape({6, 1});
    for (auto& v : y) v = r.normal();
    train.train_step(x, y);
    const auto& layers = train.monitor().last().layers;
    REQUIRE(layers.size() == 3);
    CHECK(layers[0].kind == "lstm");
    CHECK(layers[1].kind == "gru");
    for (std::size_t i = 0; i < 2; ++i) {
        INFO("layer " << i);
        REQUIRE(layers[i].time_gradient_norms.size() == 7);
        for (const double norm : layers[i].time_gradient_norms) CHECK((std::isfinite(norm) && norm > 0.0));
    }
    const auto norms = net.layer<1>().time_gradient_norms();
    CHECK(std::equal(norms.begin(), norms.end(), layers[1].time_gradient_norms.begin()));
}
