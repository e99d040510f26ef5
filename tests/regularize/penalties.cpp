// Penalty policies against PyTorch (penalty added to the loss before backward), their
// finite-difference gradients, and their layer selection.
#include <ctnn/ctnn.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/fixture.hpp"
#include "support/gradient_check.hpp"
#include "support/load.hpp"

namespace {
using net_t = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<3, ctnn::tanh>, ctnn::dense<2>>;

template <class Regularizer>
void check_variant(const std::string& name, const Regularizer& regularizer) {
    const ctnn_test::fixture f("regularize.txt");
    net_t net;
    ctnn_test::load_weights(net, f);
    const auto x = f.tensor<double, 2>("x");
    const auto y = f.tensor<double, 2>("y");
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.1}, ctnn::clip::none{},
                          ctnn::schedule::constant{}, regularizer};
    const auto& losses = f.values(name + ".loss");
    for (std::size_t k = 0; k < 10; ++k) {
        INFO(name << ", step " << k);
        const double loss = trainer.train_step(x, y).loss;
        CHECK(std::abs(loss - losses[k]) <= 1e-12 * losses[k]);
    }
    CHECK(ctnn_test::max_weight_error(net, f, name + ".") <= 1e-10);
}
}  // namespace

TEST_CASE("regularize: l2 on every weight matches PyTorch", "[regularize]") {
    check_variant("l2_all", ctnn::regularize::l2<>{.lambda = 0.01});
}
TEST_CASE("regularize: l1 on every weight matches PyTorch", "[regularize]") {
    check_variant("l1_all", ctnn::regularize::l1<>{.lambda = 0.01});
}
TEST_CASE("regularize: l2 on the last layer, biases included", "[regularize]") {
    check_variant("l2_last_with_bias",
                  ctnn::regularize::l2<ctnn::regularize::layers<1>>{.lambda = 0.05, .include_biases = true});
}
TEST_CASE("regularize: l1 on the first layer only", "[regularize]") {
    check_variant("l1_first", ctnn::regularize::l1<ctnn::regularize::layers<0>>{.lambda = 0.02});
}

TEST_CASE("regularize: the penalty's gradient by finite differences", "[regularize][gradient]") {
    net_t net(4);
    const ctnn::regularize::l2<> l2{.lambda = 0.3, .include_biases = true};
    // Zero gradients, apply: grads then hold exactly the penalty's gradient.
    net.for_each_parameter([](auto& p) { p.grad.fill(0.0); });
    l2.apply(net);
    const auto analytic = net.layer<0>().weight.grad;
    auto penalty = [&] {
        auto copy = net;
        return l2.apply(copy);
    };
    ctnn_test::check_gradient(net.layer<0>().weight.value, analytic, penalty);

    const ctnn::regularize::l1<> l1{.lambda = 0.2};
    net.for_each_parameter([](auto& p) { p.grad.fill(0.0); });
    l1.apply(net);
    const auto analytic_l1 = net.layer<1>().weight.grad;
    auto penalty_l1 = [&] {
        auto copy = net;
        return l1.apply(copy);
    };
    ctnn_test::check_gradient(net.layer<1>().weight.value, analytic_l1, penalty_l1);
    CHECK(xt::all(xt::equal(net.layer<1>().bias.grad, 0.0)));  // biases excluded by default
}

TEST_CASE("regularize: policies model the concept, bad settings are refused", "[regularize][errors]") {
    STATIC_REQUIRE(ctnn::regularizer_policy<ctnn::regularize::none>);
    STATIC_REQUIRE(ctnn::regularizer_policy<ctnn::regularize::l1<>>);
    STATIC_REQUIRE(ctnn::regularizer_policy<ctnn::regularize::l2<ctnn::regularize::layers<0, 2>>>);
    STATIC_REQUIRE_FALSE(ctnn::regularizer_policy<ctnn::loss::mse>);
    STATIC_REQUIRE(ctnn::regularize::layers<0, 2>::contains(2));
    STATIC_REQUIRE_FALSE(ctnn::regularize::layers<0, 2>::contains(1));
    CHECK_THROWS_AS((ctnn::regularize::l2<>{.lambda = -1}.validate()), ctnn::invalid_argument);
    CHECK_THROWS_WITH((ctnn::regularize::l2<>{.lambda = -1e-7}.validate()),
                      "ctnn: regularize::l2 needs lambda >= 0, got -1e-07");  // not -0.000000
    net_t net;
    CHECK_THROWS_AS((ctnn::trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{}, ctnn::clip::none{},
                                   ctnn::schedule::constant{}, ctnn::regularize::l1<>{.lambda = -0.5}}),
                    ctnn::invalid_argument);
}

TEMPLATE_TEST_CASE("regularize: the penalty pass matches plain loops at every length", "[regularize]", float, double) {
    using T = TestType;
    using ctnn::regularize::detail::penalty_norm;
    using ctnn::regularize::detail::penalty_pass;
    // lengths around the pass's eight accumulators (0, a tail alone, whole groups, groups and a
    // tail); values of both signs and exact zeros (sign 0, as PyTorch's abs')
    for (std::size_t n = 0; n <= 37; ++n) {
        INFO("n " << n);
        std::vector<T> theta(n), grad(n), grad_l1(n), grad_l2(n);
        for (std::size_t i = 0; i < n; ++i) {
            theta[i] = i % 5 == 3 ? T(0) : T((i % 2 ? -1.0 : 1.0) * (0.25 + 0.125 * double(i)));
            grad[i] = grad_l1[i] = grad_l2[i] = T(0.5) - T(i) / T(8);
        }
        double l1 = 0.0, l2 = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            l1 += std::abs(double(theta[i]));
            l2 += double(theta[i]) * double(theta[i]);
        }
        const double got_l1 = penalty_pass<penalty_norm::l1>(theta.data(), grad_l1.data(), n, T(0.5));
        const double got_l2 = penalty_pass<penalty_norm::l2>(theta.data(), grad_l2.data(), n, T(0.5));
        CHECK(got_l1 == Approx(l1).epsilon(1e-15).margin(1e-15));
        CHECK(got_l2 == Approx(l2).epsilon(1e-15).margin(1e-15));
        for (std::size_t i = 0; i < n; ++i) {
            const T sign = theta[i] > T(0) ? T(1) : theta[i] < T(0) ? T(-1) : T(0);
            CHECK(grad_l1[i] == grad[i] + T(0.5) * sign);
            CHECK(grad_l2[i] == grad[i] + T(0.5) * theta[i]);
        }
    }
    // a NaN anywhere makes the sum NaN (the step is then refused as non-finite)
    std::vector<T> theta(20, T(1)), grad(20, T(0));
    theta[17] = std::numeric_limits<T>::quiet_NaN();
    CHECK(std::isnan(penalty_pass<penalty_norm::l2>(theta.data(), grad.data(), 20, T(1))));
}
