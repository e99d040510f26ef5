// metrics/: accuracy, binary_accuracy, confusion_matrix and mean_absolute_error against values
// worked out by hand, and their refusals.
#include <ctnn/metrics/accuracy.hpp>
#include <ctnn/metrics/binary_accuracy.hpp>
#include <ctnn/metrics/confusion_matrix.hpp>
#include <ctnn/metrics/mean_absolute_error.hpp>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

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
                                 "1, classes >= 2); for one output per row use binary_accuracy"));
    CHECK_THROWS_MATCHES(ctnn::metrics::accuracy(scores, matrix{{0}, {1}}), ctnn::shape_error,
                         Message("ctnn: accuracy: the target has shape (2, 1), expected (5, 1): "
                                 "one class label per row"));
    CHECK_THROWS_MATCHES(ctnn::metrics::accuracy(scores, matrix{{0}, {1}, {3}, {0}, {0}}),
                         ctnn::invalid_argument,
                         Message("ctnn: accuracy: the target of row 2 is 3, not a class label: "
                                 "expected an integer in [0, 3), i.e. 0..2"));
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
