// A 2×2 max pool padded by 2: a window could hold padding only, which PyTorch refuses too.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using pool = ctnn::max_pool2d<ctnn::kernel<2>, ctnn::padding<2>>;
#else
using pool = ctnn::max_pool2d<ctnn::kernel<2>, ctnn::padding<1>>;
#endif
using net = ctnn::network<ctnn::image<2, 8, 8>, ctnn::conv2d<4, ctnn::kernel<3>>, pool, ctnn::flatten, ctnn::dense<1>>;
int main() { return int(net::output_width); }
