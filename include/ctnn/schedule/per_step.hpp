// schedule::per_step<S>: schedule S stepped after every training step instead of every epoch,
// as a PyTorch loop that calls scheduler.step() after each optimizer.step() (warm-up, OneCycle,
// cosine with warm restarts over batches). S's clock then counts steps: its `t_max`,
// `total_iters` or `total_steps` are in steps, and reduce_on_plateau judges each batch's loss.
#pragma once

#include <string_view>

namespace ctnn::schedule {

/// `schedule::per_step<schedule::cosine_annealing>{{.t_max = 40}}`: S's settings, S's rates,
/// one rate per step. The trainer tells the two apart by `steps_per_batch`.
template <class S>
struct per_step : S {
    static constexpr std::string_view name = S::name;
    static constexpr bool steps_per_batch = true;
};

}  // namespace ctnn::schedule
