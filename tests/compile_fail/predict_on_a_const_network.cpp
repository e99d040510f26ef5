// predict on a const network: the forward pass writes the network's work buffers. One error,
// not a second where its result is used.
#include <ctnn/ctnn.hpp>

using net = ctnn::network<ctnn::input<3>, ctnn::dense<2>>;

#ifdef CTNN_MUST_FAIL
using model = const net;
#else
using model = net;
#endif

int main() {
    model m(1);
    const ctnn::tensor<float, 2> x = ctnn::tensor<float, 2>::from_shape({1, 3});
    const auto y = m.predict(x);
    return int(y.size()) - 2;
}
