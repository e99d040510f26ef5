// Clip policies against torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (float64 fixtures).
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

TEST_CASE("clip: invalid settings are refused", "[clip][errors]") {
    CHECK_THROWS_AS((ctnn::clip::by_global_norm{.max_norm = 0}.validate()), ctnn::invalid_argument);
    CHECK_THROWS_AS((ctnn::clip::by_global_norm{.norm_type = 3}.validate()), ctnn::invalid_argument);
    CHECK_THROWS_AS((ctnn::clip::by_value{.limit = -1}.validate()), ctnn::invalid_argument);
    CHECK_THROWS_AS((ctnn::clip::by_norm{.max_norm = -1}.validate()), ctnn::invalid_argument);
}
