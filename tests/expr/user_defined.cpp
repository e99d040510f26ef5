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
#include "support/recurrent_cases.hpp"
#include "support/temp_dir.hpp"
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
using indrnn_net = ctnn::basic_network<double, ctnn::sequence<3>, ctnn::recurrent_cell<user::indrnn<5>>, ctnn::dense<1>>;
using peephole_net =
    ctnn::basic_network<double, ctnn::sequence<3>, ctnn::recurrent_cell<user::peephole_lstm<4>>, ctnn::dense<1>>;

/// A per-unit gain drawn by its own init (U(0, 1)), a shift by zeros, a LayerScale-like scale
/// from a value in its type, and a product drawn by the layer's.
struct own_inits {
    static constexpr std::string_view name = "own_inits";
    static constexpr auto f = ctnn::expr::linear<"f", 6>(ctnn::expr::x);
    static constexpr auto equations = ctnn::expr::equations(
        output(ctnn::expr::param<"gain", 6, ctnn::init::uniform> * tanh(f)
               + ctnn::expr::param<"shift", 6, ctnn::init::zeros>
               + ctnn::expr::param<"scale", 6, ctnn::init::constant_ratio<std::ratio<1, 10000>>> * f));
};

/// A cell of IndRNN's kind and widths without u: a file of IndRNN's has one parameter more.
template <std::size_t Hidden>
struct indrnn_without_u {
    static constexpr std::string_view name = "indrnn";
    static constexpr auto h = ctnn::expr::state<"h", Hidden>;
    static constexpr auto equations = ctnn::expr::equations(
        next(h, apply<ctnn::relu>(ctnn::expr::linear<"ih", Hidden>(ctnn::expr::x) + h)));
};

template <class Net>
std::vector<std::string> parameter_names_and_sizes(const Net& net) {
    std::vector<std::string> names;
    net.template layer<0>().for_each_named_parameter([&](std::string_view name, const auto& p) {
        names.emplace_back(std::string(name) + ":" + std::to_string(p.size()));
    });
    return names;
}
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

TEST_CASE("user-defined: IndRNN, whose recurrent weight is a per-unit param, trains as in PyTorch (double, 1e-9)",
          "[expr][user-defined][graph][param]") {
    check_parameters_against_torch<indrnn_net, 3>("indrnn", 0.1, 0.9);
    indrnn_net net;
    CHECK(parameter_names_and_sizes(net) == std::vector<std::string>{"ih.weight:15", "ih.bias:5", "u:5"});
    STATIC_REQUIRE(indrnn_net::parameter_count == 15 + 5 + 5 + 6);
    ctnn_test::load_parameters(net, fixture(), "indrnn");
    CHECK((net.layer<0>().param<"u">().value == fixture().tensor<double, 1>("indrnn.p2")));
    ctnn_test::check_finite_differences(net, 4, 7);
}

TEST_CASE("user-defined: an LSTM with peepholes (three params) trains as in PyTorch (double, 1e-9)",
          "[expr][user-defined][graph][param]") {
    check_parameters_against_torch<peephole_net, 3>("peephole", 0.2, 0.0);
    peephole_net net;
    CHECK(parameter_names_and_sizes(net)
          == std::vector<std::string>{"ih.weight:48", "hh.weight:64", "ih.bias:16", "p_i:4", "p_f:4", "p_o:4"});
    ctnn_test::load_parameters(net, fixture(), "peephole");
    ctnn_test::check_finite_differences(net, 3, 5);
}

TEST_CASE("user-defined: params are drawn by the layer's init, trained, saved and loaded with their optimizer state",
          "[expr][user-defined][graph][param][io]") {
    using net_type = ctnn::network<ctnn::sequence<3>, ctnn::recurrent_cell<user::indrnn<6>>, ctnn::dense<1>>;
    net_type net(5);
    // init::recurrent_default draws a param as every other tensor: U(±1/√hidden)
    const auto& u = net.layer<0>().param<"u">().value;
    CHECK(std::all_of(u.begin(), u.end(), [](float v) { return std::abs(v) <= 1.0f / std::sqrt(6.0f); }));
    CHECK(std::adjacent_find(u.begin(), u.end()) == u.end());  // drawn, not one constant
    ctnn::rng data(3);
    auto x = ctnn::tensor<float, 3>::from_shape({8, 5, 3});
    for (auto& v : x) v = float(data.normal());
    const auto y = data.normal_tensor<float>(8, 1);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    const auto before = net.layer<0>().param<"u">().value;
    trainer.fit(x, y, {.epochs = 3, .batch_size = 4});
    CHECK((net.layer<0>().param<"u">().value != before));
    ctnn_test::temp_dir dir;
    ctnn::save(dir.path() / "indrnn.ctnn", net, trainer);
    net_type loaded(9);
    ctnn::trainer resumed{loaded, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    ctnn::load(dir.path() / "indrnn.ctnn", loaded, resumed);
    CHECK((loaded.layer<0>().param<"u">().value == net.layer<0>().param<"u">().value));
    // one more step each: the same Adam moments were restored for u
    trainer.fit(x, y, {.epochs = 1, .batch_size = 8, .shuffle = false});
    resumed.fit(x, y, {.epochs = 1, .batch_size = 8, .shuffle = false});
    CHECK((loaded.layer<0>().param<"u">().value == net.layer<0>().param<"u">().value));
    // a param's own init policy: U(0, 1) and zeros, where the layer's (nn.Linear's) is U(±1/√fan_in)
    ctnn::network<ctnn::input<3>, ctnn::expression_layer<own_inits>, ctnn::dense<1>> gains(4);
    STATIC_REQUIRE(decltype(gains)::layer_type<0>::kind == "own_inits");
    const auto& gain = gains.layer<0>().param<"gain">().value;
    CHECK(std::all_of(gain.begin(), gain.end(), [](float v) { return v >= 0.0f && v < 1.0f; }));
    CHECK(std::adjacent_find(gain.begin(), gain.end()) == gain.end());
    const auto& shift = gains.layer<0>().param<"shift">().value;
    CHECK(std::all_of(shift.begin(), shift.end(), [](float v) { return v == 0.0f; }));
    const auto& scale = gains.layer<0>().param<"scale">().value;
    CHECK(std::all_of(scale.begin(), scale.end(), [](float v) { return v == 1e-4f; }));
    const auto& f = gains.layer<0>().weight<"f">().value;
    CHECK(std::any_of(f.begin(), f.end(), [](float v) { return v < 0.0f; }));
    // a param given a value of another shape is refused before it is read, and not saved
    net.layer<0>().param<"u">().value = ctnn::tensor<float, 1>::from_shape({3});
    CHECK_THROWS_WITH(net.predict(x), Catch::Contains("layer 0: indrnn: parameter 'u' holds a value of shape (3), "
                                                      "expected (6)"));
    CHECK_THROWS_AS(net.predict(x), ctnn::shape_error);
    CHECK_THROWS_WITH(ctnn::save(dir.path() / "misshaped.ctnn", net),
                      Catch::Contains("parameter 'u' holds a value of shape (3)")
                          && Catch::Contains("nothing was written"));
    CHECK(!std::filesystem::exists(dir.path() / "misshaped.ctnn"));
    net.layer<1>().weight.value = ctnn::tensor<float, 2>::from_shape({6, 1});
    net.layer<0>().param<"u">().value = loaded.layer<0>().param<"u">().value;
    CHECK_THROWS_WITH(net.predict(x), Catch::Contains("layer 1: dense: parameter 'weight' holds a value of shape "
                                                      "(6, 1), expected (1, 6)"));
    // a cell without the param is another network, and the refusal names what differs
    ctnn::network<ctnn::sequence<3>, ctnn::recurrent_cell<user::mgu<6>>, ctnn::dense<1>> other;
    CHECK_THROWS_WITH(ctnn::load(dir.path() / "indrnn.ctnn", other), Catch::Contains("layer 0: kind indrnn in file, mgu in network"));
    ctnn::network<ctnn::sequence<3>, ctnn::recurrent_cell<indrnn_without_u<6>>, ctnn::dense<1>> without_u;
    CHECK_THROWS_WITH(ctnn::load(dir.path() / "indrnn.ctnn", without_u),
                      Catch::Contains("number of parameters 3 ('ih.weight', 'ih.bias', 'u') in file, "
                                      "2 ('ih.weight', 'ih.bias') in network"));
}

TEST_CASE("user-defined: the derived derivatives, printed", "[expr][user-defined][to_string]") {
    CHECK(ctnn::expr::to_string(ctnn::expr::derivative(user::mish::formula, ctnn::expr::z))
          == "tanh(softplus(z)) + z·(1 − tanh(softplus(z))²)·σ(z)");
    STATIC_REQUIRE(ctnn_test::act<user::swish>::needs_preactivation);
    STATIC_REQUIRE(std::is_same_v<ctnn_test::act<user::swish>::derivative_expression,
                                  ctnn_test::act<ctnn::silu>::derivative_expression>);
    // IndRNN's recurrence: the gradient reaching h_{t−1} is u ⊙ relu′ of the step's sum
    using namespace ctnn::expr;
    constexpr auto h = state<"h", 4>;
    constexpr auto step = apply<ctnn::relu>(linear<"ih", 4>(x) + param<"u", 4> * h);
    CHECK(to_string(step) == "max(W_ih·x + b_ih + u·h, 0)");
    CHECK(to_string(derivative(step, h)) == "[max(W_ih·x + b_ih + u·h, 0) > 0]·u");
    CHECK(to_string(derivative(step, param<"u", 4>)) == "[max(W_ih·x + b_ih + u·h, 0) > 0]·h");
    // a product without bias, and a gate's chunk of a stacked product
    CHECK(to_string(sigmoid(chunk<1, 4>(linear<"hh", 16, false>(h)))) == "σ(chunk<1/4>(W_hh·h))");
    CHECK(to_string(linear<"o", 4>(linear<"i", 8>(x))) == "W_o·(W_i·x + b_i) + b_o");
    CHECK(ctnn::expr::to_string(user::focal_loss::formula)
          == "(0.25·y + 0.75·(1 − y))·(1 − (σ(ŷ)·y + (1 − σ(ŷ))·(1 − y)))²·(softplus(ŷ) − ŷ·y)");
}
