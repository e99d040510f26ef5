// A loss given where the penalty belongs.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using penalty = ctnn::loss::mse;
#else
using penalty = ctnn::regularize::l2<>;
#endif
using net = ctnn::network<ctnn::input<3>, ctnn::dense<1>>;
int main() {
    net model;
    ctnn::trainer<net, ctnn::loss::mse, ctnn::optim::sgd, ctnn::clip::none, ctnn::schedule::constant, penalty>
        trainer{model};
    return int(trainer.steps());
}
