// double data into a float network: refused at compile time, never converted silently.
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
    return int(model.predict(x).size()) - 2;
}
