// A layer that declares its input width (4) differently from the previous layer's output (5).
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
constexpr std::size_t declared = 4;
#else
constexpr std::size_t declared = 5;
#endif
using net = ctnn::network<ctnn::input<10>, ctnn::dense<5, ctnn::relu>,
                          ctnn::dense<1, ctnn::identity, ctnn::init::pytorch_default, declared>>;
int main() { return int(net::parameter_count) == 61 ? 0 : 1; }
