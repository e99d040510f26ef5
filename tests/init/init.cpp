// Init policies against torch.nn.init (float64 fixtures): gains and bounds exactly, the drawn
// weights' moments statistically (PyTorch's random stream itself cannot be reproduced).
#include <ctnn/ctnn.hpp>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/fixture.hpp"

namespace {
using namespace ctnn::init;
constexpr fans torch_fans{300, 400};  // a (400, 300) weight

struct moments {
    double mean = 0, std = 0, maxabs = 0;
};
template <class T, std::size_t R>
moments measure(const ctnn::tensor<T, R>& w) {
    moments m;
    const double n = double(w.size());
    for (auto v : w) m.mean += double(v) / n;
    double ss = 0;
    for (auto v : w) {
        ss += (double(v) - m.mean) * (double(v) - m.mean);
        m.maxabs = std::max(m.maxabs, std::abs(double(v)));
    }
    m.std = std::sqrt(ss / (n - 1));
    return m;
}

template <class Policy>
moments draw(const Policy& policy, std::uint64_t seed = 1) {
    auto w = ctnn::tensor<double, 2>::from_shape({400, 300});
    ctnn::rng r(seed);
    policy.weight(w, torch_fans, r);
    return measure(w);
}

/// Our sample's moments against torch's sample of the same distribution.
void compare(const moments& ours, const ctnn_test::fixture& f, const std::string& name,
             double expected_mean = 0.0) {
    INFO(name << ": ours std " << ours.std << " mean " << ours.mean << " maxabs " << ours.maxabs);
    const double torch_std = f.scalar(name + ".std");
    CHECK(std::abs(ours.std - torch_std) < 0.01 * torch_std);
    CHECK(std::abs(f.scalar(name + ".mean") - expected_mean) < 5 * torch_std / std::sqrt(120000.0));
    CHECK(std::abs(ours.mean - expected_mean) < 5 * torch_std / std::sqrt(120000.0));
}

void compare_uniform(const moments& ours, double bound, const ctnn_test::fixture& f,
                     const std::string& name) {
    CHECK(bound == Approx(f.scalar(name + ".bound")).epsilon(1e-12));
    CHECK(ours.maxabs <= bound);
    CHECK(ours.maxabs > 0.999 * bound);
    CHECK(f.scalar(name + ".maxabs") <= bound * (1 + 1e-12));
    compare(ours, f, name);
}

void compare_normal(const moments& ours, double sigma, const ctnn_test::fixture& f,
                    const std::string& name, double mean = 0.0) {
    CHECK(sigma == Approx(f.scalar(name + ".sigma")).epsilon(1e-12));
    CHECK(std::abs(ours.std - sigma) < 0.01 * sigma);
    compare(ours, f, name, mean);
}
}  // namespace

TEST_CASE("init: gains equal torch.nn.init.calculate_gain", "[init]") {
    const ctnn_test::fixture f("init.txt");
    CHECK(gain::linear::value() == Approx(f.scalar("gain.linear")).epsilon(1e-15));
    CHECK(gain::sigmoid::value() == Approx(f.scalar("gain.sigmoid")).epsilon(1e-15));
    CHECK(gain::tanh::value() == Approx(f.scalar("gain.tanh")).epsilon(1e-15));
    CHECK(gain::relu::value() == Approx(f.scalar("gain.relu")).epsilon(1e-15));
    CHECK(gain::leaky_relu<>::value() == Approx(f.scalar("gain.leaky_relu")).epsilon(1e-15));
    CHECK(gain::leaky_relu<std::ratio<1, 5>>::value()
          == Approx(f.scalar("gain.leaky_relu_0p2")).epsilon(1e-15));
    CHECK(gain::selu::value() == Approx(f.scalar("gain.selu")).epsilon(1e-15));
}

TEST_CASE("init: xavier uniform and normal", "[init]") {
    const ctnn_test::fixture f("init.txt");
    compare_uniform(draw(xavier_uniform<>{}), xavier_uniform<>::bound(torch_fans), f, "xavier_uniform");
    compare_uniform(draw(xavier_uniform<gain::tanh>{}), xavier_uniform<gain::tanh>::bound(torch_fans), f,
                    "xavier_uniform_tanh");
    compare_normal(draw(xavier_normal<>{}), xavier_normal<>::sigma(torch_fans), f, "xavier_normal");
}

TEST_CASE("init: kaiming uniform and normal, fan in and fan out", "[init]") {
    const ctnn_test::fixture f("init.txt");
    using ku_out = kaiming_uniform<gain::relu, fan_mode::fan_out>;
    using kn_out = kaiming_normal<gain::relu, fan_mode::fan_out>;
    compare_uniform(draw(kaiming_uniform<>{}), kaiming_uniform<>::bound(torch_fans), f, "kaiming_uniform");
    compare_uniform(draw(ku_out{}), ku_out::bound(torch_fans), f, "kaiming_uniform_fanout_relu");
    compare_normal(draw(kaiming_normal<>{}), kaiming_normal<>::sigma(torch_fans), f, "kaiming_normal");
    compare_normal(draw(kn_out{}), kn_out::sigma(torch_fans), f, "kaiming_normal_fanout_relu");
}

TEST_CASE("init: uniform, normal, constant and zeros", "[init]") {
    const ctnn_test::fixture f("init.txt");
    compare_uniform(draw(uniform{-0.1, 0.1}), 0.1, f, "uniform_m0p1_0p1");
    compare_normal(draw(normal{0.5, 2.0}), 2.0, f, "normal_0p5_2", f.scalar("normal_0p5_2.mu"));
    auto w = ctnn::tensor<float, 2>::from_shape({3, 2});
    auto b = ctnn::tensor<float, 1>::from_shape({3});
    ctnn::rng r(0);
    constant{0.25}.weight(w, {2, 3}, r);
    constant{0.25}.bias(b, {2, 3}, r);
    CHECK(xt::all(xt::equal(w, 0.25f)));
    CHECK(xt::all(xt::equal(b, 0.25f)));
    zeros{}.weight(w, {2, 3}, r);
    CHECK(xt::all(xt::equal(w, 0.0f)));
    // a value fixed in the type, for a policy that is default constructed (an equation's param)
    constant_ratio<std::ratio<1, 10000>>{}.weight(w, {2, 3}, r);
    constant_ratio<std::ratio<-3, 2>>{}.bias(b, {2, 3}, r);
    CHECK(xt::all(xt::equal(w, 1e-4f)));
    CHECK(xt::all(xt::equal(b, -1.5f)));
    constant_ratio<>{}.weight(w, {2, 3}, r);
    CHECK(xt::all(xt::equal(w, 0.0f)));
}

TEST_CASE("init: pytorch_default is nn.Linear's, for weight and bias", "[init]") {
    const ctnn_test::fixture f("init.txt");
    compare_uniform(draw(pytorch_default{}), pytorch_default::bound(torch_fans), f, "linear_default");
    CHECK(pytorch_default::bound({10, 5}) == Approx(0.316228).epsilon(1e-6));
    CHECK(pytorch_default::bound({5, 1}) == Approx(0.447214).epsilon(1e-6));
    auto b = ctnn::tensor<double, 1>::from_shape({400});
    ctnn::rng r(3);
    pytorch_default{}.bias(b, torch_fans, r);
    const auto m = measure(b);
    CHECK(pytorch_default::bound(torch_fans) == Approx(f.scalar("linear_default_bias.bound")));
    CHECK(m.maxabs <= pytorch_default::bound(torch_fans));
    CHECK(std::abs(m.std - f.scalar("linear_default_bias.std")) < 0.1 * m.std);
}

TEST_CASE("init: the xavier/kaiming policies leave the bias at zero", "[init]") {
    using net_t = ctnn::basic_network<double, ctnn::input<8>, ctnn::dense<16, ctnn::relu, kaiming_normal<>>,
                                      ctnn::dense<4, ctnn::tanh, xavier_uniform<gain::tanh>>>;
    net_t net(3);
    CHECK(xt::all(xt::equal(net.layer<0>().bias.value, 0.0)));
    CHECK(xt::all(xt::equal(net.layer<1>().bias.value, 0.0)));
    CHECK(xt::amax(xt::abs(net.layer<1>().weight.value))() <= xavier_uniform<gain::tanh>::bound({16, 4}));
}

TEST_CASE("init: a layer's init object can be configured before initialize", "[init]") {
    using net_t = ctnn::basic_network<double, ctnn::input<2>, ctnn::dense<3, ctnn::relu, uniform>>;
    net_t net;
    net.layer<0>().initializer = uniform{5.0, 6.0};
    net.initialize(1);
    CHECK(xt::amin(net.layer<0>().weight.value)() >= 5.0);
    CHECK(xt::amax(net.layer<0>().bias.value)() < 6.0);
}

namespace {
void check_orthogonal_case(const std::string& name) {
    const ctnn_test::fixture f("orthogonal.txt");
    auto w = f.tensor<double, 2>(name + ".a");
    const auto expected = f.tensor<double, 2>(name + ".q");
    orthogonal<>::orthonormalize(w, f.scalar(name + ".gain"));
    CTNN_REQUIRE_CLOSE(w, expected, 1e-12);
}
}  // namespace

TEST_CASE("init: orthogonal equals torch.nn.init.orthogonal_ for the same draws", "[init][orthogonal]") {
    check_orthogonal_case("tall");
    check_orthogonal_case("wide");
    check_orthogonal_case("square_gain");
    check_orthogonal_case("column");
}

TEST_CASE("init: orthogonal weights have every singular value equal to the gain", "[init][orthogonal]") {
    for (const auto& [rows, cols] : {std::pair<std::size_t, std::size_t>{16, 16}, {24, 10}, {10, 24}}) {
        auto w = ctnn::tensor<double, 2>::from_shape({rows, cols});
        ctnn::rng r(9);
        orthogonal<gain::tanh>{}.weight(w, {cols, rows}, r);
        // W·Wᵀ = gain²·I (rows ≤ cols) or Wᵀ·W = gain²·I (rows ≥ cols).
        const std::size_t n = std::min(rows, cols);
        const double g2 = gain::tanh::value() * gain::tanh::value();
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                double s = 0;
                if (rows >= cols)
                    for (std::size_t k = 0; k < rows; ++k) s += w(k, i) * w(k, j);
                else
                    for (std::size_t k = 0; k < cols; ++k) s += w(i, k) * w(j, k);
                CHECK(std::abs(s - (i == j ? g2 : 0.0)) < 1e-12);
            }
    }
    STATIC_REQUIRE(ctnn::initializer_policy<orthogonal<>>);
    using net_t = ctnn::basic_network<float, ctnn::input<8>, ctnn::dense<8, ctnn::tanh, orthogonal<>>>;
    net_t net(2);
    CHECK(xt::all(xt::equal(net.layer<0>().bias.value, 0.0f)));
}

namespace {
// One recurrent layer (input 30, hidden 40, as the fixture's torch modules) with Init on every
// weight, its weight_ih and weight_hh checked against torch.nn.init on the same stacked tensors.
template <template <class> class Layer, class Init>
void check_recurrent_policy(const std::string& layer, const std::string& policy) {
    using net_t = ctnn::basic_network<double, ctnn::sequence<30>, Layer<Init>>;
    net_t net(11);
    const ctnn_test::fixture f("recurrent_init.txt");
    const auto check = [&](const ctnn::tensor<double, 2>& w, const std::string& tensor) {
        const std::string key = layer + "." + tensor;
        INFO(key << " " << policy);
        // torch's fans are the stacked tensor's own: (gates·hidden, columns).
        CHECK(f.scalar(key + ".fan_in") == double(w.shape()[1]));
        CHECK(f.scalar(key + ".fan_out") == double(w.shape()[0]));
        const moments ours = measure(w);
        const bool is_uniform = policy.find("uniform") != std::string::npos;
        const double sigma = is_uniform ? f.scalar(key + "." + policy + ".bound") / std::sqrt(3.0)
                                        : f.scalar(key + "." + policy + ".sigma");
        INFO("ours std " << ours.std << ", torch's distribution " << sigma << ", torch's sample "
                         << f.scalar(key + "." + policy + ".std"));
        CHECK(std::abs(ours.std - sigma) < 0.05 * sigma);
        CHECK(std::abs(f.scalar(key + "." + policy + ".std") - sigma) < 0.05 * sigma);
        if (is_uniform) {
            CHECK(ours.maxabs <= std::sqrt(3.0) * sigma * (1 + 1e-12));
            CHECK(ours.maxabs > 0.97 * std::sqrt(3.0) * sigma);
        }
    };
    check(net.template layer<0>().weight_ih().value, "weight_ih");
    check(net.template layer<0>().weight_hh().value, "weight_hh");
}

template <class Init>
using rnn_with = ctnn::rnn<40, ctnn::tanh, ctnn::last_state, Init>;
template <class Init>
using lstm_with = ctnn::lstm<40, ctnn::last_state, Init>;
template <class Init>
using gru_with = ctnn::gru<40, ctnn::last_state, Init>;

template <template <class> class Layer>
void check_recurrent_policies(const std::string& layer) {
    check_recurrent_policy<Layer, xavier_uniform<>>(layer, "xavier_uniform");
    check_recurrent_policy<Layer, xavier_normal<>>(layer, "xavier_normal");
    check_recurrent_policy<Layer, kaiming_uniform<>>(layer, "kaiming_uniform");
    check_recurrent_policy<Layer, kaiming_normal<gain::relu, fan_mode::fan_out>>(layer, "kaiming_normal_fanout_relu");
}
}  // namespace

TEST_CASE("init: every policy on rnn, lstm and gru weights uses torch.nn.init's fans of the stacked tensor",
          "[init][recurrent]") {
    check_recurrent_policies<rnn_with>("rnn");
    check_recurrent_policies<lstm_with>("lstm");
    check_recurrent_policies<gru_with>("gru");
    // The default stays the modules' own U(±1/√hidden) on every tensor.
    const ctnn_test::fixture f("recurrent_init.txt");
    ctnn::basic_network<double, ctnn::sequence<30>, ctnn::lstm<40>> net(5);
    const double bound = 1.0 / std::sqrt(40.0);
    CHECK(f.scalar("lstm.default.maxabs") <= bound);
    CHECK(f.scalar("lstm.default.maxabs") > 0.99 * bound);
    for (const auto* p : {&net.layer<0>().weight_ih().value, &net.layer<0>().weight_hh().value}) {
        CHECK(measure(*p).maxabs <= bound);
        CHECK(measure(*p).maxabs > 0.99 * bound);
    }
}

TEST_CASE("init: per_gate scales and orthonormalises each gate's block on its own", "[init][recurrent]") {
    using net_t = ctnn::basic_network<double, ctnn::sequence<30>,
                                      ctnn::lstm<40, ctnn::last_state, per_gate<xavier_uniform<>>, per_gate<orthogonal<>>>>;
    net_t net(4);
    const auto& layer = net.layer<0>();
    // Each (40, 30) gate block of W_ih is xavier with fans {30, 40}, not torch's {30, 160}.
    const double gate_bound = std::sqrt(6.0 / (30 + 40));
    CHECK(measure(layer.weight_ih().value).maxabs <= gate_bound);
    CHECK(measure(layer.weight_ih().value).maxabs > 0.97 * gate_bound);
    CHECK(gate_bound > 1.5 * std::sqrt(6.0 / (30 + 160)));
    // Each (40, 40) gate block of W_hh is orthogonal; the stack as a whole is not orthonormal
    // (its columns have norm 2, four unit blocks stacked).
    const auto& w = layer.weight_hh().value;
    double worst = 0;
    for (std::size_t gate = 0; gate < 4; ++gate)
        for (std::size_t i = 0; i < 40; ++i)
            for (std::size_t j = 0; j < 40; ++j) {
                double s = 0;
                for (std::size_t k = 0; k < 40; ++k) s += w(gate * 40 + k, i) * w(gate * 40 + k, j);
                worst = std::max(worst, std::abs(s - (i == j ? 1.0 : 0.0)));
            }
    CHECK(worst < 1e-12);
    double column_norm = 0;
    for (std::size_t k = 0; k < 160; ++k) column_norm += w(k, 0) * w(k, 0);
    CHECK(std::sqrt(column_norm) == Approx(2.0).epsilon(1e-12));
    // Outside a recurrent layer it is the wrapped policy unchanged, draw for draw.
    auto a = ctnn::tensor<double, 2>::from_shape({400, 300});
    auto b = a;
    ctnn::rng ra(8), rb(8);
    per_gate<kaiming_normal<>>{}.weight(a, torch_fans, ra);
    kaiming_normal<>{}.weight(b, torch_fans, rb);
    CHECK(xt::all(xt::equal(a, b)));
    STATIC_REQUIRE(ctnn::initializer_policy<per_gate<orthogonal<>>>);
}
