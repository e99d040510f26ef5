// Clip policies against torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (float64 fixtures).
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <ctnn/ctnn.hpp>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/fixture.hpp"

namespace {
template <class T>
struct two_tensors {
    ctnn::parameter<T, 2> g0;
    ctnn::parameter<T, 1> g1;
    explicit two_tensors(const ctnn_test::fixture& f, const std::string& g0_name = "g0") {
        g0.reshape(std::array<std::size_t, 2>{3, 4});
        g1.reshape(std::array<std::size_t, 1>{3});
        g0.grad = f.tensor<T, 2>(g0_name);
        g1.grad = f.tensor<T, 1>("g1");
    }
    template <class F>
    void for_each_parameter(F&& f) {
        f(g0);
        f(g1);
    }
};

template <class Clip>
void check_case(const Clip& clip, const std::string& name, bool has_total = true) {
    const ctnn_test::fixture f("clip.txt");
    two_tensors<double> params(f);
    const auto result = clip.apply(params);
    CHECK(result.finite);
    if (has_total) CHECK(result.total_norm == Approx(f.scalar(name + ".total")).epsilon(1e-14));
    const auto torch_g0 = f.tensor<double, 2>(name + ".g0");
    const auto torch_g1 = f.tensor<double, 1>(name + ".g1");
    CTNN_REQUIRE_CLOSE(params.g0.grad, torch_g0, 1e-14);
    CTNN_REQUIRE_CLOSE(params.g1.grad, torch_g1, 1e-14);

    two_tensors<float> single(f);  // float gradients, same semantics
    clip.apply(single);
    CTNN_REQUIRE_CLOSE(single.g0.grad, torch_g0, 1e-6);
}
}  // namespace

TEST_CASE("clip: by_global_norm, 2-norm, clipping", "[clip]") {
    check_case(ctnn::clip::by_global_norm{.max_norm = 1.0}, "norm2_1");
    check_case(ctnn::clip::by_global_norm{.max_norm = 0.5}, "norm2_0p5");
}
TEST_CASE("clip: by_global_norm below the threshold leaves gradients unchanged", "[clip]") {
    check_case(ctnn::clip::by_global_norm{.max_norm = 100.0}, "norm2_100");
}
TEST_CASE("clip: by_global_norm, infinity norm", "[clip]") {
    check_case(ctnn::clip::by_global_norm{.max_norm = 1.0, .norm_type = ctnn::clip::by_global_norm::infinity},
               "norminf_1");
}
TEST_CASE("clip: by_value clamps each element", "[clip]") {
    check_case(ctnn::clip::by_value{.limit = 0.5}, "value_0p5", false);
}
TEST_CASE("clip: by_norm rescales each tensor separately", "[clip]") {
    check_case(ctnn::clip::by_norm{.max_norm = 1.0}, "pertensor_1", false);
}

TEST_CASE("clip: non-finite gradients are reported and left untouched", "[clip][errors]") {
    const ctnn_test::fixture f("clip.txt");
    two_tensors<double> params(f, "nonfinite.g0");
    const auto before = params.g0.grad;
    const auto result = ctnn::clip::by_global_norm{.max_norm = 1.0}.apply(params);
    CHECK_FALSE(result.finite);
    CHECK(std::isinf(result.total_norm));
    CHECK(std::isinf(f.scalar("nonfinite.total")));
    CHECK((params.g1.grad == f.tensor<double, 1>("g1")));
    CHECK(f.scalar("nonfinite.raises") == 1.0);
    CHECK_THROWS_AS((ctnn::clip::by_global_norm{.max_norm = 1.0, .error_if_nonfinite = true}.apply(params)),
                    ctnn::non_finite_error);
    for (const auto& clip_result : {ctnn::clip::none{}.apply(params), ctnn::clip::by_value{}.apply(params),
                                    ctnn::clip::by_norm{}.apply(params)})
        CHECK_FALSE(clip_result.finite);
    CHECK((params.g1.grad == f.tensor<double, 1>("g1")));
    params.g0.grad(0, 0) = std::numeric_limits<double>::quiet_NaN();
    CHECK_FALSE(ctnn::clip::none{}.apply(params).finite);
}

TEST_CASE("clip: finite gradients whose squares overflow have their true norm, and are clipped by it",
          "[clip][errors]") {
    // double gradients past ~1e154: Σg² is inf, the norm is not (torch reports inf, and its
    // coef max_norm/inf zeroes them); ctnn's is the norm itself
    const auto huge = [] {
        two_tensors<double> params{ctnn_test::fixture("clip.txt")};
        params.g0.grad.fill(0.0);
        params.g1.grad.fill(0.0);
        params.g0.grad(0, 0) = 3e200;
        params.g0.grad(1, 2) = -4e200;
        params.g1.grad(2) = 1e-300;
        return params;
    };
    {
        auto params = huge();
        const auto result = ctnn::clip::by_global_norm{.max_norm = 1.0}.apply(params);
        CHECK(result.finite);
        CHECK(result.total_norm == Approx(5e200).epsilon(1e-15));
        CHECK(params.g0.grad(0, 0) == Approx(0.6).epsilon(1e-12));
        CHECK(params.g0.grad(1, 2) == Approx(-0.8).epsilon(1e-12));
    }
    {
        auto params = huge();
        const auto result = ctnn::clip::by_norm{.max_norm = 2.0}.apply(params);
        CHECK(result.total_norm == Approx(5e200).epsilon(1e-15));
        CHECK(params.g0.grad(0, 0) == Approx(1.2).epsilon(1e-12));
        CHECK(params.g1.grad(2) == 1e-300);  // its own norm is below 2
    }
    {
        auto params = huge();
        CHECK(ctnn::clip::none{}.apply(params).total_norm == Approx(5e200).epsilon(1e-15));
        CHECK(ctnn::clip::by_value{.limit = 1.0}.apply(params).total_norm == Approx(5e200).epsilon(1e-15));
        CHECK(params.g0.grad(1, 2) == -1.0);
    }
    // a norm past double's range, of finite gradients, is inf: the step is refused
    auto params = huge();
    params.g0.grad.fill(1.5e308);
    const auto result = ctnn::clip::by_global_norm{.max_norm = 1.0}.apply(params);
    CHECK_FALSE(result.finite);
    CHECK(std::isinf(result.total_norm));
}

TEST_CASE("clip: the total norm of non-finite gradients is torch's, of order 2 and ∞", "[clip][errors]") {
    const ctnn_test::fixture f("clip.txt");
    using clip = ctnn::clip::by_global_norm;
    // torch's ∞-norm is a max that a NaN wins; an inf alone gives inf
    const auto totals = [&](const std::string& g0) {
        two_tensors<double> params(f, g0);
        return std::pair{clip{}.apply(params).total_norm, clip{.norm_type = clip::infinity}.apply(params).total_norm};
    };
    const auto [inf_2, inf_max] = totals("nonfinite.g0");
    CHECK(inf_2 == f.scalar("nonfinite.total"));
    CHECK(inf_max == f.scalar("nonfinite.total_inf"));
    CHECK(inf_max == std::numeric_limits<double>::infinity());
    const auto [nan_2, nan_max] = totals("nan.g0");
    CHECK(std::isnan(nan_2));
    CHECK(std::isnan(f.scalar("nan.total")));
    CHECK(std::isnan(nan_max));
    CHECK(std::isnan(f.scalar("nan.total_inf")));
    two_tensors<double> params(f, "nan.g0");
    CHECK_THROWS_WITH((clip{.norm_type = clip::infinity, .error_if_nonfinite = true}.apply(params)),
                      Catch::Contains("the total norm of order inf of the gradients is nan"));
}

TEST_CASE("clip: off measures no norm and still finds non-finite gradients", "[clip][errors]") {
    const ctnn_test::fixture f("clip.txt");
    two_tensors<double> params(f);
    const auto before = params.g0.grad;
    const auto finite = ctnn::clip::off{}.apply(params);
    CHECK(finite.finite);
    CHECK(std::isnan(finite.total_norm));
    CHECK((params.g0.grad == before));
    for (const double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
        params.g1.grad(2) = bad;
        CHECK_FALSE(ctnn::clip::off{}.apply(params).finite);
    }
}

namespace {
// Trains a copy with clip::none and a copy with clip::off (the step folded into the weight-gradient
// products where possible) and returns the largest relative difference of their parameters.
template <class Net>
double fused_against_unfused(const ctnn::optim::sgd& sgd, std::size_t rows, std::size_t steps, bool* grads_formed) {
    ctnn::rng data(3);
    const auto x = data.normal_tensor<double>(rows, Net::input_width);
    const auto y = data.normal_tensor<double>(rows, 1);
    Net plain(1), fused(1);
    ctnn::trainer unfused_trainer{plain, ctnn::loss::mse{}, sgd, ctnn::clip::none{}};
    ctnn::trainer fused_trainer{fused, ctnn::loss::mse{}, sgd, ctnn::clip::off{}};
    for (std::size_t s = 0; s < steps; ++s) {
        unfused_trainer.train_step(x, y);
        const auto report = fused_trainer.train_step(x, y);
        REQUIRE(report.applied);
        REQUIRE(std::isnan(report.gradient_norm));  // clip::off measures none
    }
    std::vector<std::vector<double>> expected;
    plain.for_each_parameter([&](const auto& p) { expected.emplace_back(p.value.begin(), p.value.end()); });
    double worst = 0.0;
    std::size_t k = 0;
    fused.for_each_parameter([&](const auto& p) {
        for (std::size_t i = 0; i < p.value.size(); ++i)
            worst = std::max(worst, std::abs(p.value.flat(i) - expected[k][i]) / (1e-12 + std::abs(expected[k][i])));
        ++k;
    });
    // The first layer's weight gradient is formed only when the step was not folded.
    *grads_formed = xt::any(xt::not_equal(fused.template layer<0>().weight.grad, 0.0));
    return worst;
}
}  // namespace

TEST_CASE("clip: off lets plain SGD fold into the weight-gradient products, same result as clip::none",
          "[clip][sgd]") {
    // Wide enough for the BLAS products (the fold), and the seed network (small products and the
    // dot-product weight gradient of a single output, which form dW and then step).
    using wide = ctnn::basic_network<double, ctnn::input<32>, ctnn::dense<64, ctnn::tanh>,
                                     ctnn::dense<48, ctnn::relu>, ctnn::dense<1>>;
    using seed = ctnn::basic_network<double, ctnn::input<10>, ctnn::dense<5, ctnn::relu>, ctnn::dense<1>>;
    static_assert(wide::supports_fused_sgd && seed::supports_fused_sgd);
    static_assert(!ctnn::basic_network<double, ctnn::sequence<3>, ctnn::rnn<4>>::supports_fused_sgd);
    static_assert(!ctnn::basic_network<double, ctnn::input<3>, ctnn::dense<4>, ctnn::batch_norm<>>::supports_fused_sgd);
    bool formed = true;
    const std::vector<ctnn::optim::sgd> folded = {{.lr = 0.05},
                                                  {.lr = 0.05, .momentum = 0.9},
                                                  {.lr = 0.05, .momentum = 0.9, .dampening = 0.3},
                                                  {.lr = 0.01, .momentum = 0.5, .maximize = true}};
    for (const auto& sgd : folded) {
        CHECK(fused_against_unfused<wide>(sgd, 32, 6, &formed) < 1e-12);
        CHECK_FALSE(formed);
        CHECK(fused_against_unfused<seed>(sgd, 100, 6, &formed) < 1e-12);
    }
    // Weight decay and Nesterov are not folded: the gradients are formed as usual.
    for (const auto& sgd : {ctnn::optim::sgd{.lr = 0.05, .momentum = 0.9, .weight_decay = 0.01},
                            ctnn::optim::sgd{.lr = 0.05, .momentum = 0.9, .nesterov = true}}) {
        CHECK(fused_against_unfused<wide>(sgd, 32, 4, &formed) < 1e-12);
        CHECK(formed);
    }
}

TEST_CASE("clip: off refuses a step whose weight gradient overflows, and keeps the weights", "[clip][errors]") {
    // Feature 0 is 1e30 and its weights are 0, so the forward pass and the loss stay finite; with
    // targets of 1e10, dW for feature 0 is ~1e40: inf in float. ∂L/∂z and x are finite, so only the
    // bound on B·max|∂L/∂z|·max|x| can tell, and the gradient is then formed and judged.
    using net = ctnn::basic_network<float, ctnn::input<2>, ctnn::dense<40, ctnn::relu>, ctnn::dense<1>>;
    net model(0);
    for (std::size_t o = 0; o < 40; ++o) model.layer<0>().weight.value(o, 0) = 0.0f;
    ctnn::tensor<float, 2> x = {{1e30f, 1.f}, {1e30f, 2.f}, {1e30f, -1.f}, {1e30f, 0.5f}};
    const ctnn::tensor<float, 2> y = xt::ones<float>({4, 1}) * 1e10f;
    const auto before = model.layer<0>().weight.value;
    ctnn::trainer trainer{model, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.01}, ctnn::clip::off{}};
    const auto report = trainer.train_step(x, y, ctnn::non_finite_action::skip_step);
    CHECK(std::isfinite(report.loss));
    CHECK_FALSE(report.applied);
    CHECK((model.layer<0>().weight.value == before));
    CHECK_THROWS_AS(trainer.train_step(x, y), ctnn::non_finite_error);
}

TEST_CASE("clip: by_global_norm's own refusal in a training step names the step and is not applied",
          "[clip][errors]") {
    // the same overflowing weight gradient, measured by the clip, which is told to throw
    using net = ctnn::basic_network<float, ctnn::input<2>, ctnn::dense<40, ctnn::relu>, ctnn::dense<1>>;
    net model(0);
    for (std::size_t o = 0; o < 40; ++o) model.layer<0>().weight.value(o, 0) = 0.0f;
    const ctnn::tensor<float, 2> x = {{1e30f, 1.f}, {1e30f, 2.f}, {1e30f, -1.f}, {1e30f, 0.5f}};
    const ctnn::tensor<float, 2> y = xt::ones<float>({4, 1}) * 1e10f;
    const auto before = model.layer<0>().weight.value;
    ctnn::trainer trainer{model, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.01},
                          ctnn::clip::by_global_norm{.error_if_nonfinite = true}};
    CHECK_THROWS_WITH(trainer.train_step(x, y),
                      Catch::StartsWith("ctnn: non-finite training step 0 (epoch 0): loss ")
                          && Catch::Contains("; clip::by_global_norm: the total norm of order 2 of the gradients is inf; "
                                             "the gradients were left unclipped; the update was not applied, the "
                                             "weights are those before this step"));
    CHECK_FALSE(trainer.last_step().applied);
    CHECK(std::isnan(trainer.last_step().gradient_norm));
    CHECK((model.layer<0>().weight.value == before));
}

TEST_CASE("clip: off forms and checks the gradients when the bound cannot show them finite", "[clip][sgd]") {
    // From zero weights ŷ = 0, so ∂L/∂z = −2y/8: −0.025 for the first row, −5 for the others.
    // B·max|∂L/∂z|·max|x| = 4·5·1e37 exceeds the bound (a quarter of FLT_MAX), but the one large
    // input meets the small ∂L/∂z: dW stays finite (−2.5e35), and the step is the unfused one.
    using net = ctnn::basic_network<float, ctnn::input<2>, ctnn::dense<2, ctnn::identity, ctnn::init::zeros>>;
    const ctnn::tensor<float, 2> x = {{1e37f, 0.f}, {0.f, 1.f}, {0.f, 1.f}, {0.f, 1.f}};
    const ctnn::tensor<float, 2> y = {{0.1f, 0.1f}, {20.f, 20.f}, {20.f, 20.f}, {20.f, 20.f}};
    net plain(0), fused(0);
    ctnn::trainer unfused_trainer{plain, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 1e-3}, ctnn::clip::none{}};
    ctnn::trainer fused_trainer{fused, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 1e-3}, ctnn::clip::off{}};
    unfused_trainer.train_step(x, y);
    const auto report = fused_trainer.train_step(x, y);
    REQUIRE(report.applied);
    CHECK(xt::any(xt::not_equal(fused.layer<0>().weight.grad, 0.0f)));  // formed, not folded
    CHECK((fused.layer<0>().weight.value == plain.layer<0>().weight.value));
    CHECK((fused.layer<0>().bias.value == plain.layer<0>().bias.value));
    CHECK(fused.layer<0>().weight.value(0, 0) == Approx(-1e-3 * -2.5e35).epsilon(1e-5));
}

TEST_CASE("clip: invalid settings are refused", "[clip][errors]") {
    CHECK_THROWS_AS((ctnn::clip::by_global_norm{.max_norm = 0}.validate()), ctnn::invalid_argument);
    CHECK_THROWS_AS((ctnn::clip::by_global_norm{.norm_type = 3}.validate()), ctnn::invalid_argument);
    CHECK_THROWS_AS((ctnn::clip::by_value{.limit = -1}.validate()), ctnn::invalid_argument);
    CHECK_THROWS_AS((ctnn::clip::by_norm{.max_norm = -1}.validate()), ctnn::invalid_argument);
    // the value given is named, NaN without a sign
    const double nan = -std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH((ctnn::clip::by_value{.limit = nan}.validate()), "ctnn: clip::by_value needs limit > 0, got nan");
    CHECK_THROWS_WITH((ctnn::clip::by_norm{.max_norm = -2.5}.validate()),
                      "ctnn: clip::by_norm needs max_norm > 0, got -2.5");
    CHECK_THROWS_WITH((ctnn::clip::by_global_norm{.max_norm = 0}.validate()),
                      "ctnn: clip::by_global_norm needs max_norm > 0, got 0");
}
