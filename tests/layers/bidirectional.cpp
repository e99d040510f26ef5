// layers/bidirectional.hpp: bidirectional rnn, lstm and gru against torch's bidirectional=True
// (outputs, input gradients and every parameter's gradient, whole sequence and last state),
// finite differences, and a model file round trip.
#include <ctnn/ctnn.hpp>
#include <ctnn/io/load_npz.hpp>
#include <ctnn/layers/bidirectional.hpp>

#include <cmath>
#include <filesystem>
#include <ratio>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/feature_major.hpp"
#include "support/fixture.hpp"
#include "support/gradient_check.hpp"
#include "support/temp_dir.hpp"

namespace {
using matrix = ctnn::tensor<double, 2>;
constexpr std::size_t batch = 2, steps = 5, features = 3, width = 8;  // width: 2·hidden

const ctnn_test::fixture& fixture() {
    static const ctnn_test::fixture f("bidirectional.txt");
    return f;
}

using ctnn_test::columns;
using ctnn_test::feature_major;

/// A dropout of 0 first, so that the bidirectional layer (layer 1) sends a gradient down.
template <class Recurrent>
using tested_net = ctnn::basic_network<double, ctnn::sequence<features>, ctnn::dropout<std::ratio<0>>,
                                       ctnn::bidirectional<Recurrent>>;

template <class Whole, class Last>
void check_against_torch(const std::string& name) {
    INFO(name);
    const auto& f = fixture();
    const auto path = std::filesystem::path(CTNN_FIXTURE_DIR) / "npz" / ("bi_" + name + ".npz");
    const auto x = feature_major(f.tensor<double, 3>("x"));
    const std::size_t n = steps * batch;

    // whole sequence: out (B, T, 8), dx and every parameter's gradient of Σ out ⊙ g
    tested_net<Whole> net;
    ctnn::load_npz(path, net, {.modules = {"rnn"}});
    auto& layer = net.template layer<1>();
    layer.reserve(batch, steps);
    const double* out = layer.forward(x.data(), n, batch, steps);
    CTNN_REQUIRE_CLOSE(columns(out, width, n), columns(feature_major(f.tensor<double, 3>(name + ".out")).data(), width, n),
                       1e-12);
    auto g = feature_major(f.tensor<double, 3>(name + ".g"));
    const double* dx = layer.backward(g.data());
    CTNN_REQUIRE_CLOSE(columns(dx, features, n),
                       columns(feature_major(f.tensor<double, 3>(name + ".dx")).data(), features, n), 1e-12);
    std::size_t checked = 0;
    layer.for_each_named_parameter([&](std::string_view parameter, const auto& p) {
        INFO(parameter);
        const auto expected = f.values(name + ".grad." + std::string(parameter));
        REQUIRE(expected.size() == p.grad.size());
        for (std::size_t i = 0; i < expected.size(); ++i)
            REQUIRE(std::abs(p.grad.data()[i] - expected[i]) <= 1e-12 * std::max(1.0, std::abs(expected[i])));
        ++checked;
    });
    CHECK(checked == 8);  // 4 per direction

    // last state: [forward h_{T−1}; reverse h_0], and dx of Σ last ⊙ g_last
    tested_net<Last> last_net;
    ctnn::load_npz(path, last_net, {.modules = {"rnn"}});
    auto& last_layer = last_net.template layer<1>();
    last_layer.reserve(batch, steps);
    const double* last = last_layer.forward(x.data(), n, batch, steps);
    const matrix expected_last = f.tensor<double, 2>(name + ".last");
    for (std::size_t b = 0; b < batch; ++b)
        for (std::size_t j = 0; j < width; ++j) CHECK(std::abs(last[j * batch + b] - expected_last(b, j)) <= 1e-12);
    const matrix g_last = f.tensor<double, 2>(name + ".g_last");
    std::vector<double> d(width * batch);
    for (std::size_t b = 0; b < batch; ++b)
        for (std::size_t j = 0; j < width; ++j) d[j * batch + b] = g_last(b, j);
    const double* dx_last = last_layer.backward(d.data());
    CTNN_REQUIRE_CLOSE(columns(dx_last, features, n),
                       columns(feature_major(f.tensor<double, 3>(name + ".dx_last")).data(), features, n), 1e-12);
}
}  // namespace

TEST_CASE("bidirectional: rnn, lstm and gru match torch's bidirectional=True (1e-12)", "[bidirectional][recurrent]") {
    check_against_torch<ctnn::rnn<4, ctnn::tanh, ctnn::whole_sequence>, ctnn::rnn<4>>("rnn");
    check_against_torch<ctnn::lstm<4, ctnn::whole_sequence>, ctnn::lstm<4>>("lstm");
    check_against_torch<ctnn::gru<4, ctnn::whole_sequence>, ctnn::gru<4>>("gru");
}

TEST_CASE("bidirectional: finite differences through a network, and a model file round trip",
          "[bidirectional][recurrent][gradient]") {
    using net_t = ctnn::basic_network<double, ctnn::sequence<3>, ctnn::bidirectional<ctnn::gru<4, ctnn::whole_sequence>>,
                                      ctnn::bidirectional<ctnn::lstm<3>>, ctnn::dense<2>>;
    STATIC_REQUIRE(net_t::widths[1] == 8);
    STATIC_REQUIRE(net_t::widths[2] == 6);
    net_t net(11);
    ctnn::rng r(12);
    const auto x = r.normal_tensor<double>(2, steps * 3);
    const auto y = r.normal_tensor<double>(2, 2);
    net.reserve(2, steps);
    const auto loss = [&] {
        const double* out = net.forward(x.data(), 2, steps);
        return ctnn::loss::value(ctnn::loss::mse{}, ctnn::detail::matrix_view(out, 2, 2), y);
    };
    const double* out = net.forward(x.data(), 2, steps);
    auto gradient = net.output_gradient(2);
    ctnn::loss::value_and_gradient(ctnn::loss::mse{}, ctnn::detail::matrix_view(out, 2, 2), y, gradient);
    net.backward();
    net.for_each_parameter([&](auto& p) {
        const auto analytic = p.grad;
        ctnn_test::check_gradient(p.value, analytic, loss);
    });
    // the reverse direction's parameters keep torch's names in the file
    const ctnn_test::temp_dir dir;
    ctnn::save(dir.path() / "bi.ctnn", net);
    net_t loaded(99);
    ctnn::load(dir.path() / "bi.ctnn", loaded);
    CHECK((loaded.layer<1>().reverse_direction.weight_hh().value == net.layer<1>().reverse_direction.weight_hh().value));
    CHECK((loaded.predict(ctnn::tensor<double, 3>(xt::reshape_view(x, std::vector<std::size_t>{2, steps, 3})))
           == net.predict(ctnn::tensor<double, 3>(xt::reshape_view(x, std::vector<std::size_t>{2, steps, 3})))));
    // the directions start from different streams
    CHECK((net.layer<0>().forward_direction.weight_ih().value != net.layer<0>().reverse_direction.weight_ih().value));
}
