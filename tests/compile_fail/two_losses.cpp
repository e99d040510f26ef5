// Policies in any order, but two of one kind: which loss was meant?
#include <ctnn/core.hpp>

using net = ctnn::network<ctnn::input<10>, ctnn::dense<5, ctnn::relu>, ctnn::dense<1>>;
int main() {
    net model;
#ifdef CTNN_MUST_FAIL
    ctnn::trainer trainer{model, ctnn::optim::adam{}, ctnn::loss::mse{}, ctnn::loss::mae{}};
#else
    ctnn::trainer trainer{model, ctnn::optim::adam{}, ctnn::loss::mse{}};
#endif
    return trainer.steps() == 0 ? 0 : 1;
}
