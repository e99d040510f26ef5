// regularize::layers<5> on a network of two layers would penalize nothing: the diagnostic names
// the position and the network's depth.
#include <ctnn/core.hpp>

using net = ctnn::network<ctnn::input<3>, ctnn::dense<4, ctnn::tanh>, ctnn::dense<1>>;

int main() {
    net n(1);
#ifdef CTNN_MUST_FAIL
    using chosen = ctnn::regularize::layers<0, 5>;
#else
    using chosen = ctnn::regularize::layers<0, 1>;
#endif
    const auto x = ctnn::tensor<float, 2>::from_shape({2, 3});
    const auto y = ctnn::tensor<float, 2>::from_shape({2, 1});
    ctnn::trainer trainer{n, ctnn::loss::mse{}, ctnn::regularize::l2<chosen>{.lambda = 0.1}};
    return trainer.train_step(x, y).applied ? 0 : 1;
}
