// flatten<> on a sequence: the width T·F would depend on the run-time length T.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using returns = ctnn::whole_sequence;
#else
using returns = ctnn::last_state;
#endif
using net = ctnn::network<ctnn::sequence<3>, ctnn::gru<8, returns>, ctnn::flatten, ctnn::dense<1>>;
int main() { return int(net::output_width); }
