// A clip policy given where the monitor belongs.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using watcher = ctnn::clip::none;
#else
using watcher = ctnn::monitor::gradient_health;
#endif
using net = ctnn::network<ctnn::input<3>, ctnn::dense<1>>;
int main() {
    net model;
    ctnn::trainer<net, ctnn::loss::mse, ctnn::optim::sgd, ctnn::clip::none, ctnn::schedule::constant,
                  ctnn::regularize::none, watcher>
        trainer{model};
    return int(trainer.steps());
}
