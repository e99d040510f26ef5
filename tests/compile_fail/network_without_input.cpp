// A network whose first type is a layer instead of ctnn::input<N>.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using net = ctnn::network<ctnn::dense<3>, ctnn::dense<1>>;
#else
using net = ctnn::network<ctnn::input<3>, ctnn::dense<1>>;
#endif
int main() { return int(net::parameter_count) == 4 ? 0 : 1; }
