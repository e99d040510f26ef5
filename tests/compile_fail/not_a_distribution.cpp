// A monitor policy given where the distribution belongs (the trainer's 8th argument).
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using where = ctnn::monitor::none;
#else
using where = ctnn::distribute::single_process;
#endif
using net = ctnn::network<ctnn::input<3>, ctnn::dense<1>>;
int main() {
    net model;
    ctnn::trainer<net, ctnn::loss::mse, ctnn::optim::sgd, ctnn::clip::none, ctnn::schedule::constant,
                  ctnn::regularize::none, ctnn::monitor::none, where>
        trainer{model};
    return int(trainer.steps());
}
