// double data into a float network: refused at compile time, never converted silently; one
// error for predict and one for train_step, not a "no matching function" from their bodies too.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using data_scalar = double;
#else
using data_scalar = float;
#endif
using net = ctnn::network<ctnn::input<3>, ctnn::dense<1>>;
int main() {
    net model;
    const auto x = ctnn::tensor<data_scalar, 2>::from_shape({2, 3});
    const auto y = ctnn::tensor<float, 2>::from_shape({2, 1});
    ctnn::trainer train{model, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.1}};
    if (false) train.train_step(x, y);
    return int(model.predict(x).size()) - 2;
}
