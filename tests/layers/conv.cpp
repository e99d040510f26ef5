// layers/conv2d.hpp, max_pool2d.hpp, avg_pool2d.hpp, global_avg_pool.hpp (and window.hpp,
// detail/image_patches.hpp): each layer's forward and backward against PyTorch float64
// fixtures, every parameter's gradient against finite differences through whole networks, and
// a small CNN trained step for step as PyTorch trains it.
#include <ctnn/ctnn.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/feature_major.hpp"
#include "support/fixture.hpp"
#include "support/network_gradient.hpp"
#include "support/parameters.hpp"
#include "support/temp_dir.hpp"

namespace {
using ctnn::conv2d;
using ctnn::dilation;
using ctnn::image_shape;
using ctnn::kernel;
using ctnn::padding;
using ctnn::stride;
using ctnn::tensor;

const ctnn_test::fixture& fixture() {
    static const ctnn_test::fixture f("conv.txt");
    return f;
}

/// (B, N) rows of a fixture of any rank whose first axis is the batch ((B, C, H, W): (B, C·H·W)).
template <std::size_t Rank>
tensor<double, 2> batch_rows(const std::string& name) {
    const auto t = fixture().tensor<double, Rank>(name);
    auto rows = tensor<double, 2>::from_shape({t.shape(0), t.size() / t.shape(0)});
    std::copy(t.begin(), t.end(), rows.begin());
    return rows;
}

/// The layer bound inside a network at position 1 (so it computes dL/dx) for the image `In`.
template <class Spec, ctnn::shape In>
using inner_layer = typename Spec::template bind<double, 1, In>::type;

/// One forward and backward of `layer` against the fixture `prefix` (out, dx, parameter
/// gradients), the input given with rows `ld` ≥ B apart.
template <class Layer, std::size_t OutRank>
void check_layer_case(Layer& layer, const std::string& prefix, std::size_t ld_extra = 0) {
    const auto& f = fixture();
    if constexpr (Layer::parameter_count > 0) ctnn_test::load_parameters(layer, f, prefix);
    const auto x = batch_rows<4>(prefix + ".x");
    const std::size_t rows = x.shape(0), ld = rows + ld_extra;
    // xᵀ (C·H·W, B) with rows ld apart; the columns past B are never read
    std::vector<double> x_t(Layer::input_width * ld, 1e300);
    const auto packed = ctnn_test::feature_major(x);
    for (std::size_t k = 0; k < Layer::input_width; ++k)
        std::copy_n(packed.data() + k * rows, rows, x_t.data() + k * ld);
    layer.reserve(rows);
    const double* out = layer.forward(x_t.data(), ld, rows);
    const auto expected_out = ctnn_test::feature_major(batch_rows<OutRank>(prefix + ".out"));
    CTNN_REQUIRE_CLOSE(ctnn_test::columns(out, Layer::output_width, rows),
                       ctnn_test::columns(expected_out.data(), Layer::output_width, rows), 1e-12);
    auto upstream = ctnn_test::feature_major(batch_rows<OutRank>(prefix + ".upstream"));
    const double* dx = layer.backward(upstream.data());
    const auto expected_dx = ctnn_test::feature_major(batch_rows<4>(prefix + ".dx"));
    CTNN_REQUIRE_CLOSE(ctnn_test::columns(dx, Layer::input_width, rows),
                       ctnn_test::columns(expected_dx.data(), Layer::input_width, rows), 1e-12);
    if constexpr (Layer::parameter_count > 0) CHECK(ctnn_test::parameter_error(layer, f, prefix, "g") <= 1e-12);
}

// The fixtures' small CNN: image (1, 8, 8) -> (4, 8, 8) -> (4, 4, 4) -> (6, 4, 4) -> (6, 2, 2) -> 24 -> 3.
using small_cnn = ctnn::basic_network<double, ctnn::image<1, 8, 8>, conv2d<4, kernel<3>, ctnn::relu, padding<1>>,
                                      ctnn::max_pool2d<kernel<2>>, conv2d<6, kernel<3>, padding<1>, ctnn::tanh>,
                                      ctnn::avg_pool2d<kernel<2>>, ctnn::flatten, ctnn::dense<3>>;

/// Every geometry at once, each layer after another (so each computes dL/dx).
using every_window_net =
    ctnn::basic_network<double, ctnn::image<2, 7, 6>,
                        conv2d<3, kernel<3, 2>, ctnn::tanh, stride<2, 1>, padding<1, 0>, dilation<1, 2>>,
                        ctnn::max_pool2d<kernel<2>, stride<1>>, conv2d<4, kernel<1>, ctnn::sigmoid>,
                        ctnn::avg_pool2d<kernel<2>, padding<1>>, conv2d<5, kernel<2>, padding<1>, ctnn::relu>,
                        ctnn::global_avg_pool, ctnn::dense<2>>;
}  // namespace

TEST_CASE("conv2d: output shapes and parameter counts are compile-time facts", "[conv][shape]") {
    STATIC_REQUIRE(every_window_net::shapes
                   == std::array<ctnn::shape, 8>{image_shape(2, 7, 6), image_shape(3, 4, 4), image_shape(3, 3, 3),
                                                 image_shape(4, 3, 3), image_shape(4, 2, 2), image_shape(5, 3, 3),
                                                 ctnn::features_shape(5), ctnn::features_shape(2)});
    STATIC_REQUIRE(every_window_net::parameter_count == (3 * 2 * 3 * 2 + 3) + (4 * 3 + 4) + (5 * 4 * 4 + 5) + (5 * 2 + 2));
    STATIC_REQUIRE(small_cnn::widths == std::array<std::size_t, 7>{64, 256, 64, 96, 24, 24, 3});
    // PyTorch's defaults: a pool's stride is its kernel, a convolution's 1.
    STATIC_REQUIRE(ctnn::max_pool2d<kernel<3, 2>>::geometry.stride_height == 3);
    STATIC_REQUIRE(ctnn::max_pool2d<kernel<3, 2>>::geometry.stride_width == 2);
    STATIC_REQUIRE(conv2d<1, kernel<3>>::geometry.stride_height == 1);
    // Which pools write each pixel's gradient once (disjoint windows), and which need no zeroing
    // first (windows that tile the image); the gradient tests run each kind.
    constexpr auto pool2 = ctnn::max_pool2d<kernel<2>>::geometry;
    STATIC_REQUIRE(pool2.disjoint() && pool2.tiles(4, 6) && !pool2.tiles(5, 5));
    STATIC_REQUIRE(!ctnn::max_pool2d<kernel<2>, stride<1>>::geometry.disjoint());
    STATIC_REQUIRE(!ctnn::max_pool2d<kernel<2>, dilation<2>>::geometry.disjoint());
    STATIC_REQUIRE(ctnn::avg_pool2d<kernel<2>, padding<1>>::geometry.disjoint());
    STATIC_REQUIRE(!ctnn::avg_pool2d<kernel<2>, padding<1>>::geometry.tiles(4, 4));
    STATIC_REQUIRE(ctnn::max_pool2d<kernel<2>, stride<3>>::geometry.disjoint());
    STATIC_REQUIRE(!ctnn::max_pool2d<kernel<2>, stride<3>>::geometry.tiles(6, 6));
    // Options in any order: the activation and the init policy are found by what they are.
    STATIC_REQUIRE(std::is_same_v<conv2d<1, kernel<3>, padding<1>, ctnn::init::xavier_uniform<>, ctnn::relu>::activation,
                                  ctnn::relu>);
    STATIC_REQUIRE(std::is_same_v<conv2d<1, kernel<3>, padding<1>, ctnn::init::xavier_uniform<>, ctnn::relu>::initializer,
                                  ctnn::init::xavier_uniform<>>);
    STATIC_REQUIRE(std::is_same_v<conv2d<1, kernel<3>>::activation, ctnn::identity>);
    STATIC_REQUIRE(std::is_same_v<conv2d<1, kernel<3>>::initializer, ctnn::init::pytorch_default>);
    STATIC_REQUIRE(ctnn::network_layer<inner_layer<conv2d<3, kernel<3>>, image_shape(2, 5, 5)>>);
    STATIC_REQUIRE(ctnn::network_layer<inner_layer<ctnn::max_pool2d<kernel<2>>, image_shape(2, 5, 5)>>);
    STATIC_REQUIRE(ctnn::network_layer<inner_layer<ctnn::avg_pool2d<kernel<2>>, image_shape(2, 5, 5)>>);
    STATIC_REQUIRE(ctnn::network_layer<inner_layer<ctnn::global_avg_pool, image_shape(2, 5, 5)>>);
}

TEST_CASE("conv2d: forward and backward match PyTorch's Conv2d (1e-12)", "[conv]") {
    SECTION("kernel (3, 2), stride (2, 1), padding (1, 0), dilation (1, 2), tanh") {
        using spec = conv2d<3, kernel<3, 2>, ctnn::tanh, stride<2, 1>, padding<1, 0>, dilation<1, 2>>;
        inner_layer<spec, image_shape(2, 7, 6)> layer;
        check_layer_case<decltype(layer), 4>(layer, "conv_a");
    }
    SECTION("the same, the input's rows further apart than the batch") {
        using spec = conv2d<3, kernel<3, 2>, ctnn::tanh, stride<2, 1>, padding<1, 0>, dilation<1, 2>>;
        inner_layer<spec, image_shape(2, 7, 6)> layer;
        check_layer_case<decltype(layer), 4>(layer, "conv_a", 3);
    }
    SECTION("3×3, padding 1 (the common case)") {
        inner_layer<conv2d<4, kernel<3>, padding<1>>, image_shape(3, 5, 5)> layer;
        check_layer_case<decltype(layer), 4>(layer, "conv_b");
        check_layer_case<decltype(layer), 4>(layer, "conv_b", 2);
    }
    SECTION("1×1: the patches are the input itself") {
        using layer_type = inner_layer<conv2d<2, kernel<1>>, image_shape(3, 4, 5)>;
        STATIC_REQUIRE(layer_type::patches_are_input);
        layer_type layer;
        check_layer_case<layer_type, 4>(layer, "conv_c");
        check_layer_case<layer_type, 4>(layer, "conv_c", 5);
    }
}

TEST_CASE("conv2d: the Winograd path (3×3, stride 1, several channels) matches PyTorch (1e-12)", "[conv][winograd]") {
    SECTION("no padding, odd and even sizes: partial tiles") {
        using layer_type = inner_layer<conv2d<3, kernel<3>>, image_shape(5, 7, 6)>;
        STATIC_REQUIRE(layer_type::uses_winograd);
        layer_type layer;
        check_layer_case<layer_type, 4>(layer, "wino_a");
        check_layer_case<layer_type, 4>(layer, "wino_a", 3);
    }
    SECTION("padding 2, tanh") {
        using layer_type = inner_layer<conv2d<2, kernel<3>, padding<2>, ctnn::tanh>, image_shape(4, 5, 5)>;
        STATIC_REQUIRE(layer_type::uses_winograd);
        layer_type layer;
        check_layer_case<layer_type, 4>(layer, "wino_b");
    }
    SECTION("padding (1, 0)") {
        using layer_type = inner_layer<conv2d<4, kernel<3>, padding<1, 0>>, image_shape(6, 6, 7)>;
        STATIC_REQUIRE(layer_type::uses_winograd);
        layer_type layer;
        check_layer_case<layer_type, 4>(layer, "wino_c");
    }
    // The patch product serves what Winograd does not: few channels, other kernels, strides.
    STATIC_REQUIRE_FALSE(inner_layer<conv2d<4, kernel<3>, padding<1>>, image_shape(3, 5, 5)>::uses_winograd);
    STATIC_REQUIRE_FALSE(inner_layer<conv2d<4, kernel<3>, stride<2>>, image_shape(8, 5, 5)>::uses_winograd);
    STATIC_REQUIRE_FALSE(inner_layer<conv2d<4, kernel<3>, dilation<2>>, image_shape(8, 5, 5)>::uses_winograd);
    STATIC_REQUIRE_FALSE(inner_layer<conv2d<4, kernel<3>, padding<3>>, image_shape(8, 5, 5)>::uses_winograd);
}

TEST_CASE("conv2d: Winograd's runs of tiles never outgrow what reserve sized for a larger batch", "[conv][winograd]") {
    namespace wg = ctnn::detail::winograd;
    for (const std::size_t channels : {4, 6, 32, 64, 300})
        for (const std::size_t tiles : {1, 4, 25, 49, 64, 400})
            for (std::size_t reserved = 1; reserved <= 300; reserved += 7)
                for (std::size_t columns = 1; columns <= reserved; ++columns) {
                    const std::size_t run = wg::tiles_per_run<float>(channels, tiles, columns);
                    REQUIRE(run >= 1);
                    REQUIRE(run <= tiles);
                    REQUIRE(run * columns <= wg::run_capacity<float>(channels, tiles, reserved));
                }
}

TEMPLATE_TEST_CASE("conv2d: Winograd's transforms give the same bits with every instruction set the CPU runs",
                   "[conv][winograd]", float, double) {
    namespace wg = ctnn::detail::winograd;
    using ctnn::detail::gemm_isa;
    using T = TestType;
    ctnn::rng r(12);
    // 3 channels of 5×7 with padding (1, 2); batches whose width is and is not a whole number of vectors
    constexpr std::size_t C = 3, H = 5, W = 7;
    using tiles = wg::tiling<H, W, 1, 2>;
    for (const std::size_t B : {1, 13, 16, 37}) {
        const auto x = r.normal_tensor<T>(C * H * W, B);
        const auto m = r.normal_tensor<T>(16 * C * tiles::tiles, B);
        const std::vector<T> zeros(B, T(0)), bias = {T(0.5), T(-1.25), T(2)};
        const auto run = [&](gemm_isa isa) {
            // the input transform of tiles [2, tiles) (a run), the output transform and the
            // output gradient's of every tile
            std::vector<T> v(16 * C * tiles::tiles * B, T(-7)), p(v.size(), T(-7));
            std::vector<T> y(C * tiles::out_height * tiles::out_width * B, T(-7));
            wg::transform_input<C, H, W, 1, 2>(x.data(), B, B, zeros.data(), 2, tiles::tiles, v.data(),
                                               tiles::tiles - 2, isa);
            wg::transform_output<C, tiles::out_height, tiles::out_width>(m.data(), tiles::tiles, 0, tiles::tiles, B,
                                                                         bias.data(), y.data(), isa);
            wg::transform_output_gradient<C, H, W>(x.data(), B, zeros.data(), 0, (H + 1) / 2 * ((W + 1) / 2), p.data(),
                                                   (H + 1) / 2 * ((W + 1) / 2), isa);
            return std::vector<std::vector<T>>{v, y, p};
        };
        const auto portable = run(gemm_isa::portable);
        for (const gemm_isa isa : {gemm_isa::avx2, gemm_isa::avx512}) {
            if (!ctnn::detail::cpu_runs(isa)) continue;
            INFO("batch " << B << ", " << ctnn::detail::gemm_isa_name(isa));
            CHECK(run(isa) == portable);
        }
    }
}

TEST_CASE("max_pool2d: forward and backward match PyTorch's MaxPool2d, ties included (1e-12)", "[conv][pool]") {
    SECTION("kernel 2, stride 1 (overlapping windows), values rounded to halves") {
        inner_layer<ctnn::max_pool2d<kernel<2>, stride<1>>, image_shape(2, 5, 5)> layer;
        check_layer_case<decltype(layer), 4>(layer, "max_a");
        check_layer_case<decltype(layer), 4>(layer, "max_a", 3);
    }
    SECTION("kernel 3, stride 2, padding 1, dilation 2") {
        inner_layer<ctnn::max_pool2d<kernel<3>, stride<2>, padding<1>, dilation<2>>, image_shape(2, 9, 8)> layer;
        check_layer_case<decltype(layer), 4>(layer, "max_b");
    }
}

TEST_CASE("avg_pool2d and global_avg_pool: forward and backward match PyTorch (1e-12)", "[conv][pool]") {
    SECTION("kernel 3, stride 2, padding 1 (zeros count in the mean)") {
        inner_layer<ctnn::avg_pool2d<kernel<3>, stride<2>, padding<1>>, image_shape(2, 7, 6)> layer;
        check_layer_case<decltype(layer), 4>(layer, "avg_a");
        check_layer_case<decltype(layer), 4>(layer, "avg_a", 1);
    }
    SECTION("kernel 2, its own stride") {
        inner_layer<ctnn::avg_pool2d<kernel<2>>, image_shape(3, 4, 6)> layer;
        check_layer_case<decltype(layer), 4>(layer, "avg_b");
    }
    SECTION("global average pooling: AdaptiveAvgPool2d(1) and Flatten") {
        inner_layer<ctnn::global_avg_pool, image_shape(3, 5, 3)> layer;
        check_layer_case<decltype(layer), 2>(layer, "gap");
        check_layer_case<decltype(layer), 2>(layer, "gap", 4);
    }
}

TEST_CASE("batch_norm on images: BatchNorm2d's statistics per channel, training and evaluation (1e-12)",
          "[conv][batch_norm]") {
    using layer_type = inner_layer<ctnn::batch_norm<>, image_shape(3, 5, 4)>;
    STATIC_REQUIRE(layer_type::parameter_count == 6);  // γ and β per channel
    STATIC_REQUIRE(layer_type::input_width == 60);
    for (const std::size_t ld_extra : {0, 3}) {
        layer_type layer;
        check_layer_case<layer_type, 4>(layer, "bn2d", ld_extra);
        const auto mean_ref = fixture().tensor<double, 1>("bn2d.running_mean");
        const auto var_ref = fixture().tensor<double, 1>("bn2d.running_var");
        CTNN_REQUIRE_CLOSE(layer.running_mean, mean_ref, 1e-12);
        CTNN_REQUIRE_CLOSE(layer.running_var, var_ref, 1e-12);
        layer.set_training(false);
        check_layer_case<layer_type, 4>(layer, "bn2d_eval", ld_extra);
    }
    // One image of one pixel per channel has no variance to normalise by: refused, as PyTorch does.
    inner_layer<ctnn::batch_norm<>, image_shape(2, 1, 1)> single;
    single.reserve(1);
    const std::vector<double> x{1.0, 2.0};
    CHECK_THROWS_WITH(single.forward(x.data(), 1, 1), Catch::Contains("more than 1 value per"));
    // One image of 5×4 pixels is 20 values per channel: enough.
    layer_type two;
    two.reserve(1);
    const std::vector<double> one_image(60, 0.5);
    CHECK_NOTHROW(two.forward(one_image.data(), 1, 1));
}

TEST_CASE("image layers: the first layer computes no input gradient", "[conv]") {
    typename conv2d<3, kernel<3>>::template bind<double, 0, image_shape(1, 4, 4)>::type conv;
    typename ctnn::max_pool2d<kernel<2>>::template bind<double, 0, image_shape(1, 4, 4)>::type pool;
    ctnn::rng r(5);
    conv.initialize(r);
    const auto x = r.normal_tensor<double>(16, 2);
    conv.reserve(2);
    pool.reserve(2);
    std::vector<double> dy(conv.output_width * 2, 1.0);
    conv.forward(x.data(), 2, 2);
    CHECK(conv.backward(dy.data()) == nullptr);
    pool.forward(x.data(), 2, 2);
    CHECK(pool.backward(dy.data()) == nullptr);
}

TEST_CASE("image layers: finite-difference gradients through every geometry", "[conv][gradient]") {
    ctnn::rng r(31);
    SECTION("every window") {
        every_window_net net(3);
        ctnn_test::check_network_gradient(net, ctnn::loss::mse{}, r.normal_tensor<double>(4, 84),
                                          r.normal_tensor<double>(4, 2));
    }
    SECTION("the fixtures' small CNN") {
        small_cnn net(4);
        ctnn_test::check_network_gradient(net, ctnn::loss::mse{}, r.normal_tensor<double>(3, 64),
                                          r.normal_tensor<double>(3, 3));
    }
    SECTION("Winograd layers after one another, odd sizes") {
        using net_t = ctnn::basic_network<double, ctnn::image<4, 7, 5>, conv2d<5, kernel<3>, padding<1>, ctnn::tanh>,
                                          conv2d<4, kernel<3>, ctnn::sigmoid>, conv2d<3, kernel<3>, padding<2>>,
                                          ctnn::flatten, ctnn::dense<2>>;
        STATIC_REQUIRE(net_t::layer_type<1>::uses_winograd);
        STATIC_REQUIRE(net_t::layer_type<2>::uses_winograd);
        net_t net(7);
        ctnn_test::check_network_gradient(net, ctnn::loss::mse{}, r.normal_tensor<double>(3, 140),
                                          r.normal_tensor<double>(3, 2));
    }
    SECTION("Winograd through the image in several runs of tiles (forward, dW and dx)") {
        using net_t = ctnn::basic_network<double, ctnn::image<6, 9, 9>, conv2d<6, kernel<3>, padding<1>, ctnn::tanh>,
                                          conv2d<4, kernel<3>, padding<1>, ctnn::tanh>, ctnn::flatten, ctnn::dense<1>>;
        STATIC_REQUIRE(net_t::layer_type<1>::uses_winograd);
        // 25 tiles; a batch of 32 goes through them in runs of 21 and 4
        STATIC_REQUIRE(ctnn::detail::winograd::tiles_per_run<double>(6, 25, 32) == 21);
        net_t net(9);
        ctnn_test::check_network_gradient(net, ctnn::loss::mse{}, r.normal_tensor<double>(32, 486),
                                          r.normal_tensor<double>(32, 1));
    }
    SECTION("the patch product through z in several runs of columns") {
        using net_t = ctnn::basic_network<double, ctnn::image<1, 8, 8>, conv2d<64, kernel<3>, padding<1>, ctnn::tanh>,
                                          ctnn::avg_pool2d<kernel<2>>, ctnn::flatten, ctnn::dense<1>>;
        STATIC_REQUIRE(!net_t::layer_type<0>::uses_winograd);
        STATIC_REQUIRE(net_t::layer_type<0>::patch_run_columns == 512);
        net_t net(10);
        // 64 positions × 12 images: runs of 512 and 256 columns (an average pool: a max pool's
        // near-ties between 64 channels' outputs would make central differences cross its kinks)
        ctnn_test::check_network_gradient(net, ctnn::loss::mse{}, r.normal_tensor<double>(12, 64),
                                          r.normal_tensor<double>(12, 1));
    }
    SECTION("conv, batch_norm on the image, max pool, dense") {
        using net_t = ctnn::basic_network<double, ctnn::image<2, 5, 5>, conv2d<3, kernel<3>, padding<1>>,
                                          ctnn::batch_norm<ctnn::tanh>, ctnn::max_pool2d<kernel<2>>, ctnn::flatten,
                                          ctnn::dense<2>>;
        net_t net(5);
        ctnn_test::check_network_gradient(net, ctnn::loss::mse{}, r.normal_tensor<double>(4, 50),
                                          r.normal_tensor<double>(4, 2));
    }
    SECTION("pools whose windows leave gaps (stride past the kernel)") {
        using net_t = ctnn::basic_network<double, ctnn::image<2, 8, 8>, conv2d<3, kernel<3>, padding<1>, ctnn::tanh>,
                                          ctnn::avg_pool2d<kernel<2>, stride<3>>, conv2d<4, kernel<1>, ctnn::tanh>,
                                          ctnn::max_pool2d<kernel<2>, stride<3>>, ctnn::flatten, ctnn::dense<2>>;
        STATIC_REQUIRE(net_t::shapes[2] == image_shape(3, 3, 3));
        net_t net(8);
        ctnn_test::check_network_gradient(net, ctnn::loss::mse{}, r.normal_tensor<double>(3, 128),
                                          r.normal_tensor<double>(3, 2));
    }
    SECTION("a classifier: conv, max pool, conv, global pooling, cross-entropy") {
        using net_t = ctnn::basic_network<double, ctnn::image<3, 6, 6>, conv2d<4, kernel<3>, ctnn::gelu>,
                                          ctnn::max_pool2d<kernel<2>>, conv2d<5, kernel<2>, padding<1>, ctnn::tanh>,
                                          ctnn::global_avg_pool, ctnn::dense<3>>;
        net_t net(6);
        auto labels = tensor<double, 2>::from_shape({5, 1});
        for (std::size_t i = 0; i < 5; ++i) labels(i, 0) = double(i % 3);
        ctnn_test::check_network_gradient(net, ctnn::loss::softmax_cross_entropy{}, r.normal_tensor<double>(5, 108),
                                          labels);
    }
}

TEST_CASE("image layers: a small CNN trains as in PyTorch, step for step (1e-9)", "[conv][trajectory]") {
    const auto& f = fixture();
    const auto run = [&]<class Net = small_cnn>(const std::string& prefix, auto optimizer, Net net = Net{}) {
        ctnn_test::check_trajectory<4>(net, f, prefix, optimizer);
    };
    SECTION("SGD with momentum") { run("sgd", ctnn::optim::sgd{.lr = 0.1, .momentum = 0.9}); }
    SECTION("Adam") { run("adam", ctnn::optim::adam{.lr = 0.01}); }
    SECTION("strides, dilation, batch_norm on the image, global pooling; Adam") {
        using strided_cnn =
            ctnn::basic_network<double, ctnn::image<2, 9, 9>, conv2d<4, kernel<3>, stride<2>, padding<1>>,
                                ctnn::batch_norm<ctnn::relu>, conv2d<5, kernel<2>, dilation<2>, padding<1>, ctnn::tanh>,
                                ctnn::max_pool2d<kernel<2>, stride<1>>, ctnn::global_avg_pool, ctnn::dense<2>>;
        STATIC_REQUIRE(strided_cnn::shapes[1] == image_shape(4, 5, 5));
        STATIC_REQUIRE(strided_cnn::shapes[3] == image_shape(5, 5, 5));
        STATIC_REQUIRE(strided_cnn::shapes[4] == image_shape(5, 4, 4));
        run("strided", ctnn::optim::adam{.lr = 0.01}, strided_cnn{});
    }
}

TEST_CASE("image layers: every init policy fills a conv weight with torch.nn.init's fans", "[conv][init]") {
    // fan_in = C·KH·KW = 2·3·3 = 18; pytorch_default's bound is 1/√18.
    using layer_type = inner_layer<conv2d<8, kernel<3>>, image_shape(2, 6, 6)>;
    layer_type layer;
    layer.initialize(ctnn::rng(1));
    const double bound = 1.0 / std::sqrt(18.0);
    CHECK(xt::amax(xt::abs(layer.weight.value))() <= bound);
    CHECK(xt::amax(xt::abs(layer.weight.value))() > 0.9 * bound);
    CHECK(xt::amax(xt::abs(layer.bias.value))() <= bound);
    // Xavier and Kaiming read both fans: fan_out = OC·KH·KW = 72. Their bounds, as torch.nn.init's:
    // √(6 / (18 + 72)) and √2·√(3 / 18) (ReLU gain, fan_in).
    const auto max_abs_weight = [](const auto& l) { return double(xt::amax(xt::abs(l.weight.value))()); };
    inner_layer<conv2d<8, kernel<3>, ctnn::init::xavier_uniform<>>, image_shape(2, 6, 6)> xavier;
    xavier.initialize(ctnn::rng(3));
    const double xavier_bound = std::sqrt(6.0 / (18.0 + 72.0));
    CHECK(max_abs_weight(xavier) <= xavier_bound);
    CHECK(max_abs_weight(xavier) > 0.9 * xavier_bound);
    inner_layer<conv2d<8, kernel<3>, ctnn::init::kaiming_uniform<>>, image_shape(2, 6, 6)> kaiming;
    kaiming.initialize(ctnn::rng(4));
    const double kaiming_bound = std::sqrt(2.0) * std::sqrt(3.0 / 18.0);
    CHECK(max_abs_weight(kaiming) <= kaiming_bound);
    CHECK(max_abs_weight(kaiming) > 0.9 * kaiming_bound);
    // Orthogonal: the (OC, C·KH·KW) matrix PyTorch flattens the weight to has orthonormal rows.
    using orthogonal_layer = inner_layer<conv2d<8, kernel<3>, ctnn::init::orthogonal<>>, image_shape(2, 6, 6)>;
    orthogonal_layer o;
    o.initialize(ctnn::rng(2));
    const auto w = xt::reshape_view(o.weight.value, {std::size_t(8), std::size_t(18)});
    for (std::size_t i = 0; i < 8; ++i)
        for (std::size_t j = 0; j < 8; ++j) {
            double dot = 0;
            for (std::size_t k = 0; k < 18; ++k) dot += w(i, k) * w(j, k);
            CHECK(dot == Approx(i == j ? 1.0 : 0.0).margin(1e-12));
        }
}

TEST_CASE("image layers: summary, monitor and saving see conv layers", "[conv][summary][monitor][io]") {
    const std::string table = ctnn::summary<small_cnn>();
    CHECK_THAT(table, Catch::Contains("conv2d"));
    CHECK_THAT(table, Catch::Contains("(B, 4, 8, 8)"));
    CHECK_THAT(table, Catch::Contains("max_pool2d"));
    CHECK_THAT(table, Catch::Contains("(B, 6, 2, 2)"));
    CHECK_THAT(table, Catch::Contains("40"));  // the first conv's 4·9 + 4 parameters

    small_cnn net(8);
    ctnn::rng r(9);
    const auto x = r.normal_tensor<double>(6, 64);
    const auto y = r.normal_tensor<double>(6, 3);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}, ctnn::monitor::gradient_health{}};
    trainer.train_step(x, y);
    const auto& health = trainer.monitor().last();
    REQUIRE(health.layers.size() == small_cnn::depth);
    CHECK(health.layers[0].kind == "conv2d");
    CHECK(health.layers[0].gradient_norm > 0.0);
    CHECK(health.layers[2].kind == "conv2d");
    CHECK(health.layers[2].gradient_norm > 0.0);

    ctnn_test::temp_dir dir;
    const auto path = dir.path() / "cnn.ctnn";
    ctnn::save(path, net);
    small_cnn reloaded;
    ctnn::load(path, reloaded);
    CHECK((reloaded.predict(x) == net.predict(x)));
    // A file of another geometry is refused, not read as these weights.
    ctnn::basic_network<double, ctnn::image<1, 8, 8>, conv2d<4, kernel<3, 2>, ctnn::relu, padding<1>>,
                        ctnn::max_pool2d<kernel<2>>, ctnn::flatten, ctnn::dense<3>>
        other;
    CHECK_THROWS(ctnn::load(path, other));
}
