// A dense layer right after an image input: it maps feature rows, so the network asks for a
// flatten<> first and names the layer and the image's (C, H, W).
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using net = ctnn::network<ctnn::image<3, 8, 8>, ctnn::dropout<>, ctnn::dense<10>>;
#else
using net = ctnn::network<ctnn::image<3, 8, 8>, ctnn::dropout<>, ctnn::flatten, ctnn::dense<10>>;
#endif
int main() { return int(net::output_width); }
