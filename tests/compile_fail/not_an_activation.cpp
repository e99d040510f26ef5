// `int` given where an activation belongs.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using act = int;
#else
using act = ctnn::relu;
#endif
using net = ctnn::network<ctnn::input<10>, ctnn::dense<5, act>, ctnn::dense<1>>;
int main() {
    net n;  // the whole network: the refusal is its only error
    return int(net::parameter_count) == 61 ? 0 : 1;
}
