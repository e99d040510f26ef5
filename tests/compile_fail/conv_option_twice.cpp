// Two paddings for one convolution: the layer names the option given twice.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using conv = ctnn::conv2d<4, ctnn::kernel<3>, ctnn::padding<1>, ctnn::relu, ctnn::padding<2>>;
#else
using conv = ctnn::conv2d<4, ctnn::kernel<3>, ctnn::padding<1>, ctnn::relu, ctnn::stride<2>>;
#endif
using net = ctnn::network<ctnn::image<1, 8, 8>, conv, ctnn::flatten, ctnn::dense<1>>;
int main() { return int(net::output_width); }
