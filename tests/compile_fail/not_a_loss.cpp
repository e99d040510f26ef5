// An optimizer given where the loss belongs.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using loss = ctnn::optim::sgd;
#else
using loss = ctnn::loss::mse;
#endif
using net = ctnn::network<ctnn::input<3>, ctnn::dense<1>>;
int main() {
    net model;
    ctnn::trainer<net, loss> trainer{model};
    return int(trainer.steps());
}
