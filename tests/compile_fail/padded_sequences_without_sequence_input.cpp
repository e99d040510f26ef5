// padded_sequences given to a network that reads rows, not sequences: there are no steps to
// pad, refused at compile time.
#include <ctnn/ctnn.hpp>

#include <vector>

#ifdef CTNN_MUST_FAIL
using net = ctnn::network<ctnn::input<3>, ctnn::dense<1>>;
#else
using net = ctnn::network<ctnn::sequence<3>, ctnn::rnn<1>>;
#endif
int main() {
    net model;
    const auto x = ctnn::tensor<float, 3>::from_shape({2, 4, 3});
    const std::vector<int> lengths{4, 2};
    return int(model.predict(ctnn::padded_sequences(x, lengths)).size()) - 2;
}
