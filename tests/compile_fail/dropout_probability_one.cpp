// dropout with p = 1 is refused at compile time; its twin (p = 9/10) compiles.
#include <ctnn/ctnn.hpp>

#ifdef CTNN_MUST_FAIL
using p = std::ratio<1>;
#else
using p = std::ratio<9, 10>;
#endif
int main() {
    ctnn::network<ctnn::input<4>, ctnn::dense<3>, ctnn::dropout<p>, ctnn::dense<1>> net;
    return int(net.output_width) - 1;
}
