// A convolution after a plain feature input: it slides over an image, so the network asks for
// image<C, H, W> and names the width it was given.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using net = ctnn::network<ctnn::input<16>, ctnn::conv2d<4, ctnn::kernel<3>>, ctnn::flatten, ctnn::dense<1>>;
#else
using net = ctnn::network<ctnn::image<1, 4, 4>, ctnn::conv2d<4, ctnn::kernel<3>>, ctnn::flatten, ctnn::dense<1>>;
#endif
int main() { return int(net::output_width); }
