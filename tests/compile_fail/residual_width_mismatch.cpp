// A residual block whose layers end at another width than they start with: x + F(x) is undefined.
#include <ctnn/core.hpp>

#ifdef CTNN_MUST_FAIL
using block = ctnn::residual<ctnn::dense<16, ctnn::relu>, ctnn::dense<12>>;
#else
using block = ctnn::residual<ctnn::dense<16, ctnn::relu>, ctnn::dense<8>>;
#endif
using net = ctnn::network<ctnn::input<4>, ctnn::dense<8, ctnn::tanh>, block, ctnn::dense<1>>;
int main() { return net::depth == 3 ? 0 : 1; }
