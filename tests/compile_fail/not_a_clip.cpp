// `int` given where the clip policy belongs.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using clip = int;
#else
using clip = ctnn::clip::by_global_norm;
#endif
using net = ctnn::network<ctnn::input<3>, ctnn::dense<1>>;
int main() {
    net model;
    ctnn::trainer<net, ctnn::loss::mse, ctnn::optim::sgd, clip> trainer{model};
    return int(trainer.steps());
}
