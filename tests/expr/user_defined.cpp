// The pieces of examples/user_defined.hpp, written as formulas only, against PyTorch float64
// (tests/fixtures/generate_user_defined.py): per-step loss and final weights to 1e-9, and
// finite differences through whole networks.
#include <ctnn/ctnn.hpp>
#include <ctnn/expr/to_string.hpp>

#include <catch2/catch.hpp>

#include "support/activation.hpp"
#include "support/fixture.hpp"
#include "support/gradient_check.hpp"
#include "support/load.hpp"
#include "support/network_gradient.hpp"
#include "support/parameters.hpp"
#include "user_defined.hpp"

namespace {
const ctnn_test::fixture& fixture() {
    static const ctnn_test::fixture f("user_defined.txt");
    return f;
}

/// `steps` full-batch SGD steps from the fixture's weights; the loss of each (before its update).
template <class Net, class Loss>
std::vector<double> train(Net& net, const Loss& loss, const std::string& prefix, double lr) {
    const auto& f = fixture();
    ctnn_test::load_weights(net, f, prefix + ".");
    const auto x = f.tensor<double, 2>(prefix + ".x");
    const auto y = f.tensor<double, 2>(prefix + ".y");
    ctnn::trainer trainer{net, loss, ctnn::optim::sgd{.lr = lr}};
    const auto steps = f.values(prefix + ".loss").size();
    const auto result = trainer.fit(x, y, {.epochs = steps, .batch_size = 0, .shuffle = false});
    return result.epoch_losses;
}

template <class Net, class Loss>
void check_against_torch(const Loss& loss, const std::string& prefix, double lr) {
    Net net;
    const auto losses = train(net, loss, prefix, lr);
    const auto& expected = fixture().values(prefix + ".loss");
    REQUIRE(losses.size() == expected.size());
    for (std::size_t s = 0; s < losses.size(); ++s) {
        INFO(prefix << " step " << s << ": " << losses[s] << " vs " << expected[s]);
        CHECK(std::abs(losses[s] - expected[s]) <= 1e-9 * std::abs(expected[s]));
    }
    CHECK(ctnn_test::max_weight_error(net, fixture(), prefix + ".final_") <= 1e-9);
}

using activations_net = ctnn::basic_network<double, ctnn::input<3>, ctnn::dense<8, user::swish>,
                                            ctnn::dense<8, user::mish>, ctnn::dense<1>>;
using focal_net = ctnn::basic_network<double, ctnn::input<3>, ctnn::dense<8, ctnn::tanh>, ctnn::dense<1>>;
}  // namespace

TEST_CASE("user-defined: swish and mish, written as formulas, train as in PyTorch (double, 1e-9)",
          "[expr][user-defined]") {
    check_against_torch<activations_net>(ctnn::loss::mse{}, "activations", 0.1);
}

TEST_CASE("user-defined: the focal loss, written as a formula, trains as in PyTorch (double, 1e-9)",
          "[expr][user-defined]") {
    check_against_torch<focal_net>(user::focal_loss{}, "focal", 1.0);
}

TEST_CASE("user-defined: networks with swish, mish and the focal loss pass finite differences",
          "[expr][user-defined][gradient]") {
    const auto& f = fixture();
    activations_net net;
    ctnn_test::load_weights(net, f, "activations.");
    ctnn_test::check_network_gradient(net, ctnn::loss::mse{}, f.tensor<double, 2>("activations.x"),
                                      f.tensor<double, 2>("activations.y"));
    focal_net classifier;
    ctnn_test::load_weights(classifier, f, "focal.");
    ctnn_test::check_network_gradient(classifier, user::focal_loss{}, f.tensor<double, 2>("focal.x"),
                                      f.tensor<double, 2>("focal.y"));
}

namespace {
/// Full-batch SGD from the fixture's <prefix>.p<k> weights (ctnn's visiting order): each step's
/// loss and the final weights against PyTorch's, 1e-9 relative.
template <class Net, std::size_t Rank>
void check_parameters_against_torch(const std::string& prefix, double lr, double momentum) {
    Net net;
    ctnn_test::check_trajectory<Rank>(net, fixture(), prefix, ctnn::optim::sgd{.lr = lr, .momentum = momentum});
}

using highway_net = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<8, ctnn::tanh>,
                                        ctnn::expression_layer<user::highway<8>>, ctnn::dense<1>>;
using mgu_net = ctnn::basic_network<double, ctnn::sequence<3>, ctnn::recurrent_cell<user::mgu<5>>, ctnn::dense<1>>;
}  // namespace

TEST_CASE("user-defined: a highway layer, written as equations, trains as in PyTorch (double, 1e-9)",
          "[expr][user-defined][graph]") {
    check_parameters_against_torch<highway_net, 2>("highway", 0.1, 0.9);
    highway_net net;
    ctnn_test::load_parameters(net, fixture(), "highway");
    ctnn_test::check_network_gradient(net, ctnn::loss::mse{}, fixture().tensor<double, 2>("highway.x"),
                                      fixture().tensor<double, 2>("highway.y"));
}

TEST_CASE("user-defined: a minimal gated unit, written as equations, trains as in PyTorch (double, 1e-9)",
          "[expr][user-defined][graph]") {
    check_parameters_against_torch<mgu_net, 3>("mgu", 0.2, 0.0);
}

TEST_CASE("user-defined: the derived derivatives, printed", "[expr][user-defined][to_string]") {
    CHECK(ctnn::expr::to_string(ctnn::expr::derivative(user::mish::formula, ctnn::expr::z))
          == "tanh(softplus(z)) + z·(1 − tanh(softplus(z))²)·σ(z)");
    STATIC_REQUIRE(ctnn_test::act<user::swish>::needs_preactivation);
    STATIC_REQUIRE(std::is_same_v<ctnn_test::act<user::swish>::derivative_expression,
                                  ctnn_test::act<ctnn::silu>::derivative_expression>);
    CHECK(ctnn::expr::to_string(user::focal_loss::formula)
          == "(0.25·y + 0.75·(1 − y))·(1 − (σ(ŷ)·y + (1 − σ(ŷ))·(1 − y)))²·(softplus(ŷ) − ŷ·y)");
}
