// An activation given where the init policy belongs.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using init = ctnn::relu;
#else
using init = ctnn::init::kaiming_uniform<>;
#endif
using net = ctnn::network<ctnn::input<10>, ctnn::dense<5, ctnn::relu, init>, ctnn::dense<1>>;
int main() { return int(net::parameter_count) == 61 ? 0 : 1; }
