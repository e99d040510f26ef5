// A recurrent layer after one that returned only its last state: there is no time axis left.
#include <ctnn/ctnn.hpp>
#include <ctnn/layers/rnn.hpp>

#ifdef CTNN_MUST_FAIL
using first_returns = ctnn::last_state;
#else
using first_returns = ctnn::whole_sequence;
#endif
using net = ctnn::network<ctnn::sequence<3>, ctnn::rnn<8, ctnn::tanh, first_returns>, ctnn::rnn<4>, ctnn::dense<1>>;
int main() { return int(net::output_width); }
