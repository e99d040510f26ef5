// A layer with no output units.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
constexpr std::size_t width = 0;
#else
constexpr std::size_t width = 3;
#endif
using net = ctnn::network<ctnn::input<10>, ctnn::dense<5, ctnn::relu>, ctnn::dense<width>>;
int main() {
    net n;  // the whole network: the refusal is its only error
    return int(net::output_width);
}
