// A user-written row loss that reads ŷ outside its reductions: a row formula is one value per
// row, and ŷ alone is one per class.
#include <ctnn/ctnn.hpp>

using namespace ctnn::expr;

struct margin {
    static constexpr std::string_view name = "margin";
#ifdef CTNN_MUST_FAIL
    static constexpr auto row_formula = log_sum_exp(prediction) - prediction;
#else
    static constexpr auto row_formula = log_sum_exp(prediction) - at_label(prediction);
#endif
};
using net = ctnn::network<ctnn::input<3>, ctnn::dense<4>>;
int main() {
    net model;
    ctnn::trainer trainer{model, margin{}};
    return int(trainer.steps());
}
