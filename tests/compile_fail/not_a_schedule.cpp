// An optimizer given where the learning-rate schedule belongs.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using schedule = ctnn::optim::sgd;
#else
using schedule = ctnn::schedule::exponential;
#endif
using net = ctnn::network<ctnn::input<3>, ctnn::dense<1>>;
int main() {
    net model;
    ctnn::trainer<net, ctnn::loss::mse, ctnn::optim::sgd, ctnn::clip::none, schedule> trainer{model};
    return int(trainer.epochs());
}
