// rnn (and the sequence plumbing of the network and trainer): PyTorch fixtures from
// tests/fixtures/generate_recurrent.py, finite-difference gradients, truncated BPTT, the exact
// α^T growth of a linear recurrence, and the run-time shape checks of sequence data.
#include <ctnn/ctnn.hpp>
#include <ctnn/layers/rnn.hpp>

#include <cmath>
#include <cstddef>
#include <string>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/fixture.hpp"
#include "support/gradient_check.hpp"
#include "support/parameters.hpp"
#include "support/recurrent_cases.hpp"


TEST_CASE("rnn tanh, last state: forward, gradients and ‖dL/dh_t‖ equal PyTorch's", "[rnn][fixture]") {
    ctnn::basic_network<double, ctnn::sequence<3>, ctnn::rnn<4>, ctnn::dense<2>> net;
    ctnn_test::check_recurrent_case(net, "tanh");
}

TEST_CASE("rnn tanh: 20 clipped SGD steps follow PyTorch", "[rnn][fixture][train]") {
    ctnn::basic_network<double, ctnn::sequence<3>, ctnn::rnn<4>, ctnn::dense<2>> net;
    ctnn_test::check_recurrent_training(net, "tanh", 0.3, 0.5);
}

TEST_CASE("rnn relu equals PyTorch's nonlinearity='relu'", "[rnn][fixture]") {
    ctnn::basic_network<double, ctnn::sequence<2>, ctnn::rnn<5, ctnn::relu>, ctnn::dense<1>> net;
    ctnn_test::check_recurrent_case(net, "relu");
}

TEST_CASE("stacked rnn layers (whole_sequence into last_state) equal PyTorch", "[rnn][fixture]") {
    using net_type = ctnn::basic_network<double, ctnn::sequence<3>, ctnn::rnn<4, ctnn::tanh, ctnn::whole_sequence>,
                                         ctnn::rnn<3>, ctnn::dense<1>>;
    net_type net;
    ctnn_test::check_recurrent_case(net, "stacked");
    net_type trained;
    ctnn_test::check_recurrent_training(trained, "stacked", 0.2, 1.0);
}

TEST_CASE("a dense layer after a whole sequence runs on every step: (B, T, O) output", "[rnn][fixture]") {
    using net_type = ctnn::basic_network<double, ctnn::sequence<3>, ctnn::rnn<4, ctnn::tanh, ctnn::whole_sequence>,
                                         ctnn::dense<2>>;
    static_assert(net_type::sequence_input && net_type::sequence_output);
    net_type net;
    ctnn_test::check_recurrent_case(net, "per_step");
    net_type trained;
    ctnn_test::check_recurrent_training(trained, "per_step", 0.3, 1.0);
}

TEST_CASE("truncated BPTT equals PyTorch detaching h every k steps", "[rnn][fixture]") {
    ctnn::basic_network<double, ctnn::sequence<3>, ctnn::rnn<4>, ctnn::dense<1>> net;
    net.layer<0>().bptt_steps = 3;
    ctnn_test::check_recurrent_case(net, "truncated");
}

TEST_CASE("rnn gradients agree with finite differences", "[rnn][gradient]") {
    using ctnn::sequence;
    auto check = [](auto& net, std::size_t rows, std::size_t steps) {
        ctnn_test::check_finite_differences(net, rows, steps);
    };
    SECTION("tanh, last state, with an rnn below it (its input gradient)") {
        ctnn::basic_network<double, sequence<3>, ctnn::rnn<4, ctnn::tanh, ctnn::whole_sequence>,
                            ctnn::rnn<3, ctnn::tanh>, ctnn::dense<2>>
            net(1);
        check(net, 3, 5);
    }
    SECTION("sigmoid, whole sequence, no bias") {
        ctnn::basic_network<double, sequence<2>,
                            ctnn::rnn<3, ctnn::sigmoid, ctnn::whole_sequence, ctnn::init::recurrent_default,
                                      ctnn::init::recurrent_default, false>,
                            ctnn::dense<1>>
            net(2);
        check(net, 2, 4);
    }
    SECTION("an activation that needs z (elu), a dense layer before the rnn") {
        ctnn::basic_network<double, sequence<2>, ctnn::dense<3, ctnn::tanh>, ctnn::rnn<4, ctnn::elu<>>, ctnn::dense<1>>
            net(3);
        check(net, 4, 3);
    }
    SECTION("wide enough that W_hh's gradient is a gemm product over the states") {
        STATIC_REQUIRE(ctnn::detail::use_gemm<16, 16>(24 * 3));
        ctnn::basic_network<double, sequence<8>, ctnn::rnn<16, ctnn::tanh, ctnn::whole_sequence>, ctnn::rnn<16>,
                            ctnn::dense<1>>
            net(5);
        check(net, 24, 3);
    }
    SECTION("truncated to chunks of 2 steps") {
        ctnn::basic_network<double, sequence<2>, ctnn::rnn<3>, ctnn::dense<1>> net(4);
        net.layer<0>().bptt_steps = 2;
        // Finite differences see the full gradient, so compare the truncated one on a single
        // chunk, where the two agree.
        check(net, 3, 2);
    }
}

TEST_CASE("a linear recurrence through α·Q scales the gradient by exactly α per step", "[rnn][explosion]") {
    // h_t = W·h_{t−1} + W_ih·x_t with W = α·Q, Q orthogonal: ‖dL/dh_{t−1}‖ = α‖dL/dh_t‖,
    // so over 50 steps the gradient grows by α^50 (α = 1.1: ×117.39) — Pascanu et al.'s
    // condition for explosion at its sharpest.
    constexpr std::size_t hidden = 16, steps = 51;
    for (double alpha : {1.1, 0.9}) {
        ctnn::basic_network<double, ctnn::sequence<2>,
                            ctnn::rnn<hidden, ctnn::identity, ctnn::last_state, ctnn::init::recurrent_default,
                                      ctnn::init::orthogonal<>>,
                            ctnn::dense<1>>
            net;
        net.layer<0>().recurrent_initializer.scale = alpha;
        net.initialize(5);
        ctnn::rng r(9);
        auto x = ctnn::tensor<double, 3>::from_shape({4, steps, 2});
        for (auto& v : x) v = r.normal();
        auto y = ctnn::tensor<double, 2>::from_shape({4, 1});
        y.fill(1.0);
        ctnn::trainer train(net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.0});
        train.train_step(x, y);
        const auto norms = net.layer<0>().time_gradient_norms();
        REQUIRE(norms.size() == steps);
        const double growth = norms.front() / norms.back();
        INFO("alpha " << alpha);
        CHECK(std::abs(growth / std::pow(alpha, double(steps - 1)) - 1.0) <= 1e-9);
    }
}

TEST_CASE("sequence data of the wrong shape is refused with expected vs actual", "[rnn][errors]") {
    ctnn::network<ctnn::sequence<3>, ctnn::rnn<4>, ctnn::dense<1>> net;
    ctnn::trainer train(net);
    auto x = ctnn::tensor<float, 3>::from_shape({2, 5, 3});
    x.fill(0.5f);
    auto y = ctnn::tensor<float, 2>::from_shape({2, 1});
    y.fill(0.f);
    CHECK_NOTHROW(train.train_step(x, y));
    auto flat = ctnn::tensor<float, 2>::from_shape({2, 3});
    CHECK_THROWS_WITH(train.train_step(flat, y), Catch::Contains("expected (batch, steps, 3)"));
    auto narrow = ctnn::tensor<float, 3>::from_shape({2, 5, 4});
    CHECK_THROWS_WITH(net.predict(narrow), Catch::Contains("(2, 5, 4), expected (batch, steps, 3)"));
    auto few = ctnn::tensor<float, 2>::from_shape({3, 1});
    CHECK_THROWS_WITH(train.fit(x, few), Catch::Contains("y has 3 rows but x has 2"));
    auto empty = ctnn::tensor<float, 3>::from_shape({2, 0, 3});
    CHECK_THROWS_WITH(train.train_step(empty, y), Catch::Contains("at least one step"));

    ctnn::network<ctnn::sequence<3>, ctnn::rnn<4, ctnn::tanh, ctnn::whole_sequence>, ctnn::dense<1>> per_step;
    ctnn::trainer per_step_train(per_step);
    auto short_y = ctnn::tensor<float, 3>::from_shape({2, 4, 1});
    CHECK_THROWS_WITH(per_step_train.train_step(x, short_y), Catch::Contains("y has 4 steps but x has 5"));
    CHECK_THROWS_WITH(per_step_train.train_step(x, y),
                      "ctnn: train_step: y has shape (2, 1), expected (batch, steps, 1): a network that returns "
                      "every step takes a target per step");
    CHECK_THROWS_WITH(train.train_step(flat, y), "ctnn: train_step: x has shape (2, 3), expected (batch, steps, 3): "
                                                 "a sequence network reads (batch, steps, features)");
}

TEST_CASE("fit on sequences: shuffled mini-batches and a full batch both learn", "[rnn][train]") {
    // The sum of a short sequence, which a small tanh rnn learns quickly.
    ctnn::rng r(3);
    auto x = ctnn::tensor<double, 3>::from_shape({64, 4, 1});
    auto y = ctnn::tensor<double, 2>::from_shape({64, 1});
    for (std::size_t i = 0; i < 64; ++i) {
        double s = 0;
        for (std::size_t t = 0; t < 4; ++t) s += (x(i, t, 0) = r.uniform(-0.5, 0.5));
        y(i, 0) = s;
    }
    for (std::size_t batch : {std::size_t(0), std::size_t(10)}) {
        ctnn::basic_network<double, ctnn::sequence<1>, ctnn::rnn<8>, ctnn::dense<1>> net(1);
        ctnn::trainer train(net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.02});
        const double before = train.evaluate(x, y);
        const auto result = train.fit(x, y, {.epochs = 150, .batch_size = batch});
        INFO("batch " << batch);
        CHECK(result.epoch_losses.size() == 150);
        CHECK(train.evaluate(x, y) < 0.1 * before);
    }
}
