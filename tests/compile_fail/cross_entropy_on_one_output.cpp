// Softmax cross-entropy on a network with one output: a softmax over one class is constantly 1.
#include <ctnn/ctnn.hpp>
#include <ctnn/loss/softmax_cross_entropy.hpp>

#ifdef CTNN_MUST_FAIL
constexpr std::size_t outputs = 1;
#else
constexpr std::size_t outputs = 3;
#endif
using net = ctnn::network<ctnn::input<4>, ctnn::dense<outputs>>;
int main() {
    net model;
    ctnn::trainer<net, ctnn::loss::softmax_cross_entropy> trainer{model};
    return int(trainer.steps());
}
