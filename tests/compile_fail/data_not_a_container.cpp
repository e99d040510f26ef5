// A std::vector handed to fit: ctnn reads xtensor containers in place; the error says so in its
// first lines instead of "no matching function".
#include <ctnn/ctnn.hpp>

#include <vector>

int main() {
    ctnn::network<ctnn::input<3>, ctnn::dense<1>> net;
    ctnn::trainer trainer{net};
#ifdef CTNN_MUST_FAIL
    const std::vector<float> x(6), y(2);
#else
    const auto x = ctnn::tensor<float, 2>::from_shape({2, 3});
    const auto y = ctnn::tensor<float, 2>::from_shape({2, 1});
#endif
    return int(trainer.fit(x, y, {.epochs = 0}).epoch_losses.size());
}
