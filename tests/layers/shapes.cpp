// core/shape.hpp, core/image.hpp and layers/flatten.hpp: what flows between layers is a shape
// the network computes at compile time; an image reaches dense layers through flatten.
#include <ctnn/ctnn.hpp>
#include <ctnn/io/summary.hpp>

#include <xtensor/xadapt.hpp>

#include <catch2/catch.hpp>

#include "support/network_gradient.hpp"

namespace {
using ctnn::dense;
using ctnn::flatten;

using image_net = ctnn::basic_network<double, ctnn::image<2, 3, 4>, ctnn::dropout<std::ratio<1, 4>>, flatten,
                                      dense<5, ctnn::tanh>, dense<1>>;
using flat_net = ctnn::basic_network<double, ctnn::input<24>, dense<5, ctnn::tanh>, dense<1>>;

/// Copies every parameter of `from` into `to`, in order (the two have the same parameter shapes).
template <class To, class From>
void copy_parameters(To& to, const From& from) {
    std::vector<std::vector<double>> values;
    from.for_each_parameter([&](const auto& p) { values.emplace_back(p.value.begin(), p.value.end()); });
    std::size_t k = 0;
    to.for_each_parameter([&](auto& p) {
        REQUIRE(values[k].size() == p.value.size());
        std::copy(values[k].begin(), values[k].end(), p.value.begin());
        ++k;
    });
}
}  // namespace

TEST_CASE("shape: every position's shape is a compile-time fact", "[shape][network]") {
    STATIC_REQUIRE(ctnn::image_shape(2, 3, 4).size() == 24);
    STATIC_REQUIRE(ctnn::image_shape(2, 3, 4).is_image());
    STATIC_REQUIRE_FALSE(ctnn::features_shape(24) == ctnn::image_shape(24, 1, 1));
    STATIC_REQUIRE(ctnn::rows_of(ctnn::sequence_shape(3), 8) == ctnn::sequence_shape(8));
    STATIC_REQUIRE(ctnn::rows_of(ctnn::image_shape(2, 3, 4), 8) == ctnn::features_shape(8));

    STATIC_REQUIRE(image_net::shapes
                   == std::array<ctnn::shape, 5>{ctnn::image_shape(2, 3, 4), ctnn::image_shape(2, 3, 4),
                                                 ctnn::features_shape(24), ctnn::features_shape(5),
                                                 ctnn::features_shape(1)});
    STATIC_REQUIRE(image_net::widths == std::array<std::size_t, 5>{24, 24, 24, 5, 1});
    STATIC_REQUIRE(image_net::input_width == 24);
    STATIC_REQUIRE_FALSE(image_net::sequence_input);

    // A sequence keeps its time axis through per-step layers until a recurrent layer drops it.
    using seq_net = ctnn::network<ctnn::sequence<3>, dense<4>, ctnn::gru<6, ctnn::whole_sequence>,
                                  ctnn::layer_norm<>, ctnn::lstm<2>, dense<1>>;
    STATIC_REQUIRE(seq_net::shapes
                   == std::array<ctnn::shape, 6>{ctnn::sequence_shape(3), ctnn::sequence_shape(4),
                                                 ctnn::sequence_shape(6), ctnn::sequence_shape(6),
                                                 ctnn::features_shape(2), ctnn::features_shape(1)});
    STATIC_REQUIRE(seq_net::carries_sequence == std::array<bool, 6>{true, true, true, true, false, false});

    // Which specs read images: those that compute their output shape (dropout, flatten, batch_norm).
    STATIC_REQUIRE(ctnn::layer_spec<flatten>);
    STATIC_REQUIRE(ctnn::detail::shape_computing_spec<flatten>);
    STATIC_REQUIRE(ctnn::detail::shape_computing_spec<ctnn::dropout<>>);
    STATIC_REQUIRE_FALSE(ctnn::detail::shape_computing_spec<dense<3>>);
    STATIC_REQUIRE(ctnn::detail::shape_computing_spec<ctnn::batch_norm<>>);  // BatchNorm2d on images
}

TEST_CASE("flatten: an image network computes what the flattened-input network does", "[flatten][shape]") {
    image_net images(3);
    flat_net rows(5);
    copy_parameters(images, rows);
    ctnn::rng r(17);
    const auto x = r.normal_tensor<double>(6, 24);
    const auto y = r.normal_tensor<double>(6, 1);
    const auto expected = rows.predict(x);
    CHECK((images.predict(x) == expected));  // dropout is the identity in evaluation mode

    // (B, C, H, W) is the same memory as (B, C·H·W).
    ctnn::tensor<double, 4> x4 = ctnn::tensor<double, 4>::from_shape({6, 2, 3, 4});
    std::copy(x.begin(), x.end(), x4.begin());
    CHECK((images.predict(x4) == expected));

    // Training with dropout off changes both the same way, step for step.
    using no_dropout_net =
        ctnn::basic_network<double, ctnn::image<2, 3, 4>, flatten, dense<5, ctnn::tanh>, dense<1>>;
    no_dropout_net trained_images(0);
    copy_parameters(trained_images, rows);
    ctnn::trainer on_images{trained_images, ctnn::optim::adam{.lr = 0.01}};
    ctnn::trainer on_rows{rows, ctnn::optim::adam{.lr = 0.01}};
    const ctnn::fit_options options{.epochs = 4, .batch_size = 2, .shuffle = true, .seed = 9};
    const auto image_losses = on_images.fit(x4, y, options).epoch_losses;
    const auto row_losses = on_rows.fit(x, y, options).epoch_losses;
    CHECK(image_losses == row_losses);
    CHECK(row_losses.back() < row_losses.front());
    CHECK((trained_images.predict(x4) == rows.predict(x)));
}

TEST_CASE("flatten: image data of the wrong shape is refused with expected and actual", "[flatten][errors]") {
    image_net net;
    const auto transposed = ctnn::tensor<double, 4>::from_shape({5, 2, 4, 3});
    try {
        (void)net.predict(transposed);
        FAIL("predict accepted (5, 2, 4, 3) for image<2, 3, 4>");
    } catch (const ctnn::shape_error& e) {
        const std::string what = e.what();
        CHECK_THAT(what, Catch::Contains("(5, 2, 4, 3)"));
        CHECK_THAT(what, Catch::Contains("expected (rows, 2, 3, 4) row-major or (rows, 24)"));
    }
    // of any rank, the message names both forms an image may come in
    CHECK_THROWS_WITH(net.predict(ctnn::tensor<double, 2>::from_shape({5, 23})),
                      Catch::EndsWith("x has shape (5, 23), expected (rows, 2, 3, 4) row-major or (rows, 24)"));
    CHECK_THROWS_WITH(net.predict(ctnn::tensor<double, 3>::from_shape({5, 2, 12})),
                      Catch::EndsWith("x has shape (5, 2, 12), expected (rows, 2, 3, 4) row-major or (rows, 24)"));
    // the right shape in the wrong layout: the message says that the layout is what is wrong
    const xt::xarray<double, xt::layout_type::column_major> column_major = xt::zeros<double>({5, 2, 3, 4});
    CHECK_THROWS_WITH(net.predict(column_major),
                      Catch::EndsWith("x has shape (5, 2, 3, 4) but is not row-major: expected (rows, 2, 3, 4) "
                                      "or (rows, 24) in row-major layout"));
    const xt::xarray<double, xt::layout_type::column_major> flat_column_major = xt::zeros<double>({5, 24});
    CHECK_THROWS_WITH(net.predict(flat_column_major), Catch::Contains("(5, 24) but is not row-major"));
}

TEST_CASE("flatten: forward packs strided rows, backward hands dL/dy on", "[flatten][layers]") {
    ctnn::flatten_layer<double, 3, true> layer;
    layer.reserve(2);
    // xᵀ (3, 2) with rows 4 apart: the layer returns it packed.
    const std::vector<double> strided{1, 2, -1, -1, 3, 4, -1, -1, 5, 6, -1, -1};
    const double* out = layer.forward(strided.data(), 4, 2);
    CHECK(std::vector<double>(out, out + 6) == std::vector<double>{1, 2, 3, 4, 5, 6});
    const std::vector<double> packed{7, 8, 9, 10, 11, 12};
    CHECK(layer.forward(packed.data(), 2, 2) == packed.data());
    std::vector<double> dy{1, 2, 3, 4, 5, 6};
    CHECK(layer.backward(dy.data()) == dy.data());
    ctnn::flatten_layer<double, 3, false> first;
    CHECK(first.backward(dy.data()) == nullptr);
    STATIC_REQUIRE(ctnn::network_layer<ctnn::flatten_layer<float, 3, true>>);
}

TEST_CASE("flatten: finite differences through a flatten between layers", "[flatten][gradient]") {
    // flatten's backward carries dL/dy to the dense layer before it, whose gradients the check reads.
    using net_t = ctnn::basic_network<double, ctnn::input<6>, dense<4, ctnn::tanh>, flatten, dense<2, ctnn::sigmoid>>;
    net_t net(2);
    ctnn::rng r(23);
    ctnn_test::check_network_gradient(net, ctnn::loss::mse{}, r.normal_tensor<double>(5, 6),
                                      r.normal_tensor<double>(5, 2));
}

TEST_CASE("summary: images print as (B, C, H, W)", "[flatten][summary]") {
    const std::string table = ctnn::summary<image_net>();
    CHECK_THAT(table, Catch::Contains("input (B, 2, 3, 4), 4 layers"));
    CHECK_THAT(table, Catch::Contains("dropout             (B, 2, 3, 4)"));
    CHECK_THAT(table, Catch::Contains("flatten             (B, 24)"));
}
