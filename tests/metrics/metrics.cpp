// metrics/: accuracy, binary_accuracy, confusion_matrix and mean_absolute_error against values
// worked out by hand, precision, recall, F1 and roc_auc against scikit-learn, and their refusals.
#include <ctnn/metrics/accuracy.hpp>
#include <ctnn/metrics/binary_accuracy.hpp>
#include <ctnn/metrics/confusion_matrix.hpp>
#include <ctnn/metrics/mean_absolute_error.hpp>
#include <ctnn/metrics/roc_auc.hpp>

#include <xtensor/xview.hpp>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/fixture.hpp"

namespace {
using Catch::Matchers::Contains;
using Catch::Matchers::Message;
using matrix = ctnn::tensor<double, 2>;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Five rows of three classes. Argmax by row: 0, 2, 1 (tie 1 = 1 > 0: the first), 1 (NaN wins,
// as torch.argmax), 2.
const matrix scores = {{2.0, 1.0, -1.0},
                       {0.1, 0.2, 0.3},
                       {-5.0, 4.0, 4.0},
                       {1.0, nan, 3.0},
                       {0.0, -1.0, 0.5}};
// True classes: 0 (right), 1 (predicted 2), 1 (right), 0 (predicted 1), 2 (right).
const ctnn::tensor<double, 2> labels = {{0}, {1}, {1}, {0}, {2}};
}  // namespace

TEST_CASE("accuracy: argmax of scores against class labels", "[metrics]") {
    CHECK(ctnn::metrics::accuracy(scores, labels) == 3.0 / 5.0);
    const ctnn::tensor<float, 2> f = {{0.9f, 0.1f}, {0.3f, 0.7f}};
    CHECK(ctnn::metrics::accuracy(f, ctnn::tensor<float, 2>{{0}, {0}}) == 0.5);
    CHECK(ctnn::metrics::accuracy(f, ctnn::tensor<float, 2>{{0}, {1}}) == 1.0);

    CHECK_THROWS_MATCHES(ctnn::metrics::accuracy(matrix{{1}, {2}}, matrix{{0}, {1}}),
                         ctnn::shape_error,
                         Message("ctnn: accuracy: the scores have shape (2, 1), expected (rows >= "
                                 "1, classes >= 2), or (B, T, classes) per step; for one output per row use "
                                 "binary_accuracy"));
    CHECK_THROWS_MATCHES(ctnn::metrics::accuracy(scores, matrix{{0}, {1}}), ctnn::shape_error,
                         Message("ctnn: accuracy: the target has shape (2, 1), expected (5, 1): "
                                 "one class label per row"));
    CHECK_THROWS_MATCHES(ctnn::metrics::accuracy(scores, matrix{{0}, {1}, {3}, {0}, {0}}),
                         ctnn::invalid_argument,
                         Message("ctnn: accuracy: the target of row 2 is 3, not a class label: "
                                 "expected an integer in [0, 3), i.e. 0..2"));
}

TEST_CASE("accuracy per step: scores (B, T, C) against labels (B, T), over each sequence's real steps",
          "[metrics]") {
    // argmax per step: sequence 0 → 0, 1, 1; sequence 1 → 1, 0, 0
    const ctnn::tensor<double, 3> per_step = {{{2.0, 1.0}, {0.0, 3.0}, {-1.0, 1.0}},
                                              {{0.5, 0.7}, {4.0, -4.0}, {1.0, 0.0}}};
    const matrix tags = {{0, 1, 0}, {1, 1, 0}};
    CHECK(ctnn::metrics::accuracy(per_step, tags) == 4.0 / 6.0);
    const ctnn::tensor<double, 3> tags_column = {{{0}, {1}, {0}}, {{1}, {1}, {0}}};
    CHECK(ctnn::metrics::accuracy(per_step, tags_column) == 4.0 / 6.0);
    // sequence 1 is one step long: its padded steps' placeholders are never read
    const matrix padded_tags = {{0, 1, 0}, {1, -100, -100}};
    const std::vector<std::size_t> lengths = {3, 1};
    CHECK(ctnn::metrics::accuracy(per_step, padded_tags, lengths) == 3.0 / 4.0);

    CHECK_THROWS_MATCHES(ctnn::metrics::accuracy(per_step, padded_tags), ctnn::invalid_argument,
                         Message("ctnn: accuracy: the target of sequence 1, step 1 is -100, not a class label: "
                                 "expected an integer in [0, 2)"));
    CHECK_THROWS_MATCHES(ctnn::metrics::accuracy(per_step, labels), ctnn::shape_error,
                         Message("ctnn: accuracy: the target has shape (5, 1), expected (2, 3): one class label "
                                 "per step"));
    CHECK_THROWS_MATCHES(ctnn::metrics::accuracy(per_step, tags, std::vector<std::size_t>{3, 4}),
                         ctnn::invalid_argument, Message("ctnn: accuracy: sequence 1 has length 4 but x has 3 steps"));
    CHECK_THROWS_MATCHES(ctnn::metrics::accuracy(scores, labels, lengths), ctnn::shape_error,
                         Message("ctnn: accuracy: lengths are for scores per step (B, T, classes), and the scores "
                                 "have shape (5, 3)"));
}

TEST_CASE("binary_accuracy: outputs above the threshold say 1", "[metrics]") {
    const matrix logits = {{-2.0}, {0.5}, {3.0}, {-0.1}};
    const matrix targets = {{0}, {1}, {0}, {1}};
    CHECK(ctnn::metrics::binary_accuracy(logits, targets, 0.0) == 0.5);   // right: rows 0, 1
    CHECK(ctnn::metrics::binary_accuracy(logits, targets, 1.0) == 0.25);  // right: row 0
    const matrix probabilities = {{0.2, 0.6}, {0.5, 0.9}};
    CHECK(ctnn::metrics::binary_accuracy(probabilities, matrix{{0, 1}, {1, 1}}, 0.5) == 0.75);

    CHECK_THROWS_MATCHES(ctnn::metrics::binary_accuracy(logits, matrix{{0}, {1}, {2}, {1}}, 0.0),
                         ctnn::invalid_argument,
                         Message("ctnn: binary_accuracy: target element 2 is 2, expected 0 or 1"));
    CHECK_THROWS_MATCHES(ctnn::metrics::binary_accuracy(logits, matrix{{0}, {1}}, 0.0),
                         ctnn::shape_error,
                         Message("ctnn: binary_accuracy: the outputs have shape (4, 1) and the "
                                 "targets (2, 1), expected the same non-empty shape"));
}

TEST_CASE("confusion_matrix: counts by true and predicted class, and its table", "[metrics]") {
    ctnn::metrics::confusion_matrix cm(3);
    cm.add(scores, labels);
    // (true, predicted): (0,0) (1,2) (1,1) (0,1) (2,2)
    const std::size_t expected[3][3] = {{1, 1, 0}, {0, 1, 1}, {0, 0, 1}};
    for (std::size_t t = 0; t < 3; ++t)
        for (std::size_t p = 0; p < 3; ++p) CHECK(cm(t, p) == expected[t][p]);
    CHECK(cm.total() == 5);
    CHECK(cm.accuracy() == ctnn::metrics::accuracy(scores, labels));

    cm.add(2, 0);
    CHECK(cm(2, 0) == 1);
    CHECK(cm.table()
          == "true \\ predicted  0  1  2\n"
             "               0  1  1  0\n"
             "               1  0  1  1\n"
             "               2  1  0  1\n");

    // A bad label anywhere in a batch adds nothing.
    CHECK_THROWS_AS(cm.add(scores, matrix{{0}, {1}, {1}, {0}, {7}}), ctnn::invalid_argument);
    CHECK(cm.total() == 6);
    CHECK_THROWS_MATCHES(cm.add(matrix{{1, 2}}, matrix{{0}}), ctnn::shape_error,
                         Message("ctnn: confusion_matrix::add: scores has shape (1, 2), expected "
                                 "(rows, 3)"));
    CHECK_THROWS_MATCHES(cm.add(3, 0), ctnn::invalid_argument,
                         Message("ctnn: confusion_matrix::add: classes are 0..2, got true class 3 "
                                 "and predicted class 0"));
    CHECK_THROWS_AS(cm(0, 3), ctnn::invalid_argument);
    cm.reset();
    CHECK(cm.total() == 0);
    CHECK(cm.accuracy() == 0.0);

    ctnn::metrics::confusion_matrix named(2, {"cat", "dog"});
    named.add(matrix{{0.0, 1.0}, {0.0, 1.0}, {1.0, 0.0}}, matrix{{1}, {1}, {1}});
    std::ostringstream os;
    os << named;
    CHECK(os.str()
          == "true \\ predicted  cat  dog\n"
             "             cat    0    0\n"
             "             dog    1    2\n");
    CHECK_THROWS_MATCHES(ctnn::metrics::confusion_matrix(3, {"a", "b"}), ctnn::invalid_argument,
                         Message("ctnn: confusion_matrix has 3 classes but 2 names; give one name "
                                 "per class or none"));
}

TEST_CASE("mean_absolute_error: the mean of |prediction - target|", "[metrics]") {
    const matrix prediction = {{1.0, -2.0}, {0.5, 4.0}};
    const matrix target = {{0.0, 1.0}, {0.5, 2.0}};
    CHECK(ctnn::metrics::mean_absolute_error(prediction, target) == (1.0 + 3.0 + 0.0 + 2.0) / 4);
    const ctnn::tensor<float, 2> f = {{1.5f}};
    CHECK(ctnn::metrics::mean_absolute_error(f, ctnn::tensor<float, 2>{{-1.0f}}) == 2.5);
    CHECK_THROWS_MATCHES(ctnn::metrics::mean_absolute_error(prediction, matrix{{0, 1}}),
                         ctnn::shape_error,
                         Message("ctnn: mean_absolute_error: the prediction has shape (2, 2) and "
                                 "the target (1, 2), expected the same non-empty shape"));
}

namespace {
const ctnn_test::fixture& sklearn() {
    static const ctnn_test::fixture f("metrics.txt");
    return f;
}
bool close(double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)); }
}  // namespace

TEST_CASE("confusion_matrix: precision, recall and F1 per class and macro, as scikit-learn", "[metrics]") {
    const auto& f = sklearn();
    ctnn::metrics::confusion_matrix cm(4);
    cm.add(f.tensor<double, 2>("cls.scores"), f.tensor<double, 2>("cls.labels"));
    const auto& precision = f.values("cls.precision");
    const auto& recall = f.values("cls.recall");
    const auto& f1 = f.values("cls.f1");
    for (std::size_t c = 0; c < 4; ++c) {
        INFO("class " << c);
        CHECK(close(cm.precision(c), precision[c]));
        CHECK(close(cm.recall(c), recall[c]));
        CHECK(close(cm.f1(c), f1[c]));
    }
    CHECK(cm.precision(3) == 0.0);  // never predicted: zero_division=0
    const auto& macro = f.values("cls.macro");
    CHECK(close(cm.macro_precision(), macro[0]));
    CHECK(close(cm.macro_recall(), macro[1]));
    CHECK(close(cm.macro_f1(), macro[2]));
    CHECK_THROWS_MATCHES(cm.recall(4), ctnn::invalid_argument,
                         Message("ctnn: confusion_matrix::recall: classes are 0..3, got 4"));
}

TEST_CASE("roc_auc: binary and one-vs-rest macro, ties counting half, as scikit-learn", "[metrics]") {
    const auto& f = sklearn();
    const matrix s = f.tensor<double, 2>("auc.scores");
    const matrix y = f.tensor<double, 2>("auc.labels");
    CHECK(close(ctnn::metrics::roc_auc(s, y), f.scalar("auc.value")));
    // any order-keeping transform of the scores gives the same area: logits or probabilities
    const matrix probabilities = 1.0 / (1.0 + xt::exp(-s));
    CHECK(close(ctnn::metrics::roc_auc(probabilities, y), f.scalar("auc.value")));
    // several classes: each column against the rest, so the scores must be comparable across
    // rows per class: probabilities (a softmax of the logits), as scikit-learn requires
    const matrix logits = f.tensor<double, 2>("cls.scores");
    const matrix exp_logits = xt::exp(logits);
    const matrix softmax = exp_logits / xt::view(xt::sum(exp_logits, {1}), xt::all(), xt::newaxis());
    const matrix labels4 = f.tensor<double, 2>("cls.labels");
    CHECK(close(ctnn::metrics::roc_auc(softmax, labels4), f.scalar("ovr.value")));
    CHECK_FALSE(close(ctnn::metrics::roc_auc(logits, labels4), f.scalar("ovr.value")));  // logits are not

    // by hand: positives 0.9 and 0.4, negatives 0.4 and 0.1: pairs (0.9, ·) 2, (0.4, 0.4) ½, (0.4, 0.1) 1
    CHECK(ctnn::metrics::roc_auc(matrix{{0.9}, {0.4}, {0.4}, {0.1}}, matrix{{1}, {1}, {0}, {0}}) == 3.5 / 4.0);
    CHECK_THROWS_MATCHES((ctnn::metrics::roc_auc(matrix{{0.9}, {0.4}}, matrix{{1}, {1}})), ctnn::invalid_argument,
                         Message("ctnn: roc_auc: every row is of class 1; the area is defined only when each "
                                 "class has rows and so has the other"));
    CHECK_THROWS_WITH((ctnn::metrics::roc_auc(matrix{{0.9}, {std::numeric_limits<double>::quiet_NaN()}}, matrix{{1}, {0}})),
                      Contains("the score of row 1 is NaN"));
    CHECK_THROWS_WITH((ctnn::metrics::roc_auc(matrix{{0.9}, {0.1}}, matrix{{1}, {2}})),
                      Contains("the target of row 1 is 2, not a class label"));
}
