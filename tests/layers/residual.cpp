// The blocks, layers/residual.hpp and layers/concatenate.hpp (over detail/layer_chain.hpp): a
// residual MLP and a multi-branch network against PyTorch float64 (30 SGD steps with momentum,
// per-step loss and final weights to 1e-9), finite differences through nested blocks, the first
// layer's skipped input gradient, save/load with PyTorch's names, and the width checks.
#include <ctnn/ctnn.hpp>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/fixture.hpp"
#include "support/network_gradient.hpp"
#include "support/temp_dir.hpp"

namespace {
using ctnn::branch;
using ctnn::concatenate;
using ctnn::dense;
using ctnn::residual;

// nn.Sequential(Linear(4, 8), Tanh, Residual(Linear, ReLU, Linear), Residual(Linear, Tanh), Linear(8, 1))
using residual_mlp = ctnn::basic_network<double, ctnn::input<4>, dense<8, ctnn::tanh>,
                                         residual<dense<8, ctnn::relu>, dense<8>>, residual<dense<8, ctnn::tanh>>,
                                         dense<1>>;

// nn.Sequential(Linear(4, 6), Tanh, Concatenate((Linear(6, 5), ReLU), (Linear(6, 3), Tanh,
// Linear(3, 2)), ()), Linear(13, 1))
using branching_mlp =
    ctnn::basic_network<double, ctnn::input<4>, dense<6, ctnn::tanh>,
                        concatenate<branch<dense<5, ctnn::relu>>, branch<dense<3, ctnn::tanh>, dense<2>>, branch<>>,
                        dense<1>>;

const ctnn_test::fixture& fixture() {
    static const ctnn_test::fixture f("user_defined.txt");
    return f;
}

/// Sets every parameter, in for_each_parameter order, from <prefix>0, <prefix>1... (PyTorch's
/// model.parameters() order, which residual's inner layers follow).
template <class Net>
void load_in_order(Net& net, const std::string& prefix) {
    std::size_t i = 0;
    net.for_each_parameter([&](auto& p) {
        using value_type = std::remove_cvref_t<decltype(p.value)>;
        p.value = fixture().tensor<double, value_type::rank>(prefix + std::to_string(i++));
    });
}
template <class Net>
double max_error_in_order(const Net& net, const std::string& prefix) {
    std::size_t i = 0;
    double worst = 0.0;
    net.for_each_parameter([&](const auto& p) {
        using value_type = std::remove_cvref_t<decltype(p.value)>;
        worst = std::max(worst, ctnn_test::max_relative_error(
                                    p.value, fixture().tensor<double, value_type::rank>(prefix + std::to_string(i++))));
    });
    return worst;
}

/// `Net` from <prefix>.p0, p1... trained as the fixture was (full-batch SGD, lr 0.05, momentum
/// 0.9): each step's loss and the final weights match PyTorch's to 1e-9.
template <class Net>
void check_trains_as_pytorch(const std::string& prefix) {
    Net net;
    load_in_order(net, prefix + ".p");
    const auto& f = fixture();
    ctnn::trainer trainer{net, ctnn::optim::sgd{.lr = 0.05, .momentum = 0.9}};
    const auto& expected = f.values(prefix + ".loss");
    const auto losses = trainer.fit(f.tensor<double, 2>(prefix + ".x"), f.tensor<double, 2>(prefix + ".y"),
                                    {.epochs = expected.size(), .batch_size = 0, .shuffle = false})
                            .epoch_losses;
    for (std::size_t s = 0; s < expected.size(); ++s) {
        INFO("step " << s << ": " << losses[s] << " vs " << expected[s]);
        CHECK(std::abs(losses[s] - expected[s]) <= 1e-9 * std::abs(expected[s]));
    }
    CHECK(max_error_in_order(net, prefix + ".final_p") <= 1e-9);
}
}  // namespace

TEST_CASE("residual: a residual MLP trains as in PyTorch (double, 1e-9)", "[residual][layers]") {
    STATIC_REQUIRE(residual_mlp::parameter_count == 4 * 8 + 8 + 2 * (8 * 8 + 8) + (8 * 8 + 8) + 8 + 1);
    STATIC_REQUIRE(residual_mlp::widths == std::array<std::size_t, 5>{4, 8, 8, 8, 1});
    check_trains_as_pytorch<residual_mlp>("residual");
}

TEST_CASE("residual: finite differences through nested blocks, first or not", "[residual][gradient]") {
    ctnn::rng r(11);
    const auto x = r.normal_tensor<double>(7, 5);
    const auto y = r.normal_tensor<double>(7, 2);
    // The block is the first layer (its input gradient is never formed), nests another, and
    // holds layers of every row-wise kind.
    using first = ctnn::basic_network<double, ctnn::input<5>,
                                      residual<dense<6, ctnn::gelu>, residual<dense<6, ctnn::sigmoid>>, dense<5>>,
                                      ctnn::layer_norm<ctnn::tanh>, residual<ctnn::batch_norm<ctnn::silu>, dense<5>>,
                                      dense<2>>;
    first a(3);
    ctnn_test::check_network_gradient(a, ctnn::loss::mse{}, x, y);
    STATIC_REQUIRE_FALSE(first::layer_type<0>::computes_input_gradient);
    STATIC_REQUIRE(first::layer_type<2>::computes_input_gradient);
}

TEST_CASE("residual: the gradient reaches the input around a saturated body", "[residual][gradient]") {
    // A body of saturated tanh units passes almost nothing; the skip path passes dy unchanged.
    using net_t = ctnn::basic_network<double, ctnn::input<3>, dense<3>, residual<dense<3, ctnn::tanh>>, dense<1>>;
    net_t net(1);
    net.layer<1>().layer<0>().weight.value.fill(50.0);  // |z| ≈ 50: tanh' ≈ 0
    const ctnn::tensor<double, 2> x = {{1.0, 2.0, 3.0}};
    net.reserve(1);
    net.forward(x.data(), 1);
    net.output_gradient(1)(0, 0) = 1.0;
    net.backward();
    double body_weight_gradient = 0.0;
    for (const double g : net.layer<1>().layer<0>().weight.grad) body_weight_gradient = std::max(body_weight_gradient, std::abs(g));
    CHECK(body_weight_gradient < 1e-12);  // nothing through the body
    // dL/d(first layer's weights) = dL/dh ⊗ x with dL/dh = w_out (the skip path alone)
    const auto& w_out = net.layer<2>().weight.value;
    for (std::size_t o = 0; o < 3; ++o)
        for (std::size_t i = 0; i < 3; ++i)
            CHECK(net.layer<0>().weight.grad(o, i) == Approx(w_out(0, o) * x(0, i)).epsilon(1e-9));
}

TEST_CASE("residual: save and load round-trip, names as PyTorch's state_dict", "[residual][io]") {
    residual_mlp trained(4), loaded(5);
    std::vector<std::string> names;
    trained.layer<1>().for_each_named_parameter([&](std::string_view name, const auto&) { names.emplace_back(name); });
    CHECK(names == std::vector<std::string>{"body.0.weight", "body.0.bias", "body.1.weight", "body.1.bias"});
    const ctnn_test::temp_dir dir;
    ctnn::save(dir.path() / "residual.ctnn", trained);
    ctnn::load(dir.path() / "residual.ctnn", loaded);
    std::size_t differing = 0;
    std::vector<double> a, b;
    trained.for_each_parameter([&](const auto& p) { a.insert(a.end(), p.value.begin(), p.value.end()); });
    loaded.for_each_parameter([&](const auto& p) { b.insert(b.end(), p.value.begin(), p.value.end()); });
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) differing += a[i] != b[i];
    CHECK(differing == 0);
    // A network whose block holds other layers is refused, naming what differs.
    using other = ctnn::basic_network<double, ctnn::input<4>, dense<8, ctnn::tanh>,
                                      residual<dense<8, ctnn::relu>, dense<8>, dense<8>>, residual<dense<8, ctnn::tanh>>,
                                      dense<1>>;
    other mismatched;
    CHECK_THROWS(ctnn::load(dir.path() / "residual.ctnn", mismatched));
}

TEST_CASE("residual: a batch_norm inside a block saves its running statistics", "[residual][io]") {
    using net_t = ctnn::basic_network<double, ctnn::input<3>, dense<4>, residual<ctnn::batch_norm<ctnn::relu>, dense<4>>,
                                      dense<1>>;
    net_t trained(1), loaded(2);
    ctnn::rng r(3);
    const auto x = r.normal_tensor<double>(16, 3);
    const auto y = r.normal_tensor<double>(16, 1);
    ctnn::trainer trainer{trained, ctnn::optim::sgd{.lr = 0.1}};
    trainer.fit(x, y, {.epochs = 3, .batch_size = 8});
    const auto& bn = trained.layer<1>().layer<0>();
    REQUIRE(bn.batches_tracked == 6);
    std::vector<std::string> names;
    trained.layer<1>().for_each_buffer([&](std::string_view name, const auto&) { names.emplace_back(name); });
    CHECK(names == std::vector<std::string>{"body.0.running_mean", "body.0.running_var", "body.0.num_batches_tracked"});
    const ctnn_test::temp_dir dir;
    ctnn::save(dir.path() / "bn.ctnn", trained);
    ctnn::load(dir.path() / "bn.ctnn", loaded);
    const auto& restored = loaded.layer<1>().layer<0>();
    CHECK(restored.batches_tracked == 6);
    CHECK(ctnn_test::max_relative_error(restored.running_mean, bn.running_mean) == 0.0);
    CHECK(ctnn_test::max_relative_error(restored.running_var, bn.running_var) == 0.0);
    CHECK(ctnn_test::max_relative_error(loaded.predict(x), trained.predict(x)) == 0.0);
}

TEST_CASE("concatenate: a multi-branch network trains as in PyTorch (double, 1e-9)", "[concatenate][layers]") {
    STATIC_REQUIRE(branching_mlp::widths == std::array<std::size_t, 4>{4, 6, 13, 1});
    STATIC_REQUIRE(branching_mlp::parameter_count == (4 * 6 + 6) + (6 * 5 + 5) + (6 * 3 + 3) + (3 * 2 + 2) + 13 + 1);
    check_trains_as_pytorch<branching_mlp>("concatenate");
}

TEST_CASE("concatenate: the output is the branches' outputs, row block after row block", "[concatenate][layers]") {
    using net_t = ctnn::basic_network<double, ctnn::input<3>, dense<4, ctnn::tanh>,
                                      concatenate<branch<>, branch<dense<2, ctnn::sigmoid>>>, dense<1>>;
    net_t net(6);
    ctnn::rng r(2);
    const auto x = r.normal_tensor<double>(5, 3);
    net.reserve(5);
    net.forward(x.data(), 5);
    const auto h = net.layer<0>().output();        // (4, B)
    const auto joined = net.layer<1>().output();   // (6, B)
    const auto& w = net.layer<1>().layer<1, 0>().weight.value;
    const auto& b = net.layer<1>().layer<1, 0>().bias.value;
    for (std::size_t c = 0; c < 5; ++c) {
        for (std::size_t k = 0; k < 4; ++k) CHECK(joined(k, c) == h(k, c));  // branch<>: h itself
        for (std::size_t o = 0; o < 2; ++o) {
            double z = b(o);
            for (std::size_t k = 0; k < 4; ++k) z += w(o, k) * h(k, c);
            CHECK(joined(4 + o, c) == Approx(1.0 / (1.0 + std::exp(-z))).epsilon(1e-12));
        }
    }
}

TEST_CASE("concatenate: finite differences through branches, nested and first", "[concatenate][gradient]") {
    ctnn::rng r(12);
    const auto x = r.normal_tensor<double>(7, 5);
    const auto y = r.normal_tensor<double>(7, 2);
    // The block is the first layer (no input gradient is formed), one branch nests another
    // block and one is the identity; normalisation inside a branch.
    using first = ctnn::basic_network<
        double, ctnn::input<5>,
        concatenate<branch<dense<3, ctnn::gelu>>,
                    branch<dense<4, ctnn::tanh>, concatenate<branch<dense<2, ctnn::sigmoid>>, branch<>>>, branch<>>,
        ctnn::layer_norm<ctnn::tanh>, concatenate<branch<ctnn::batch_norm<ctnn::silu>, dense<3>>, branch<dense<2>>>,
        dense<2>>;
    STATIC_REQUIRE(first::widths == std::array<std::size_t, 5>{5, 3 + (2 + 4) + 5, 14, 5, 2});
    STATIC_REQUIRE_FALSE(first::layer_type<0>::computes_input_gradient);
    STATIC_REQUIRE(first::layer_type<2>::computes_input_gradient);
    first a(3);
    ctnn_test::check_network_gradient(a, ctnn::loss::mse{}, x, y);
    // The same block after a layer: its input gradient reaches the dense layer before it.
    using later = ctnn::basic_network<double, ctnn::input<5>, dense<4, ctnn::tanh>,
                                      concatenate<branch<dense<3, ctnn::relu>>, branch<>, branch<dense<2>>>, dense<2>>;
    later b(4);
    ctnn_test::check_network_gradient(b, ctnn::loss::mse{}, x, y);
}

TEST_CASE("concatenate: per-step branches on a sequence", "[concatenate][gradient]") {
    // After a recurrent layer that returns every state, the block runs on each step alike.
    using net_t = ctnn::basic_network<double, ctnn::sequence<2>, ctnn::gru<3, ctnn::whole_sequence>,
                                      concatenate<branch<dense<2, ctnn::tanh>>, branch<>>, ctnn::lstm<2>, dense<1>>;
    STATIC_REQUIRE(net_t::shapes[2] == ctnn::sequence_shape(5));
    net_t net(8);
    ctnn::rng r(5);
    const auto x = r.normal_tensor<double>(4, 3 * 2);
    auto x3 = ctnn::tensor<double, 3>::from_shape({4, 3, 2});
    std::copy(x.begin(), x.end(), x3.begin());
    const auto y = r.normal_tensor<double>(4, 1);
    ctnn::trainer trainer{net, ctnn::optim::adam{.lr = 0.01}};
    const auto losses = trainer.fit(x3, y, {.epochs = 20, .batch_size = 0, .shuffle = false}).epoch_losses;
    CHECK(losses.back() < losses.front());
}

TEST_CASE("concatenate: save and load round-trip, names as PyTorch's state_dict", "[concatenate][io]") {
    branching_mlp trained(4), loaded(5);
    std::vector<std::string> names;
    trained.layer<1>().for_each_named_parameter([&](std::string_view name, const auto&) { names.emplace_back(name); });
    CHECK(names == std::vector<std::string>{"branches.0.0.weight", "branches.0.0.bias", "branches.1.0.weight",
                                            "branches.1.0.bias", "branches.1.1.weight", "branches.1.1.bias"});
    const ctnn_test::temp_dir dir;
    ctnn::save(dir.path() / "branches.ctnn", trained);
    ctnn::load(dir.path() / "branches.ctnn", loaded);
    ctnn::rng r(9);
    const auto x = r.normal_tensor<double>(6, 4);
    CHECK(ctnn_test::max_relative_error(loaded.predict(x), trained.predict(x)) == 0.0);
    // Branches in another order are another network: refused, naming what differs.
    using swapped = ctnn::basic_network<double, ctnn::input<4>, dense<6, ctnn::tanh>,
                                        concatenate<branch<dense<3, ctnn::tanh>, dense<2>>, branch<dense<5, ctnn::relu>>,
                                                    branch<>>,
                                        dense<1>>;
    swapped mismatched;
    CHECK_THROWS(ctnn::load(dir.path() / "branches.ctnn", mismatched));
}
