#include <ctnn/ctnn.hpp>

#include <xtensor/xview.hpp>

#include <catch2/catch.hpp>

#include "support/approx.hpp"

namespace {
using seed_net = ctnn::network<ctnn::input<10>, ctnn::dense<5, ctnn::relu>, ctnn::dense<1>>;
using deep_net = ctnn::basic_network<double, ctnn::input<3>, ctnn::dense<4, ctnn::tanh>,
                                     ctnn::dense<6, ctnn::sigmoid, ctnn::init::xavier_uniform<>, 4>,
                                     ctnn::dense<2, ctnn::leaky_relu<>>>;
}  // namespace

TEST_CASE("network: widths, depth and parameter count are compile-time facts", "[network]") {
    STATIC_REQUIRE(seed_net::parameter_count == 61);
    STATIC_REQUIRE(seed_net::depth == 2);
    STATIC_REQUIRE(seed_net::input_width == 10);
    STATIC_REQUIRE(seed_net::output_width == 1);
    STATIC_REQUIRE(seed_net::widths == std::array<std::size_t, 3>{10, 5, 1});
    STATIC_REQUIRE(std::is_same_v<seed_net::scalar, float>);
    STATIC_REQUIRE(deep_net::parameter_count == (3 * 4 + 4) + (4 * 6 + 6) + (6 * 2 + 2));
    STATIC_REQUIRE(deep_net::layer_type<1>::input_width == 4);
    STATIC_REQUIRE(deep_net::layer_type<1>::output_width == 6);
    STATIC_REQUIRE(std::is_same_v<deep_net::layer_type<2>::activation_type, ctnn::leaky_relu<>>);
    STATIC_REQUIRE(std::is_same_v<seed_net::rebind<double>::scalar, double>);
    STATIC_REQUIRE_FALSE(seed_net::layer_type<0>::computes_input_gradient);
    STATIC_REQUIRE(seed_net::layer_type<1>::computes_input_gradient);
}

TEST_CASE("network: parameters have PyTorch's shapes and are visited in order", "[network]") {
    seed_net net;
    CHECK((net.layer<0>().weight.value.shape() == std::array<std::size_t, 2>{5, 10}));
    CHECK((net.layer<0>().bias.value.shape() == std::array<std::size_t, 1>{5}));
    CHECK((net.layer<1>().weight.value.shape() == std::array<std::size_t, 2>{1, 5}));
    std::size_t tensors = 0, scalars = 0;
    net.for_each_parameter([&](auto& p) {
        ++tensors;
        scalars += p.size();
    });
    CHECK(tensors == 4);
    CHECK(scalars == seed_net::parameter_count);
}

TEST_CASE("network: the same seed gives the same weights, another seed others", "[network]") {
    seed_net a(7), b(7), c(8);
    CHECK((a.layer<0>().weight.value == b.layer<0>().weight.value));
    CHECK((a.layer<1>().bias.value == b.layer<1>().bias.value));
    CHECK((a.layer<0>().weight.value != c.layer<0>().weight.value));
    // Layer i draws from stream i: re-initialising with the same seed reproduces the weights.
    c.initialize(7);
    CHECK((c.layer<0>().weight.value == a.layer<0>().weight.value));
}

namespace {
// Reference forward of one dense layer by plain loops: a[i][o] = act(b[o] + Σ_k x[i][k]·W[o][k]).
template <class Layer, class Act>
ctnn::tensor<double, 2> reference_dense(const ctnn::tensor<double, 2>& x, const Layer& layer,
                                        Act act) {
    const auto& w = layer.weight.value;
    const auto& b = layer.bias.value;
    auto a = ctnn::tensor<double, 2>::from_shape({x.shape()[0], w.shape()[0]});
    for (std::size_t i = 0; i < x.shape()[0]; ++i)
        for (std::size_t o = 0; o < w.shape()[0]; ++o) {
            double z = b(o);
            for (std::size_t k = 0; k < w.shape()[1]; ++k) z += x(i, k) * w(o, k);
            a(i, o) = act(z);
        }
    return a;
}
}  // namespace

TEST_CASE("network: forward is act(x·Wᵀ + b) layer after layer", "[network]") {
    deep_net net(3);
    ctnn::rng r(1);
    const auto x = r.normal_tensor<double>(7, 3);
    const auto y = net.predict(x);
    REQUIRE(y.shape() == std::array<std::size_t, 2>{7, 2});

    const auto h1 = reference_dense(x, net.layer<0>(), [](double z) { return std::tanh(z); });
    const auto h2 = reference_dense(h1, net.layer<1>(), [](double z) { return 1 / (1 + std::exp(-z)); });
    const auto h3 = reference_dense(h2, net.layer<2>(), [](double z) { return z > 0 ? z : 0.01 * z; });
    CTNN_REQUIRE_CLOSE(y, h3, 1e-13);
}

TEST_CASE("network: predict works in chunks for more rows than its buffers hold", "[network]") {
    deep_net net(5);
    ctnn::rng r(2);
    const auto x = r.normal_tensor<double>(1000, 3);
    const auto all = net.predict(x);
    // Row 777 alone gives the same output as inside the big batch.
    ctnn::tensor<double, 2> row = xt::view(x, xt::range(777, 778), xt::all());
    const auto one = net.predict(row);
    CHECK(std::abs(one(0, 0) - all(777, 0)) < 1e-14);
    CHECK(std::abs(one(0, 1) - all(777, 1)) < 1e-14);
}

TEST_CASE("network: data of the wrong width is refused with expected and actual shapes",
          "[network][errors]") {
    seed_net net;
    const auto x = ctnn::tensor<float, 2>::from_shape({4, 9});
    try {
        (void)net.predict(x);
        FAIL("predict accepted 9 columns for input<10>");
    } catch (const ctnn::shape_error& e) {
        const std::string what = e.what();
        CHECK_THAT(what, Catch::Contains("predict"));
        CHECK_THAT(what, Catch::Contains("(4, 9)"));
        CHECK_THAT(what, Catch::Contains("(rows, 10)"));
    }
    const xt::xarray<float> rank3 = xt::zeros<float>({2, 10, 1});
    CHECK_THROWS_AS(net.predict(rank3), ctnn::shape_error);
    const xt::xarray<float, xt::layout_type::column_major> column_major = xt::zeros<float>({2, 10});
    CHECK_THROWS_WITH(net.predict(column_major), Catch::Contains("row-major"));
}

TEST_CASE("network: xarray and adaptors over user memory are accepted", "[network]") {
    seed_net net(1);
    ctnn::rng r(3);
    const auto x = r.normal_tensor<float>(3, 10);
    const xt::xarray<float> as_array = x;
    std::vector<float> raw(x.begin(), x.end());
    auto adapted = xt::adapt(raw, std::array<std::size_t, 2>{3, 10});
    const auto expected = net.predict(x);
    CHECK((net.predict(as_array) == expected));
    CHECK((net.predict(adapted) == expected));
}

namespace {
// A layer that records the mode it was last told, to check the network passes it on.
struct mode_probe {
    static constexpr std::size_t output_width = 3;
    template <class T, std::size_t Index, ctnn::shape InputShape>
    struct bind {
        struct type
            : ctnn::dense_layer<T, InputShape.size(), 3, ctnn::identity, ctnn::init::pytorch_default, (Index > 0)> {
            bool training = true;
            void set_training(bool on) { training = on; }
        };
    };
};
}  // namespace

TEST_CASE("network: training and evaluation modes reach the layers", "[network]") {
    ctnn::basic_network<double, ctnn::input<2>, mode_probe, ctnn::dense<1>> net;
    CHECK(net.training());
    net.set_training(false);
    CHECK_FALSE(net.training());
    CHECK_FALSE(net.layer<0>().training);
    net.set_training(true);
    {
        decltype(net)::evaluation_mode eval(net);
        CHECK_FALSE(net.layer<0>().training);
    }
    CHECK(net.layer<0>().training);
    const auto x = ctnn::tensor<double, 2>::from_shape({2, 2});
    (void)net.predict(x);
    CHECK(net.training());  // predict restores the mode it found
}
