// The two comparisons every recurrent layer makes with tests/fixtures/recurrent.txt
// (generate_recurrent.py): one forward/backward pass, and 20 clipped SGD steps; and the
// finite-difference check of every parameter of a sequence network.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

#include <catch2/catch.hpp>

#include <ctnn/ctnn.hpp>

#include "support/approx.hpp"
#include "support/fixture.hpp"
#include "support/gradient_check.hpp"
#include "support/parameters.hpp"

namespace ctnn_test {

inline const fixture& recurrent_fixture() {
    static const fixture f("recurrent.txt");
    return f;
}

/// Forward, loss and backward of `net` on case `name`, compared with PyTorch: the prediction,
/// the loss, every parameter's gradient and ‖dL/dh_t‖ of the first layer (a recurrent one).
template <class Net>
void check_recurrent_case(Net& net, const std::string& name, double tolerance = 1e-10) {
    const auto& f = recurrent_fixture();
    load_parameters(net, f, name);
    const auto x = f.tensor<double, 3>(name + ".x");
    const std::size_t rows = x.shape()[0], steps = x.shape()[1];
    ctnn::trainer<Net> train(net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.0});
    constexpr std::size_t y_rank = Net::sequence_output ? 3 : 2;
    const auto y = f.tensor<double, y_rank>(name + ".y");
    const auto expected = f.tensor<double, y_rank>(name + ".out");
    CTNN_REQUIRE_CLOSE(net.predict(x), expected, tolerance);
    train.train_step(x, y);
    REQUIRE(net.output_rows() == (Net::sequence_output ? rows * steps : rows));
    CHECK(std::abs(train.last_step().loss - f.tensor<double, 0>(name + ".loss")()) <= 1e-12);
    CHECK(parameter_error(net, f, name, "g", 1e-9) <= tolerance);
    const auto expected_norms = f.tensor<double, 1>(name + ".dh");
    CTNN_REQUIRE_CLOSE(net.template layer<0>().time_gradient_norms(), expected_norms, 1e-9);
}

/// The case's SGD steps with global-norm clipping, compared with PyTorch step by step, then
/// the final parameters.
template <class Net>
void check_recurrent_training(Net& net, const std::string& name, double lr, double max_norm) {
    const auto& f = recurrent_fixture();
    load_parameters(net, f, name);
    const auto x = f.tensor<double, 3>(name + ".x");
    const auto y = f.tensor<double, Net::sequence_output ? 3 : 2>(name + ".y");
    ctnn::trainer train(net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = lr},
                        ctnn::clip::by_global_norm{.max_norm = max_norm});
    const auto losses = f.tensor<double, 1>(name + ".losses");
    for (std::size_t step = 0; step < losses.size(); ++step) {
        train.train_step(x, y);
        INFO("step " << step);
        REQUIRE(std::abs(train.last_step().loss - losses(step)) <= 1e-10 * std::max(1.0, losses(step)));
    }
    CHECK(parameter_error(net, f, name + ".final", "p", 1e-9) <= 1e-9);
}

/// dL/dθ of L = Σ w ⊙ ŷ (a different upstream gradient for every output element) against
/// central differences, for every parameter of `net`; a recurrent layer above another one
/// checks that one's input gradient through its parameters.
template <class Net>
void check_finite_differences(Net& net, std::size_t rows, std::size_t steps, unsigned seed = 7) {
    ctnn::rng r(seed);
    auto x = ctnn::tensor<double, 3>::from_shape({rows, steps, Net::input_width});
    for (auto& v : x) v = r.normal();
    const std::size_t out_rows = Net::sequence_output ? rows * steps : rows;
    auto weights = ctnn::tensor<double, 1>::from_shape({out_rows * Net::output_width});
    for (auto& v : weights) v = r.normal();
    net.reserve(rows, steps);
    auto loss = [&] {
        const double* out = net.forward(x.data(), rows, steps);
        double s = 0;
        for (std::size_t i = 0; i < weights.size(); ++i) s += weights(i) * out[i];
        return s;
    };
    loss();
    auto g = net.output_gradient(out_rows);
    std::copy(weights.begin(), weights.end(), g.begin());
    net.backward();
    std::size_t k = 0;
    net.for_each_parameter([&](auto& p) {
        INFO("parameter " << k++);
        const auto analytic = p.grad;
        ctnn_test::check_gradient(p.value, analytic, loss);
    });
}

}  // namespace ctnn_test
