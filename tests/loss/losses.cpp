// The losses beside mse (mae, huber, smooth_l1, bce_with_logits, softmax_cross_entropy, nll,
// probability_cross_entropy): values and gradients against PyTorch (class weights included),
// finite differences, float networks, class labels through the trainer, refused labels,
// targets and settings.
#include <ctnn/ctnn.hpp>
#include <ctnn/loss/bce_with_logits.hpp>
#include <ctnn/loss/huber.hpp>
#include <ctnn/loss/mae.hpp>
#include <ctnn/loss/nll.hpp>
#include <ctnn/loss/probability_cross_entropy.hpp>
#include <ctnn/loss/smooth_l1.hpp>
#include <ctnn/loss/softmax_cross_entropy.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/fixture.hpp"
#include "support/gradient_check.hpp"
#include "support/load.hpp"

namespace {
using matrix = ctnn::tensor<double, 2>;
using Catch::Matchers::Contains;
using Catch::Matchers::Message;

const ctnn_test::fixture& fixture() {
    static const ctnn_test::fixture f("losses.txt");
    return f;
}

/// Loss `record`.loss and its gradient `record`.grad of torch on the fixture's (prediction,
/// target): both members agree with it to 1e-12 relative.
template <class Loss>
void check_against_torch(const Loss& loss, const std::string& record, const std::string& prediction,
                         const std::string& target) {
    INFO(Loss::name << " against " << record);
    const auto& f = fixture();
    const matrix p = f.tensor<double, 2>(prediction);
    const matrix y = f.tensor<double, 2>(target);
    const matrix expected_grad = f.tensor<double, 2>(record + ".grad");
    const double expected = f.scalar(record + ".loss");
    matrix g = matrix::from_shape(p.shape());
    const double value = ctnn::loss::value(loss, p, y);
    const double value_with_gradient = ctnn::loss::value_and_gradient(loss, p, y, g);
    CHECK(std::abs(value - expected) <= 1e-12 * std::abs(expected));
    CHECK(std::abs(value_with_gradient - expected) <= 1e-12 * std::abs(expected));
    CTNN_REQUIRE_CLOSE(g, expected_grad, 1e-12);
}

/// Class labels 0..classes−1 drawn from `r`, as the (rows, 1) column the class losses read.
matrix random_labels(ctnn::rng& r, std::size_t rows, std::size_t classes) {
    matrix labels = matrix::from_shape({rows, 1});
    for (auto& v : labels) v = double(r.below(classes));
    return labels;
}

/// Central differences of `value` against `value_and_gradient` at a random prediction.
template <class Loss>
void check_finite_differences(const Loss& loss, matrix p, const matrix& y) {
    INFO(Loss::name);
    matrix g = matrix::from_shape(p.shape());
    ctnn::loss::value_and_gradient(loss, p, y, g);
    ctnn_test::check_gradient(p, g, [&] { return ctnn::loss::value(loss, p, y); });
}

/// The float members compute in double from the float inputs: the value equals the double one
/// on the same (float-rounded) numbers, the gradient differs by its rounding to float only.
template <class Loss>
void check_float_matches_double(const Loss& loss, const matrix& p64, const matrix& y64) {
    INFO(Loss::name);
    const ctnn::tensor<float, 2> p = xt::cast<float>(p64);
    const ctnn::tensor<float, 2> y = xt::cast<float>(y64);
    const matrix p_rounded = xt::cast<double>(p);
    const matrix y_rounded = xt::cast<double>(y);
    auto g = ctnn::tensor<float, 2>::from_shape(p.shape());
    matrix g_double = matrix::from_shape(p.shape());
    const double expected = ctnn::loss::value_and_gradient(loss, p_rounded, y_rounded, g_double);
    CHECK(std::abs(ctnn::loss::value_and_gradient(loss, p, y, g) - expected) <= 1e-14 * std::abs(expected));
    CHECK(std::abs(ctnn::loss::value(loss, p, y) - expected) <= 1e-14 * std::abs(expected));
    const matrix g_widened = xt::cast<double>(g);
    CTNN_REQUIRE_CLOSE(g_widened, g_double, 1e-7);
}

template <class T>
using classifier =
    ctnn::basic_network<T, ctnn::input<4>, ctnn::dense<5, ctnn::relu>, ctnn::dense<3>>;
}  // namespace

TEST_CASE("losses: each models loss_policy, class losses read one label column", "[loss]") {
    using namespace ctnn::loss;
    STATIC_REQUIRE(ctnn::loss_policy<mae>);
    STATIC_REQUIRE(ctnn::loss_policy<huber>);
    STATIC_REQUIRE(ctnn::loss_policy<smooth_l1>);
    STATIC_REQUIRE(ctnn::loss_policy<bce_with_logits>);
    STATIC_REQUIRE(ctnn::loss_policy<softmax_cross_entropy>);
    STATIC_REQUIRE(ctnn::loss_policy<nll>);
    STATIC_REQUIRE(ctnn::detail::loss_target_width<huber, 3>() == 3);
    STATIC_REQUIRE(ctnn::detail::loss_target_width<bce_with_logits, 2>() == 2);
    STATIC_REQUIRE(ctnn::detail::loss_target_width<softmax_cross_entropy, 3>() == 1);
    STATIC_REQUIRE(ctnn::detail::loss_target_width<nll, 10>() == 1);
    STATIC_REQUIRE(ctnn::detail::loss_fits_output<softmax_cross_entropy, 2>());
    STATIC_REQUIRE_FALSE(ctnn::detail::loss_fits_output<softmax_cross_entropy, 1>());
    STATIC_REQUIRE_FALSE(ctnn::detail::loss_fits_output<nll, 1>());
    STATIC_REQUIRE(ctnn::detail::loss_fits_output<bce_with_logits, 1>());
    STATIC_REQUIRE(ctnn::trainer<classifier<double>, softmax_cross_entropy>::target_width == 1);
    STATIC_REQUIRE(ctnn::trainer<classifier<double>, mae>::target_width == 3);
}

TEST_CASE("losses: regression losses match PyTorch on and beside the switch points (1e-12)",
          "[loss][mae][huber][smooth_l1]") {
    const auto& f = fixture();
    check_against_torch(ctnn::loss::mae{}, "mae", "reg.p", "reg.y");
    for (const std::string k : {"0", "1", "2"}) {
        check_against_torch(ctnn::loss::huber{.delta = f.scalar("huber." + k + ".delta")},
                            "huber." + k, "reg.p", "reg.y");
        check_against_torch(ctnn::loss::smooth_l1{.beta = f.scalar("smooth_l1." + k + ".beta")},
                            "smooth_l1." + k, "reg.p", "reg.y");
    }
}

TEST_CASE("losses: defaults are PyTorch's (huber delta 1, smooth_l1 beta 1)",
          "[loss][huber][smooth_l1]") {
    CHECK(ctnn::loss::huber{}.delta == 1.0);
    CHECK(ctnn::loss::smooth_l1{}.beta == 1.0);
    // The fixture's first case of each ran with torch's defaults.
    CHECK(fixture().scalar("huber.0.delta") == ctnn::loss::huber{}.delta);
    CHECK(fixture().scalar("smooth_l1.0.beta") == ctnn::loss::smooth_l1{}.beta);
    check_against_torch(ctnn::loss::huber{}, "huber.0", "reg.p", "reg.y");
    check_against_torch(ctnn::loss::smooth_l1{}, "smooth_l1.0", "reg.p", "reg.y");
}

TEST_CASE("losses: mae's gradient is 0 where prediction equals target, as torch.sign",
          "[loss][mae]") {
    const matrix p = {{1.0, 2.0, -3.0}};
    const matrix y = {{1.0, 0.0, 0.0}};
    matrix g = matrix::from_shape({1, 3});
    CHECK(ctnn::loss::value_and_gradient(ctnn::loss::mae{}, p, y, g) == Approx(5.0 / 3.0));
    const matrix expected = {{0.0, 1.0 / 3.0, -1.0 / 3.0}};
    CHECK((g == expected));
}

TEST_CASE("losses: bce_with_logits matches PyTorch with logits up to +-50 (1e-12)", "[loss][bce]") {
    check_against_torch(ctnn::loss::bce_with_logits{}, "bce", "bce.z", "bce.y");
}

TEST_CASE("losses: softmax_cross_entropy and nll match PyTorch with logits up to +-50 (1e-12)",
          "[loss][cross_entropy][nll]") {
    check_against_torch(ctnn::loss::softmax_cross_entropy{}, "ce", "ce.z", "ce.labels");
    check_against_torch(ctnn::loss::nll{}, "nll", "nll.logp", "ce.labels");
}

TEST_CASE("losses: the stable forms stay finite and exact at logits of +-1000",
          "[loss][bce][cross_entropy]") {
    // e^1000 overflows: a naive log(1 + e^z) or Σe^z would give inf and NaN here.
    const matrix z = {{1000.0, -1000.0, 0.0}};
    matrix g = matrix::from_shape({1, 3});
    const matrix y = {{0.0, 0.0, 1.0}};
    // bce: 1000, 0 and log 2, mean over 3; σ − y = 1, 0, −½
    CHECK(ctnn::loss::value_and_gradient(ctnn::loss::bce_with_logits{}, z, y, g)
          == Approx((1000.0 + std::log(2.0)) / 3.0).epsilon(1e-15));
    const matrix bce_grad = {{1.0 / 3.0, 0.0, -0.5 / 3.0}};
    CTNN_REQUIRE_CLOSE(g, bce_grad, 1e-15);
    // cross-entropy of label 1: log Σe^z − z₁ = 1000 − (−1000); softmax = (1, 0, 0)
    const matrix label = {{1.0}};
    CHECK(ctnn::loss::value_and_gradient(ctnn::loss::softmax_cross_entropy{}, z, label, g) == 2000.0);
    const matrix ce_grad = {{1.0, -1.0, 0.0}};
    CHECK((g == ce_grad));
}

TEST_CASE("losses: finite-difference gradients (double)", "[loss][gradient]") {
    ctnn::rng r(21);
    const matrix p = r.normal_tensor<double>(6, 4);
    const matrix y = r.normal_tensor<double>(6, 4);
    check_finite_differences(ctnn::loss::mae{}, p, y);
    check_finite_differences(ctnn::loss::huber{}, p, y);
    check_finite_differences(ctnn::loss::huber{.delta = 0.3}, p, y);
    check_finite_differences(ctnn::loss::smooth_l1{}, p, y);
    check_finite_differences(ctnn::loss::smooth_l1{.beta = 0.3}, p, y);
    matrix probabilities = matrix::from_shape({6, 4});
    for (auto& v : probabilities) v = r.uniform01();
    check_finite_differences(ctnn::loss::bce_with_logits{}, matrix(3.0 * p), probabilities);
    const matrix labels = random_labels(r, 6, 4);
    check_finite_differences(ctnn::loss::softmax_cross_entropy{}, matrix(3.0 * p), labels);
    check_finite_differences(ctnn::loss::nll{}, p, labels);
}

TEST_CASE("losses: float networks get the double computation, rounded once", "[loss][float]") {
    const auto& f = fixture();
    const matrix p = f.tensor<double, 2>("reg.p");
    const matrix y = f.tensor<double, 2>("reg.y");
    check_float_matches_double(ctnn::loss::mae{}, p, y);
    check_float_matches_double(ctnn::loss::huber{.delta = 0.5}, p, y);
    check_float_matches_double(ctnn::loss::smooth_l1{.beta = 2.0}, p, y);
    const matrix z = f.tensor<double, 2>("bce.z");
    const matrix t = f.tensor<double, 2>("bce.y");
    check_float_matches_double(ctnn::loss::bce_with_logits{}, z, t);
    const matrix logits = f.tensor<double, 2>("ce.z");
    const matrix labels = f.tensor<double, 2>("ce.labels");
    check_float_matches_double(ctnn::loss::softmax_cross_entropy{}, logits, labels);
    const matrix logp = f.tensor<double, 2>("nll.logp");
    check_float_matches_double(ctnn::loss::nll{}, logp, labels);
}

TEST_CASE("losses: cross-entropy training through ctnn::trainer matches PyTorch (1e-9)",
          "[loss][cross_entropy][trainer]") {
    const auto& f = fixture();
    const matrix x = f.tensor<double, 2>("ce_train.x");
    const matrix y = f.tensor<double, 2>("ce_train.y");
    const auto& expected = f.values("ce_train.loss");
    REQUIRE(expected.size() == 10);

    classifier<double> net;
    ctnn_test::load_weights(net, f, "ce_train.");
    ctnn::trainer trainer{net, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::sgd{.lr = 0.1}};
    CHECK(std::abs(trainer.evaluate(x, y) - expected[0]) <= 1e-12 * expected[0]);
    const auto losses =
        trainer.fit(x, y, {.epochs = 10, .batch_size = 0, .shuffle = false}).epoch_losses;
    REQUIRE(losses.size() == 10);
    for (std::size_t e = 0; e < 10; ++e) {
        INFO("epoch " << e);
        CHECK(std::abs(losses[e] - expected[e]) <= 1e-9 * expected[e]);
    }

    // The same run step by step: train_step reads x row-major where fit reads it transposed.
    classifier<double> stepped;
    ctnn_test::load_weights(stepped, f, "ce_train.");
    ctnn::trainer step_trainer{stepped, ctnn::loss::softmax_cross_entropy{},
                               ctnn::optim::sgd{.lr = 0.1}};
    for (std::size_t e = 0; e < 10; ++e) {
        INFO("step " << e);
        CHECK(std::abs(step_trainer.train_step(x, y).loss - expected[e]) <= 1e-9 * expected[e]);
    }
}

TEST_CASE("losses: a label that is not a class index is refused with row, value and range",
          "[loss][cross_entropy][nll][labels]") {
    const matrix z = {{0.5, -1.0, 2.0}, {0.0, 1.0, 0.0}, {3.0, 1.0, -2.0}};
    const double nan = std::numeric_limits<double>::quiet_NaN();
    struct bad {
        double label;
        std::string shown;
    };
    for (const bad& b : {bad{3.0, "3"}, bad{-1.0, "-1"}, bad{1.5, "1.5"}, bad{nan, "nan"}}) {
        const matrix labels = {{0.0}, {2.0}, {b.label}};
        INFO("label " << b.shown);
        matrix g = xt::ones<double>({3, 3});
        const matrix untouched = g;
        const std::string expected =
            "the target of row 2 is " + b.shown
            + ", not a class label: expected an integer in [0, 3), i.e. 0..2";
        REQUIRE_THROWS_MATCHES(ctnn::loss::value_and_gradient(ctnn::loss::softmax_cross_entropy{}, z, labels, g),
                               ctnn::invalid_argument,
                               Message("ctnn: softmax_cross_entropy: " + expected));
        REQUIRE_THROWS_MATCHES(ctnn::loss::value(ctnn::loss::softmax_cross_entropy{}, z, labels),
                               ctnn::invalid_argument,
                               Message("ctnn: softmax_cross_entropy: " + expected));
        REQUIRE_THROWS_MATCHES(ctnn::loss::value_and_gradient(ctnn::loss::nll{}, z, labels, g),
                               ctnn::invalid_argument, Message("ctnn: nll: " + expected));
        REQUIRE_THROWS_MATCHES(ctnn::loss::value(ctnn::loss::nll{}, z, labels), ctnn::invalid_argument,
                               Message("ctnn: nll: " + expected));
        // checked before any gradient is written
        CHECK((g == untouched));
    }
    // one label per row, not a one-hot matrix
    matrix g = matrix::from_shape({3, 3});
    const matrix one_hot = {{1.0, 0.0, 0.0}, {0.0, 0.0, 1.0}, {0.0, 1.0, 0.0}};
    REQUIRE_THROWS_MATCHES(ctnn::loss::value_and_gradient(ctnn::loss::softmax_cross_entropy{}, z, one_hot, g),
                           ctnn::shape_error,
                           Message("ctnn: softmax_cross_entropy: the target has shape (3, 3), "
                                   "expected (3, 1): one class label per row"));
}

TEST_CASE("losses: a bad label in training throws before any weight changes",
          "[loss][cross_entropy][labels][trainer]") {
    const auto& f = fixture();
    const matrix x = f.tensor<double, 2>("ce_train.x");
    const matrix y = f.tensor<double, 2>("ce_train.y");
    matrix bad_y = y;
    bad_y(7, 0) = 3.0;  // three classes: 0..2
    classifier<double> net;
    ctnn_test::load_weights(net, f, "ce_train.");
    ctnn::trainer trainer{net, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::sgd{.lr = 0.1}};
    REQUIRE_THROWS_MATCHES(trainer.train_step(x, bad_y), ctnn::invalid_argument,
                           Message("ctnn: softmax_cross_entropy: the target of row 7 is 3, "
                                   "not a class label: expected an integer in [0, 3), i.e. 0..2"));
    CHECK(ctnn_test::max_weight_error(net, f, "ce_train.") == 0.0);
    REQUIRE_THROWS_AS(trainer.fit(x, bad_y, {.epochs = 2}), ctnn::invalid_argument);
    CHECK(ctnn_test::max_weight_error(net, f, "ce_train.") == 0.0);
    const matrix half = y - 0.5;
    REQUIRE_THROWS_AS(trainer.evaluate(x, half), ctnn::invalid_argument);
    // Nothing else moved either: training on the good labels now is PyTorch's run from the start.
    const auto losses =
        trainer.fit(x, y, {.epochs = 10, .batch_size = 0, .shuffle = false}).epoch_losses;
    const auto& expected = f.values("ce_train.loss");
    for (std::size_t e = 0; e < 10; ++e) {
        INFO("epoch " << e);
        CHECK(std::abs(losses[e] - expected[e]) <= 1e-9 * expected[e]);
    }
}

TEST_CASE("losses: settings outside their domain are refused when the trainer is built",
          "[loss][huber][smooth_l1][validate]") {
    using ctnn::loss::huber;
    using ctnn::loss::smooth_l1;
    classifier<double> net;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const double delta : {0.0, -1.0, nan}) {
        INFO("delta " << delta);
        REQUIRE_THROWS_AS((ctnn::trainer{net, huber{.delta = delta}}), ctnn::invalid_argument);
        REQUIRE_THROWS_WITH(huber{.delta = delta}.validate(),
                            Contains("ctnn: huber needs delta > 0, got"));
    }
    for (const double beta : {-0.5, nan}) {
        INFO("beta " << beta);
        REQUIRE_THROWS_AS((ctnn::trainer{net, smooth_l1{.beta = beta}}), ctnn::invalid_argument);
        REQUIRE_THROWS_WITH(smooth_l1{.beta = beta}.validate(),
                            Contains("ctnn: smooth_l1 needs beta >= 0, got"));
    }
    CHECK_NOTHROW((ctnn::trainer{net, huber{.delta = 0.1}}));
    CHECK_NOTHROW((ctnn::trainer{net, smooth_l1{.beta = 0.0}}));  // torch's L1 case
}

namespace {
const ctnn_test::fixture& classification() {
    static const ctnn_test::fixture f("classification.txt");
    return f;
}

/// As check_against_torch, from classification.txt.
template <class Loss>
void check_classification_against_torch(const Loss& loss, const std::string& record, const std::string& prediction,
                                        const std::string& target) {
    INFO(Loss::name << " against " << record);
    const auto& f = classification();
    const matrix p = f.tensor<double, 2>(prediction);
    const matrix y = f.tensor<double, 2>(target);
    const double expected = f.scalar(record + ".loss");
    matrix g = matrix::from_shape(p.shape());
    CHECK(std::abs(ctnn::loss::value(loss, p, y) - expected) <= 1e-12 * std::abs(expected));
    CHECK(std::abs(ctnn::loss::value_and_gradient(loss, p, y, g) - expected) <= 1e-12 * std::abs(expected));
    const matrix expected_grad = f.tensor<double, 2>(record + ".grad");
    CTNN_REQUIRE_CLOSE(g, expected_grad, 1e-12);
}
}  // namespace

TEST_CASE("losses: class weights as CrossEntropyLoss's and NLLLoss's weight (1e-12)",
          "[loss][cross_entropy][nll][weights]") {
    const std::vector<double> w = classification().values("weights");
    check_classification_against_torch(ctnn::loss::softmax_cross_entropy{.class_weights = w}, "ce_w", "z", "labels");
    check_classification_against_torch(ctnn::loss::nll{.class_weights = w}, "nll_w", "logp", "labels");
    ctnn::rng r(22);
    const matrix z = 3.0 * r.normal_tensor<double>(6, 4);
    const matrix labels = random_labels(r, 6, 4);
    check_finite_differences(ctnn::loss::softmax_cross_entropy{.class_weights = w}, z, labels);
    check_finite_differences(ctnn::loss::nll{.class_weights = w}, z, labels);
    // all 1: the unweighted loss, bit for bit
    matrix g1 = matrix::from_shape(z.shape()), g = matrix::from_shape(z.shape());
    CHECK(ctnn::loss::value_and_gradient(ctnn::loss::softmax_cross_entropy{.class_weights = {1, 1, 1, 1}}, z, labels,
                                         g1)
          == ctnn::loss::value_and_gradient(ctnn::loss::softmax_cross_entropy{}, z, labels, g));
    CHECK((g1 == g));
}

TEST_CASE("losses: probability_cross_entropy as CrossEntropyLoss with probability targets (1e-12)",
          "[loss][cross_entropy][probabilities]") {
    using ctnn::loss::probability_cross_entropy;
    const std::vector<double> w = classification().values("weights");
    check_classification_against_torch(probability_cross_entropy{}, "pce", "z", "probs");
    check_classification_against_torch(probability_cross_entropy{.class_weights = w}, "pce_w", "z", "probs");
    check_classification_against_torch(probability_cross_entropy{}, "pce_onehot", "z", "onehot");
    // one-hot rows are class indices: the same loss and gradient as softmax_cross_entropy
    const auto& f = classification();
    const matrix z = f.tensor<double, 2>("z");
    matrix g_onehot = matrix::from_shape(z.shape()), g_index = matrix::from_shape(z.shape());
    const double onehot = ctnn::loss::value_and_gradient(probability_cross_entropy{}, z, f.tensor<double, 2>("onehot"),
                                                         g_onehot);
    const double index = ctnn::loss::value_and_gradient(ctnn::loss::softmax_cross_entropy{}, z,
                                                        f.tensor<double, 2>("labels"), g_index);
    CHECK(onehot == Approx(index).epsilon(1e-15));
    CTNN_REQUIRE_CLOSE(g_onehot, g_index, 1e-15);
    ctnn::rng r(23);
    check_finite_differences(probability_cross_entropy{.class_weights = w}, matrix(3.0 * r.normal_tensor<double>(6, 4)),
                             f.tensor<double, 2>("probs"));
    STATIC_REQUIRE(ctnn::loss_policy<probability_cross_entropy>);
    STATIC_REQUIRE(ctnn::detail::loss_target_width<probability_cross_entropy, 4>() == 4);
    STATIC_REQUIRE_FALSE(ctnn::detail::loss_fits_output<probability_cross_entropy, 1>());
    const matrix labels = f.tensor<double, 2>("labels");
    matrix g = matrix::from_shape(z.shape());
    CHECK_THROWS_MATCHES(ctnn::loss::value_and_gradient(probability_cross_entropy{}, z, labels, g), ctnn::shape_error,
                         Message("ctnn: probability_cross_entropy: the target has shape (6, 1), expected (6, 4): one "
                                 "probability per class and row (for class indices use loss::softmax_cross_entropy)"));
}

TEST_CASE("losses: value and value_and_gradient refuse a target or a gradient of another shape than the prediction",
          "[loss]") {
    const matrix prediction = {{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
    const matrix column = {{10.0}, {20.0}};  // read flat, it was read past its end
    const matrix transposed = matrix::from_shape({3, 2});
    matrix gradient = matrix::from_shape({2, 3}), small = matrix::from_shape({1, 1});
    CHECK_THROWS_MATCHES(ctnn::loss::value(ctnn::loss::mse{}, prediction, column), ctnn::shape_error,
                         Message("ctnn: mse: the target has shape (2, 1), expected (2, 3) (the prediction's)"));
    CHECK_THROWS_MATCHES(ctnn::loss::value(ctnn::loss::huber{}, prediction, transposed), ctnn::shape_error,
                         Message("ctnn: huber: the target has shape (3, 2), expected (2, 3) (the prediction's)"));
    CHECK_THROWS_AS(ctnn::loss::value_and_gradient(ctnn::loss::mse{}, prediction, column, gradient), ctnn::shape_error);
    CHECK_THROWS_WITH(ctnn::loss::value_and_gradient(ctnn::loss::mse{}, prediction, column, gradient),
                      Contains("the target has shape (2, 1)"));
    CHECK_THROWS_MATCHES(ctnn::loss::value_and_gradient(ctnn::loss::mse{}, prediction, prediction, small),
                         ctnn::shape_error,
                         Message("ctnn: mse: the gradient has shape (1, 1), expected (2, 3) (the prediction's)"));
    const matrix labels = {{0.0}, {2.0}};  // a row loss's gradient is checked too
    CHECK_THROWS_AS(ctnn::loss::value_and_gradient(ctnn::loss::softmax_cross_entropy{}, prediction, labels, small),
                    ctnn::shape_error);
    CHECK_THROWS_WITH(ctnn::loss::value_and_gradient(ctnn::loss::softmax_cross_entropy{}, prediction, labels, small),
                      Contains("the gradient has shape (1, 1), expected (2, 3)"));
    CHECK(ctnn::loss::value(ctnn::loss::mse{}, prediction, prediction) == 0.0);
    CHECK(ctnn::loss::value_and_gradient(ctnn::loss::softmax_cross_entropy{}, prediction, labels, gradient) > 0.0);
}

TEST_CASE("losses: class weights are checked: one per class, finite and >= 0",
          "[loss][cross_entropy][weights][validate]") {
    using ctnn::loss::softmax_cross_entropy;
    classifier<double> net;  // 3 classes
    CHECK_NOTHROW((ctnn::trainer{net, softmax_cross_entropy{.class_weights = {1.0, 0.0, 2.5}}}));
    CHECK_THROWS_MATCHES((ctnn::trainer{net, softmax_cross_entropy{.class_weights = {1.0, 2.0}}}),
                         ctnn::invalid_argument,
                         Message("ctnn: softmax_cross_entropy: class_weights has 2 entries, but the prediction has 3 "
                                 "classes; give one weight per class, or none"));
    CHECK_THROWS_MATCHES((ctnn::trainer{net, ctnn::loss::nll{.class_weights = {1.0, -2.0, 1.0}}}),
                         ctnn::invalid_argument,
                         Message("ctnn: nll: class_weights[1] is -2; a class weight is a finite number >= 0"));
    CHECK_THROWS_AS((ctnn::trainer{net, ctnn::loss::probability_cross_entropy{.class_weights = {1.0, 1.0, INFINITY}}}),
                    ctnn::invalid_argument);
    // outside a trainer, the loss itself refuses a count that does not fit
    const matrix z = {{0.1, 0.2, 0.3}};
    const matrix label = {{1.0}};
    CHECK_THROWS_WITH(ctnn::loss::value(softmax_cross_entropy{.class_weights = {1.0}}, z, label),
                      Contains("class_weights has 1 entries, but the prediction has 3 classes"));
}

TEST_CASE("losses: one-hot targets given to a class-index loss are refused with the way out",
          "[loss][cross_entropy][labels]") {
    classifier<double> net;
    ctnn::trainer trainer{net, ctnn::loss::softmax_cross_entropy{}};
    const matrix x = {{0.1, 0.2, 0.3, 0.4}, {0.5, 0.6, 0.7, 0.8}};
    const matrix onehot = {{0.0, 1.0, 0.0}, {1.0, 0.0, 0.0}};
    CHECK_THROWS_MATCHES(trainer.fit(x, onehot), ctnn::shape_error,
                         Message("ctnn: fit: y has shape (2, 3), one column per class, but softmax_cross_entropy "
                                 "reads one class label per row, (2, 1); for one-hot or probability targets use "
                                 "loss::probability_cross_entropy (on logits), or give each row's class index"));
    // the way out works
    ctnn::trainer soft{net, ctnn::loss::probability_cross_entropy{}};
    CHECK(std::isfinite(soft.train_step(x, onehot).loss));
}

namespace {
/// A user's row formula: cross-entropy with label smoothing ε (CrossEntropyLoss(label_smoothing=ε)),
/// (1 − ε)·(logsumexp(ŷ) − ŷ[y]) + ε·(logsumexp(ŷ) − Σ(ŷ)/C), C counted as Σ(1).
struct label_smoothing_cross_entropy {
    static constexpr std::string_view name = "label_smoothing_cross_entropy";
    static constexpr auto epsilon = ctnn::expr::rational<1, 10>{};
    static constexpr auto row_formula =
        ctnn::expr::log_sum_exp(ctnn::expr::prediction)
        - (ctnn::expr::rational<1>{} - epsilon) * ctnn::expr::at_label(ctnn::expr::prediction)
        - epsilon * ctnn::expr::row_sum(ctnn::expr::prediction) / ctnn::expr::row_sum(ctnn::expr::rational<1>{});
};
}  // namespace

TEST_CASE("losses: the cross-entropies are row formulas; their gradients print as derived", "[loss][expr]") {
    using ctnn::expr::to_string;
    CHECK(to_string(ctnn::loss::softmax_cross_entropy::row_formula) == "logsumexp(ŷ) − ŷ[y]");
    CHECK(to_string(ctnn::loss::gradient_formula<ctnn::loss::softmax_cross_entropy>())
          == "exp(ŷ − logsumexp(ŷ)) − [j = y]");
    CHECK(to_string(ctnn::loss::gradient_formula<ctnn::loss::nll>()) == "−[j = y]");
    CHECK(to_string(ctnn::loss::gradient_formula<ctnn::loss::probability_cross_entropy>())
          == "Σ(w·y)·exp(ŷ − logsumexp(ŷ)) − w·y");
    CHECK(to_string(ctnn::loss::gradient_formula<label_smoothing_cross_entropy>())
          == "exp(ŷ − logsumexp(ŷ)) − 0.9·[j = y] − 0.1/Σ(1)");
}

TEST_CASE("losses: a user's row formula (label smoothing) equals probability_cross_entropy on smoothed targets",
          "[loss][expr]") {
    STATIC_REQUIRE(ctnn::loss_policy<label_smoothing_cross_entropy>);
    ctnn::rng r(41);
    const matrix z = 3.0 * r.normal_tensor<double>(7, 5);
    const matrix labels = random_labels(r, 7, 5);
    matrix smoothed = matrix::from_shape({7, 5});
    for (std::size_t i = 0; i < 7; ++i)
        for (std::size_t j = 0; j < 5; ++j) smoothed(i, j) = 0.1 / 5 + (j == std::size_t(labels(i, 0)) ? 0.9 : 0.0);
    matrix g = matrix::from_shape({7, 5}), expected = matrix::from_shape({7, 5});
    const double l = ctnn::loss::value_and_gradient(label_smoothing_cross_entropy{}, z, labels, g);
    const double l_expected =
        ctnn::loss::value_and_gradient(ctnn::loss::probability_cross_entropy{}, z, smoothed, expected);
    CHECK(l == Approx(l_expected).epsilon(1e-13));
    CHECK(ctnn_test::max_relative_error(g, expected) < 1e-12);
    CHECK(ctnn::loss::value(label_smoothing_cross_entropy{}, z, labels) == Approx(l).epsilon(1e-15));
    check_finite_differences(label_smoothing_cross_entropy{}, z, labels);

    // a trainer reads it as it reads the built-in cross-entropies: one column of class labels,
    // each checked, because the formula picks ŷ[y] (nothing else declared)
    STATIC_REQUIRE(ctnn::detail::loss_target_width<label_smoothing_cross_entropy, 5>() == 1);
    ctnn::basic_network<double, ctnn::input<3>, ctnn::dense<5>> net(2);
    const matrix x = r.normal_tensor<double>(7, 3);
    ctnn::trainer trainer{net, label_smoothing_cross_entropy{}, ctnn::optim::sgd{.lr = 0.1}};
    const double before = trainer.evaluate(x, labels);
    CHECK(before == Approx(ctnn::loss::value(label_smoothing_cross_entropy{}, net.predict(x), labels)).epsilon(1e-15));
    trainer.train_step(x, labels);
    CHECK(trainer.evaluate(x, labels) < before);
    matrix bad = labels;
    bad(4, 0) = 5.0;  // one past the last class
    CHECK_THROWS_WITH(trainer.train_step(x, bad), Catch::Contains("row 4"));
}
