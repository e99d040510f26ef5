// A layer inside a residual block declares an input width its predecessor in the block does not
// give: the diagnostic names it as the block's inner layer, not by a position the network lacks.
#include <ctnn/core.hpp>

#ifdef CTNN_MUST_FAIL
using block = ctnn::residual<ctnn::dense<8>, ctnn::dense<8>, ctnn::dense<8, ctnn::relu, ctnn::init::pytorch_default, 5>>;
#else
using block = ctnn::residual<ctnn::dense<8>, ctnn::dense<8>, ctnn::dense<8, ctnn::relu, ctnn::init::pytorch_default, 8>>;
#endif
using net = ctnn::network<ctnn::input<10>, ctnn::dense<8>, ctnn::dense<8>, block>;
int main() { return net::depth == 3 ? 0 : 1; }
