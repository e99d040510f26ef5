// A 2×2 max pool dilated by 3 and padded by 1 over a 2×2 image: its one window's taps both fall
// in the padding, with no maximum to take (PyTorch gives −inf); over a 4×4 image every window
// holds a pixel.
#include <ctnn/ctnn.hpp>

using pool = ctnn::max_pool2d<ctnn::kernel<2>, ctnn::dilation<3>, ctnn::padding<1>>;
#ifdef CTNN_MUST_FAIL
using net = ctnn::network<ctnn::image<1, 2, 2>, pool, ctnn::flatten, ctnn::dense<1>>;
#else
using net = ctnn::network<ctnn::image<1, 4, 4>, pool, ctnn::flatten, ctnn::dense<1>>;
#endif
int main() { return int(net::output_width); }
