// A dense layer that declares 3136 inputs after flattening a (32, 7, 7) image (1568 values): the
// network names the image the width comes from.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
constexpr std::size_t declared = 3136;
#else
constexpr std::size_t declared = 1568;
#endif
using net = ctnn::network<ctnn::image<1, 14, 14>, ctnn::conv2d<32, ctnn::kernel<3>, ctnn::padding<1>>,
                          ctnn::max_pool2d<ctnn::kernel<2>>, ctnn::flatten,
                          ctnn::dense<10, ctnn::identity, ctnn::init::pytorch_default, declared>>;
int main() { return int(net::output_width); }
