// A 5×5 kernel over a 4×4 image without padding: no output position fits, so the network names
// the layer, the image (C, H, W) and the window.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using net = ctnn::network<ctnn::image<1, 4, 4>, ctnn::conv2d<8, ctnn::kernel<5>>, ctnn::flatten, ctnn::dense<1>>;
#else
using net = ctnn::network<ctnn::image<1, 4, 4>, ctnn::conv2d<8, ctnn::kernel<5>, ctnn::padding<1>>, ctnn::flatten,
                          ctnn::dense<1>>;
#endif
int main() { return int(net::output_width); }
