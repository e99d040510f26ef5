// Layers and cells written as equations (expr/graph.hpp, layers/graph_layer.hpp,
// recurrent_cell.hpp, expression_layer.hpp, cells/): nn.RNN, nn.LSTM and nn.GRU written as
// cells against PyTorch's fixtures, the built-ins that run them, finite differences
// through every kind of node, the compile-time facts of a flattened graph, save/load and the
// gradient-health monitor on them.
#include <ctnn/cells/elman.hpp>
#include <ctnn/cells/gru.hpp>
#include <ctnn/cells/lstm.hpp>
#include <ctnn/ctnn.hpp>

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/network_gradient.hpp"
#include "support/recurrent_cases.hpp"
#include "support/temp_dir.hpp"
#include "user_defined.hpp"

namespace {
using ctnn::dense;
using ctnn::recurrent_cell;
using ctnn::sequence;
using ctnn::whole_sequence;
template <std::size_t H>
using elman = recurrent_cell<ctnn::cells::elman<H>>;
template <std::size_t H, class Returns = ctnn::last_state>
using lstm_cell = recurrent_cell<ctnn::cells::lstm<H>, Returns>;
template <std::size_t H, class Returns = ctnn::last_state>
using gru_cell = recurrent_cell<ctnn::cells::gru<H>, Returns>;

template <class... N>
constexpr std::size_t node_count(ctnn::expr::type_list<N...>) {
    return sizeof...(N);
}

// Cells and layers that exercise what the library's own do not (each once wrong, found by review).
namespace shapes {
using namespace ctnn::expr;
/// The output is an expression of the new state, not the state: it takes the gradient from above.
template <std::size_t H>
struct scaled_output {
    static constexpr std::string_view name = "scaled_output";
    static constexpr auto h = state<"h", H>;
    static constexpr auto equations = ctnn::expr::equations(next(h, tanh(linear<"ih", H>(x) + linear<"hh", H>(h))),
                                                            output(tanh(updated(h)) * 2_c));
};
/// A node read only through a comparison: its gradient is 0, never stale memory.
template <std::size_t H>
struct gated_update {
    static constexpr std::string_view name = "gated_update";
    static constexpr auto h = state<"h", H>;
    static constexpr auto g = node<"g">;
    static constexpr auto equations = ctnn::expr::equations(
        let(g, linear<"g", H>(x)), next(h, select(g > 0_c, tanh(linear<"ih", H>(x) + linear<"hh", H>(h)), h)));
};
/// Halves of x: chunks of the input, into a product and element-wise.
template <std::size_t W>
struct halves {
    static constexpr std::string_view name = "halves";
    static constexpr auto equations =
        ctnn::expr::equations(output(tanh(linear<"low", W / 2>(chunk<0, 2>(x))) * chunk<1, 2>(x)));
};
/// Params read beside x and beside a product (a per-unit gain and a gated skip, as LayerScale
/// writes a residual): the first layer has no input gradient, a later one does.
template <std::size_t W>
struct scaled_skip {
    static constexpr std::string_view name = "scaled_skip";
    static constexpr auto equations =
        ctnn::expr::equations(output(param<"gain", W> * tanh(linear<"f", W>(x)) + sigmoid(param<"skip", W>) * x));
};
/// A param read by the products of a state and of a node, and by two nodes: its gradient sums
/// over every reader and every step.
template <std::size_t H>
struct shared_param {
    static constexpr std::string_view name = "shared_param";
    static constexpr auto h = state<"h", H>;
    static constexpr auto a = node<"a">;
    static constexpr auto equations = ctnn::expr::equations(
        let(a, tanh(linear<"ih", H>(x) + param<"u", H> * h)),
        next(h, a * param<"u", H> + linear<"hh", H, false>(param<"u", H> * h)));
};
/// Params alone: a per-unit affine map of x (no product), and IndRNN's recurrence on an input
/// already projected by the layer before.
template <std::size_t W>
struct unit_affine {
    static constexpr std::string_view name = "unit_affine";
    static constexpr auto equations = ctnn::expr::equations(output(param<"scale", W> * x + param<"shift", W>));
};
template <std::size_t H>
struct projected_indrnn {
    static constexpr std::string_view name = "projected_indrnn";
    static constexpr auto h = state<"h", H>;
    static constexpr auto equations = ctnn::expr::equations(next(h, apply<ctnn::relu>(x + param<"u", H> * h)));
};
/// No parameter at all: swish as a layer.
struct swish_layer {
    static constexpr std::string_view name = "swish_layer";
    static constexpr auto equations = ctnn::expr::equations(output(x * sigmoid(x)));
};
}  // namespace shapes

/// One forward and backward pass at another shape first, so every buffer holds stale values.
template <class Net>
void run_a_pass(Net& net, std::size_t rows, std::size_t steps) {
    ctnn::rng r(17);
    auto x = ctnn::tensor<double, 3>::from_shape({rows, steps, Net::input_width});
    for (auto& v : x) v = r.normal();
    net.reserve(rows, steps);
    net.forward(x.data(), rows, steps);
    auto d = net.output_gradient(net.output_rows());
    for (auto& v : d) v = r.normal();
    net.backward();
}

}  // namespace

TEST_CASE("graph cells: nn.RNN, nn.LSTM and nn.GRU written as equations equal PyTorch's fixtures",
          "[graph][fixture]") {
    // A representative set through recurrent_cell<...> (the built-in rnn, lstm and gru run the
    // same cells through every fixture, tests/layers/recurrent*.cpp): each cell alone, a stack,
    // truncation, and clipped SGD steps.
    ctnn::basic_network<double, sequence<3>, elman<4>, dense<2>> elman_net;
    ctnn_test::check_recurrent_case(elman_net, "tanh");
    ctnn::basic_network<double, sequence<3>, elman<4>, dense<2>> elman_trained;
    ctnn_test::check_recurrent_training(elman_trained, "tanh", 0.3, 0.5);
    ctnn::basic_network<double, sequence<3>, lstm_cell<4>, dense<2>> lstm_net;
    ctnn_test::check_recurrent_case(lstm_net, "lstm");
    ctnn::basic_network<double, sequence<3>, lstm_cell<4>, dense<2>> lstm_trained;
    ctnn_test::check_recurrent_training(lstm_trained, "lstm", 0.3, 0.5);
    ctnn::basic_network<double, sequence<3>, gru_cell<4>, dense<2>> gru_net;
    ctnn_test::check_recurrent_case(gru_net, "gru");
    ctnn::basic_network<double, sequence<3>, lstm_cell<4, whole_sequence>, gru_cell<3>, dense<1>> stack;
    ctnn_test::check_recurrent_case(stack, "lstm_gru");
    ctnn::basic_network<double, sequence<3>, lstm_cell<4>, dense<1>> lstm_truncated;
    lstm_truncated.layer<0>().bptt_steps = 3;
    ctnn_test::check_recurrent_case(lstm_truncated, "lstm_truncated");
}

TEST_CASE("graph cells: the built-in rnn, lstm and gru run them, with PyTorch's names", "[graph][io]") {
    // the same seed draws the same tensors in the same order: the built-in adds names, not numbers
    ctnn::basic_network<double, sequence<3>, ctnn::lstm<4, whole_sequence>, ctnn::gru<3>, dense<1>> built_in(7);
    ctnn::basic_network<double, sequence<3>, lstm_cell<4, whole_sequence>, gru_cell<3>, dense<1>> cells(7);
    std::vector<std::string> built_in_names, cell_names;
    built_in.layer<0>().for_each_named_parameter([&](std::string_view name, const auto&) {
        built_in_names.emplace_back(name);
    });
    cells.layer<0>().for_each_named_parameter([&](std::string_view name, const auto&) { cell_names.emplace_back(name); });
    CHECK(built_in_names == std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"});
    CHECK(cell_names == std::vector<std::string>{"ih.weight", "hh.weight", "ih.bias", "hh.bias"});
    std::vector<double> built_in_values, cell_values;
    built_in.for_each_parameter([&](const auto& p) { built_in_values.insert(built_in_values.end(), p.value.begin(), p.value.end()); });
    cells.for_each_parameter([&](const auto& p) { cell_values.insert(cell_values.end(), p.value.begin(), p.value.end()); });
    CHECK(built_in_values == cell_values);
    // the built-in is the cell under PyTorch's module name; the cell keeps its own
    STATIC_REQUIRE(decltype(built_in)::layer_type<1>::kind == "gru");
    STATIC_REQUIRE(ctnn::basic_network<double, sequence<3>, ctnn::rnn<2>, dense<1>>::layer_type<0>::kind == "rnn");
    STATIC_REQUIRE(ctnn::basic_network<double, sequence<3>, elman<2>, dense<1>>::layer_type<0>::kind == "elman");
}

TEST_CASE("graph cells: a recurrent init for the products of a state, initial states, every step's values",
          "[graph][init]") {
    constexpr std::size_t hidden = 5;
    using cell = user::mgu<hidden>;
    using net_type = ctnn::basic_network<double, sequence<3>,
                                         recurrent_cell<cell, whole_sequence, ctnn::init::recurrent_default,
                                                        ctnn::init::orthogonal<>>,
                                         dense<1>>;
    net_type net(4);
    auto& layer = net.layer<0>();
    SECTION("W_fh reads the state h: orthogonal; W_ch reads f ⊙ h, and W_f, W_c read x: U(±1/√H)") {
        const auto& fh = layer.weight<"fh">().value;
        for (std::size_t i = 0; i < hidden; ++i)
            for (std::size_t j = 0; j < hidden; ++j) {
                double dot = 0;
                for (std::size_t k = 0; k < hidden; ++k) dot += fh(i, k) * fh(j, k);
                CHECK(dot == Approx(i == j ? 1.0 : 0.0).margin(1e-12));
            }
        for (const auto* w : {&layer.weight<"ch">().value, &layer.weight<"f">().value, &layer.weight<"c">().value})
            for (const double v : *w) CHECK(std::abs(v) <= 1.0 / std::sqrt(double(hidden)));
    }
    SECTION("without a RecurrentInit, the layer's one initializer draws every weight, W·h's too") {
        ctnn::basic_network<double, sequence<3>, recurrent_cell<cell, whole_sequence, ctnn::init::orthogonal<>>, dense<1>>
            one;
        one.layer<0>().initializer.scale = 2.0;
        one.initialize(4);
        const auto& fh = one.layer<0>().weight<"fh">().value;  // 2·Q: every row of norm 2
        for (std::size_t i = 0; i < hidden; ++i) {
            double squares = 0;
            for (std::size_t k = 0; k < hidden; ++k) squares += fh(i, k) * fh(i, k);
            CHECK(squares == Approx(4.0).epsilon(1e-12));
        }
    }
    SECTION("h_{−1} = initial(h): the first step, computed by hand from the stored f") {
        auto& h0 = layer.initial(cell::h);
        REQUIRE(h0.size() == hidden);
        for (std::size_t u = 0; u < hidden; ++u) h0(u) = 0.3 * double(u) - 0.5;
        ctnn::rng r(8);
        auto x = ctnn::tensor<double, 3>::from_shape({2, 4, 3});
        for (auto& v : x) v = r.normal();
        net.predict(x);
        const auto h = layer.time_major(cell::h);
        const auto f = layer.time_major(cell::f);
        REQUIRE(h.shape()[0] == 4);
        REQUIRE(h.shape()[1] == hidden);
        REQUIRE(h.shape()[2] == 2);
        const auto& wc = layer.weight<"c">().value;
        const auto& wch = layer.weight<"ch">().value;
        const auto& bc = layer.bias<"c">().value;
        for (std::size_t b = 0; b < 2; ++b)
            for (std::size_t u = 0; u < hidden; ++u) {
                // h_0 = (1 − f) ⊙ h_{−1} + f ⊙ tanh(W_c·x_0 + b_c + W_ch·(f ⊙ h_{−1}))
                double z = bc(u);
                for (std::size_t k = 0; k < 3; ++k) z += wc(u, k) * x(b, 0, k);
                for (std::size_t k = 0; k < hidden; ++k) z += wch(u, k) * f(0, k, b) * h0(k);
                CHECK(h(0, u, b) == Approx((1 - f(0, u, b)) * h0(u) + f(0, u, b) * std::tanh(z)).epsilon(1e-13));
            }
        // and the initial state changes the output: zeros give another one
        const auto with_state = net.predict(x);
        h0.fill(0.0);
        CHECK((net.predict(x) != with_state));
        // an initial value of the wrong width is refused, not read past its end
        h0 = ctnn::tensor<double, 1>::from_shape({hidden + 1});
        CHECK_THROWS_AS(net.predict(x), ctnn::shape_error);
        CHECK_THROWS_WITH(net.predict(x),
                          Catch::Contains("mgu: the initial value of state h has 6 elements, expected 5 (its width)"));
    }
}

TEST_CASE("graph layers: finite differences through products, chunks, states and x read element-wise",
          "[graph][gradient]") {
    auto check = [](auto& net, std::size_t rows, std::size_t steps) {
        ctnn_test::check_finite_differences(net, rows, steps);
    };
    SECTION("mgu over mgu (the lower one's input gradient), whole sequences") {
        ctnn::basic_network<double, sequence<3>, recurrent_cell<user::mgu<4>, whole_sequence>,
                            recurrent_cell<user::mgu<3>, whole_sequence>, dense<2>>
            net(3);
        check(net, 2, 5);
    }
    SECTION("lstm and gru cells with a dense layer before them") {
        ctnn::basic_network<double, sequence<2>, dense<3, ctnn::tanh>, lstm_cell<4, whole_sequence>, gru_cell<3>,
                            dense<1>>
            net(4);
        check(net, 3, 3);
    }
    SECTION("a highway layer inside a sequence network runs on every step") {
        ctnn::basic_network<double, sequence<3>, dense<4, ctnn::tanh>, ctnn::expression_layer<user::highway<4>>,
                            lstm_cell<3>, dense<1>>
            net(5);
        check(net, 2, 3);
    }
    SECTION("after a pass of another shape: an output that is not a state, a node read only by a comparison, "
            "chunks of x") {
        ctnn::basic_network<double, sequence<3>, recurrent_cell<shapes::scaled_output<4>, whole_sequence>, dense<1>>
            scaled(2);
        run_a_pass(scaled, 7, 5);
        check(scaled, 3, 4);
        ctnn::basic_network<double, sequence<3>, recurrent_cell<shapes::gated_update<4>>, dense<1>> gated(2);
        run_a_pass(gated, 7, 1);
        check(gated, 3, 4);
        ctnn::basic_network<double, sequence<3>, dense<6, ctnn::tanh>, ctnn::expression_layer<shapes::halves<6>>,
                            gru_cell<3>, dense<1>>
            halves(4);
        run_a_pass(halves, 5, 2);
        check(halves, 2, 3);
    }
    SECTION("params: read beside x and a product, by several nodes, through a product") {
        ctnn::basic_network<double, ctnn::input<5>, ctnn::expression_layer<shapes::scaled_skip<5>>,
                            dense<4, ctnn::tanh>, ctnn::expression_layer<shapes::scaled_skip<4>>, dense<2>>
            net(8);
        ctnn::rng r(4);
        const auto x = r.normal_tensor<double>(6, 5);
        ctnn_test::check_network_gradient(net, ctnn::loss::mse{}, x, r.normal_tensor<double>(6, 2));
        ctnn::basic_network<double, sequence<3>, recurrent_cell<shapes::shared_param<4>, whole_sequence>,
                            recurrent_cell<user::indrnn<3>>, dense<1>>
            cells(9);
        run_a_pass(cells, 5, 6);
        check(cells, 3, 4);
    }
    SECTION("layers and cells whose only parameters are params, and a layer without parameters") {
        ctnn::basic_network<double, ctnn::input<4>, dense<5, ctnn::tanh>, ctnn::expression_layer<shapes::unit_affine<5>>,
                            ctnn::expression_layer<shapes::swish_layer>, dense<2>>
            net(10);
        STATIC_REQUIRE(decltype(net)::parameter_count == 25 + 10 + 0 + 12);
        ctnn::rng r(5);
        const auto x = r.normal_tensor<double>(6, 4);
        ctnn_test::check_network_gradient(net, ctnn::loss::mse{}, x, r.normal_tensor<double>(6, 2));
        ctnn::basic_network<double, sequence<3>, dense<4>, recurrent_cell<shapes::projected_indrnn<4>>, dense<1>>
            projected(11);
        check(projected, 3, 5);
    }
    SECTION("highway layers first (x read element-wise, no input gradient) and in the middle") {
        ctnn::basic_network<double, ctnn::input<6>, ctnn::expression_layer<user::highway<6>>, dense<5, ctnn::tanh>,
                            ctnn::expression_layer<user::highway<5>>, dense<2>>
            net(6);
        ctnn::rng r(3);
        auto x = ctnn::tensor<double, 2>::from_shape({7, 6});
        auto y = ctnn::tensor<double, 2>::from_shape({7, 2});
        for (auto& v : x) v = r.normal();
        for (auto& v : y) v = r.normal();
        ctnn_test::check_network_gradient(net, ctnn::loss::mse{}, x, y);
    }
}

namespace affine {
using namespace ctnn::expr;
/// f(W·x + b) with a user's f: the form the affine back end runs.
template <std::size_t W>
struct swish_dense {
    static constexpr std::string_view name = "swish_dense";
    static constexpr auto equations = ctnn::expr::equations(output(apply<user::swish>(linear<"f", W>(x))));
};
/// The same f written out, the product read twice.
template <std::size_t W>
struct inline_swish {
    static constexpr std::string_view name = "inline_swish";
    static constexpr auto equations =
        ctnn::expr::equations(output(linear<"f", W>(x) * sigmoid(linear<"f", W>(x))));
};
/// Not of that form: a product without a bias, x read beside the product, a let.
template <std::size_t W>
struct unbiased {
    static constexpr std::string_view name = "unbiased";
    static constexpr auto equations = ctnn::expr::equations(output(tanh(linear<"f", W, false>(x))));
};
template <std::size_t W>
struct with_skip {
    static constexpr std::string_view name = "with_skip";
    static constexpr auto equations = ctnn::expr::equations(output(tanh(linear<"f", W>(x)) + x));
};
template <std::size_t W>
struct through_a_node {
    static constexpr std::string_view name = "through_a_node";
    static constexpr auto p = node<"p">;
    static constexpr auto equations = ctnn::expr::equations(let(p, linear<"f", W>(x)), output(tanh(p)));
};
template <class Definition>
inline constexpr bool affine_form = is_affine_form_v<std::remove_cvref_t<decltype(Definition::equations)>>;
template <class Definition, std::size_t In>
using bound = typename ctnn::expression_layer<Definition>::template bind<double, 1, ctnn::features_shape(In)>::type;
template <class Layer>
inline constexpr bool runs_affine = requires { Layer::supports_fused_sgd; };
}  // namespace affine

TEST_CASE("graph layers: f(linear(x)) runs on the affine back end, with the derivatives the graph derives",
          "[graph][affine][gradient]") {
    STATIC_REQUIRE(affine::affine_form<affine::swish_dense<5>>);
    STATIC_REQUIRE(affine::affine_form<affine::inline_swish<5>>);
    STATIC_REQUIRE(affine::affine_form<ctnn::detail::dense_equations<5, ctnn::relu>>);
    STATIC_REQUIRE(!affine::affine_form<affine::unbiased<5>>);
    STATIC_REQUIRE(!affine::affine_form<affine::with_skip<4>>);
    STATIC_REQUIRE(!affine::affine_form<affine::through_a_node<5>>);
    STATIC_REQUIRE(!affine::affine_form<user::highway<5>>);
    STATIC_REQUIRE(!affine::affine_form<shapes::scaled_skip<5>>);
    STATIC_REQUIRE(affine::runs_affine<affine::bound<affine::swish_dense<5>, 4>>);
    STATIC_REQUIRE(!affine::runs_affine<affine::bound<affine::with_skip<4>, 4>>);
    // the formula is recovered from the equations: the same f, whichever way it was written
    using swish_layer = affine::bound<affine::swish_dense<5>, 4>;
    using inline_layer = affine::bound<affine::inline_swish<5>, 4>;
    STATIC_REQUIRE(std::is_same_v<ctnn::expr::formula_of<swish_layer::activation_type>,
                                  ctnn::expr::formula_of<user::swish>>);
    STATIC_REQUIRE(std::is_same_v<ctnn::expr::formula_of<inline_layer::activation_type>,
                                  ctnn::expr::formula_of<user::swish>>);
    // dense is the same equation, its product unnamed: the layer reports its activation by name
    using dense_net = ctnn::basic_network<double, ctnn::input<4>, dense<5, ctnn::relu>, dense<1>>;
    STATIC_REQUIRE(std::is_same_v<dense_net::layer_type<0>::activation_type, ctnn::relu>);
    STATIC_REQUIRE(dense_net::layer_type<0>::kind == "dense");
    STATIC_REQUIRE(swish_layer::kind == "swish_dense");

    SECTION("its values and gradients equal graph_layer's on the same equations (1e-12)") {
        constexpr std::size_t in = 4, out = 5, rows = 7;
        swish_layer fast;
        ctnn::graph_layer<double, in, affine::swish_dense<out>, ctnn::init::pytorch_default, false, true> derived;
        // the same stream draws the same weights on both (a seeded network keeps its weights)
        fast.initialize(ctnn::rng(11));
        derived.initialize(ctnn::rng(11));
        std::vector<double> values, derived_values;
        fast.for_each_parameter([&](const auto& p) { values.insert(values.end(), p.value.begin(), p.value.end()); });
        derived.for_each_parameter(
            [&](const auto& p) { derived_values.insert(derived_values.end(), p.value.begin(), p.value.end()); });
        REQUIRE(values.size() == in * out + out);
        CHECK(values == derived_values);
        ctnn::rng r(5);
        std::vector<double> x(in * rows), da(out * rows);
        for (auto& v : x) v = 2.0 * r.normal();
        for (auto& v : da) v = r.normal();
        fast.reserve(rows);
        derived.reserve(rows);
        const double* a_fast = fast.forward(x.data(), rows, rows);
        const double* a_derived = derived.forward(x.data(), rows, rows);
        CTNN_REQUIRE_CLOSE(std::vector<double>(a_fast, a_fast + out * rows),
                           std::vector<double>(a_derived, a_derived + out * rows), 1e-12);
        std::vector<double> da_fast = da, da_derived = da;
        const double* dx_fast = fast.backward(da_fast.data());
        const double* dx_derived = derived.backward(da_derived.data());
        CTNN_REQUIRE_CLOSE(std::vector<double>(dx_fast, dx_fast + in * rows),
                           std::vector<double>(dx_derived, dx_derived + in * rows), 1e-12);
        std::vector<double> g_fast, g_derived;
        fast.for_each_parameter([&](const auto& p) { g_fast.insert(g_fast.end(), p.grad.begin(), p.grad.end()); });
        derived.for_each_parameter(
            [&](const auto& p) { g_derived.insert(g_derived.end(), p.grad.begin(), p.grad.end()); });
        CTNN_REQUIRE_CLOSE(g_fast, g_derived, 1e-12);
        // the product's parameters by its name, the same code on either back end: the tensors
        // the layer visits (and saves) as f.weight and f.bias
        const auto named = [](auto& layer) {
            std::vector<const void*> found{&layer.template weight<"f">(), &layer.template bias<"f">()};
            std::vector<const void*> visited;
            layer.for_each_parameter([&](const auto& p) { visited.push_back(&p); });
            return found == visited && layer.template weight<"f">().value.shape()[0] == out
                   && std::as_const(layer).template bias<"f">().value.size() == out;
        };
        CHECK(named(fast));
        CHECK(named(derived));
        fast.weight<"f">().value(0, 1) = 0.25;
        double saved_as_f_weight = 0.0;
        fast.for_each_named_parameter([&](std::string_view name, const auto& p) {
            if (name == "f.weight") saved_as_f_weight = p.value.data()[1];
        });
        CHECK(saved_as_f_weight == 0.25);
    }
    SECTION("inside a network: finite differences, and saved under the product's names") {
        ctnn::basic_network<double, ctnn::input<4>, ctnn::expression_layer<affine::swish_dense<6>>,
                            ctnn::expression_layer<affine::inline_swish<3>>, dense<2>>
            net(8);
        ctnn::rng r(4);
        const auto x = r.normal_tensor<double>(6, 4);
        const auto y = r.normal_tensor<double>(6, 2);
        ctnn_test::check_network_gradient(net, ctnn::loss::mse{}, x, y);
        std::vector<std::string> names;
        const auto collect = [&](std::string_view name, const auto&) { names.emplace_back(name); };
        net.layer<0>().for_each_named_parameter(collect);
        net.layer<2>().for_each_named_parameter(collect);
        CHECK(names == std::vector<std::string>{"f.weight", "f.bias", "weight", "bias"});
        ctnn_test::temp_dir dir;
        const auto path = dir.path() / "affine.ctnn";
        ctnn::save(path, net);
        decltype(net) loaded(99);
        ctnn::load(path, loaded);
        const bool same_outputs = loaded.predict(x) == net.predict(x);
        CHECK(same_outputs);
    }
}

TEST_CASE("graph: what the compiler makes of the equations", "[graph]") {
    using ctnn::expr::compiled_graph;
    using gru_graph = compiled_graph<std::remove_cvref_t<decltype(ctnn::cells::gru<4>::equations)>, 3>;
    // two products (each read through three chunks: each product and each chunk is one node),
    // six chunks, r, z, the candidate tanh(n_x + r⊙n_h) kept as a node because ∂h′/∂n reads it,
    // and h′
    STATIC_REQUIRE(node_count(typename gru_graph::nodes{}) == 2 + 6 + 2 + 1 + 1);
    // the elman cell's W_ih·x + b_ih + W_hh·h + b_hh is one buffer both products write into
    using elman_graph = compiled_graph<std::remove_cvref_t<decltype(ctnn::cells::elman<4>::equations)>, 3>;
    STATIC_REQUIRE(!std::is_void_v<elman_graph::fused_into<ctnn::expr::var<ctnn::expr::product_tag<"hh">>>>);
    STATIC_REQUIRE(gru_graph::width<typename gru_graph::output>() == 4);
    STATIC_REQUIRE(gru_graph::recurrent);

    using lstm_net = ctnn::basic_network<double, sequence<3>, lstm_cell<5>, dense<1>>;
    STATIC_REQUIRE(lstm_net::parameter_count == 4 * 5 * 3 + 4 * 5 * 5 + 2 * 4 * 5 + 5 + 1);
    STATIC_REQUIRE(lstm_net::layer_type<0>::kind == "lstm");
    using highway_net = ctnn::basic_network<double, ctnn::input<4>, dense<8, ctnn::tanh>,
                                            ctnn::expression_layer<user::highway<8>>, dense<1>>;
    STATIC_REQUIRE(highway_net::widths == std::array<std::size_t, 4>{4, 8, 8, 1});
    STATIC_REQUIRE(ctnn::expression_layer<user::highway<8>>::output_width == 8);

    std::vector<std::string> names;
    lstm_net net;
    net.layer<0>().for_each_named_parameter([&](std::string_view name, const auto&) { names.emplace_back(name); });
    CHECK(names == std::vector<std::string>{"ih.weight", "hh.weight", "ih.bias", "hh.bias"});
    names.clear();
    ctnn::basic_network<double, sequence<3>, recurrent_cell<user::mgu<5>>, dense<1>> mgu_net;
    mgu_net.layer<0>().for_each_named_parameter([&](std::string_view name, const auto& p) {
        names.emplace_back(std::string(name) + ":" + std::to_string(p.size()));
    });
    CHECK(names == std::vector<std::string>{"f.weight:15", "fh.weight:25", "c.weight:15", "ch.weight:25", "f.bias:5",
                                            "c.bias:5"});
}

TEST_CASE("graph: the derivatives of a cell's equations, printed", "[graph][to_string]") {
    using namespace ctnn::expr;
    constexpr auto h = state<"h", 4>;
    constexpr auto f = node<"f">;
    constexpr auto c = node<"c">;
    constexpr auto h_next = (1_c - f) * h + f * c;
    CHECK(to_string(derivative(h_next, f)) == "−h + c");
    CHECK(to_string(derivative(h_next, h)) == "1 − f");
    // an activation applied to a node: relu′, written in terms of relu's own value, reads it
    // again from the node
    CHECK(to_string(derivative(apply<ctnn::relu>(node<"p">), node<"p">)) == "[max(p, 0) > 0]");
}

TEST_CASE("graph layers: initialised with PyTorch's fans, saved and loaded by name", "[graph][io]") {
    ctnn::basic_network<float, sequence<3>, lstm_cell<8>, dense<1>> net(21);
    // recurrent_default: U(±1/√hidden) for every tensor, whatever its stacked rows
    net.layer<0>().for_each_parameter([](const auto& p) {
        for (const float v : p.value) REQUIRE(std::abs(v) <= 1.0f / std::sqrt(8.0f));
    });
    ctnn_test::temp_dir dir;
    const auto path = dir.path() / "cells.ctnn";
    ctnn::save(path, net);
    ctnn::basic_network<float, sequence<3>, lstm_cell<8>, dense<1>> loaded(99);
    ctnn::load(path, loaded);
    std::vector<float> a, b;
    net.for_each_parameter([&](const auto& p) { a.insert(a.end(), p.value.begin(), p.value.end()); });
    loaded.for_each_parameter([&](const auto& p) { b.insert(b.end(), p.value.begin(), p.value.end()); });
    CHECK(a == b);
    // a gru of the same widths is another network: refused
    ctnn::basic_network<float, sequence<3>, gru_cell<8>, dense<1>> other;
    CHECK_THROWS_WITH(ctnn::load(path, other), Catch::Contains("kind"));
}

TEST_CASE("graph layers: the gradient-health monitor reads their norms across time", "[graph][monitor]") {
    ctnn::basic_network<float, sequence<2>, recurrent_cell<user::mgu<6>>, dense<1>> net(3);
    ctnn::rng r(9);
    auto x = ctnn::tensor<float, 3>::from_shape({16, 10, 2});
    auto y = ctnn::tensor<float, 2>::from_shape({16, 1});
    for (auto& v : x) v = float(r.normal());
    for (auto& v : y) v = float(r.normal());
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}, ctnn::monitor::gradient_health{}};
    const auto result = trainer.fit(x, y, {.epochs = 5, .batch_size = 8});
    REQUIRE(result.epoch_losses.size() == 5);
    CHECK(result.epoch_losses.back() < result.epoch_losses.front());
    const auto& health = trainer.monitor().last();
    REQUIRE(health.layers.size() == 2);
    CHECK(health.layers[0].kind == "mgu");
    CHECK(health.layers[0].time_gradient_norms.size() == 10);
    CHECK(health.layers[0].gradient_norm > 0.0);
}
