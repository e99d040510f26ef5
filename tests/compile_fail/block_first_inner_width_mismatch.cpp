// The first layer inside a block that is the network's first layer declares an input width the
// data does not have: the diagnostic still names it as the block's inner layer 0 (that layer
// computes no input gradient, and its position once said so as at_layer<0>).
#include <ctnn/core.hpp>

#ifdef CTNN_MUST_FAIL
using block = ctnn::residual<ctnn::dense<4, ctnn::relu, ctnn::init::pytorch_default, 6>, ctnn::dense<8>>;
#else
using block = ctnn::residual<ctnn::dense<4, ctnn::relu, ctnn::init::pytorch_default, 8>, ctnn::dense<8>>;
#endif
using net = ctnn::network<ctnn::input<8>, block, ctnn::dense<1>>;
int main() { return net::depth == 2 ? 0 : 1; }
