// A trainer's policies given in any order: each argument is sorted into its slot (loss,
// optimizer, clip, schedule, regularizer, monitor, distribution) by the one concept it models; a slot nobody
// fills keeps its default.
#pragma once

#include <type_traits>

#include "ctnn/concepts/clip.hpp"
#include "ctnn/concepts/distribution.hpp"
#include "ctnn/concepts/loss.hpp"
#include "ctnn/concepts/monitor.hpp"
#include "ctnn/concepts/optimizer.hpp"
#include "ctnn/concepts/regularizer.hpp"
#include "ctnn/concepts/schedule.hpp"

namespace ctnn::detail {

enum class policy_kind { loss, optimizer, clip, schedule, regularizer, monitor, distribution };

/// How many of the seven policy concepts P models: a trainer argument must model exactly one.
template <class P>
constexpr int policy_kinds_modelled() {
    return int(loss_policy<P>) + int(optimizer_policy<P>) + int(clip_policy<P>) + int(schedule_policy<P>)
         + int(regularizer_policy<P>) + int(monitor_policy<P>) + int(distribution_policy<P>);
}

template <class P>
constexpr bool is_policy_of(policy_kind kind) {
    switch (kind) {
        case policy_kind::loss: return loss_policy<P>;
        case policy_kind::optimizer: return optimizer_policy<P>;
        case policy_kind::clip: return clip_policy<P>;
        case policy_kind::schedule: return schedule_policy<P>;
        case policy_kind::regularizer: return regularizer_policy<P>;
        case policy_kind::monitor: return monitor_policy<P>;
        case policy_kind::distribution: return distribution_policy<P>;
    }
    return false;
}

/// The first of Ps that is a policy of `Kind`, or Default.
template <policy_kind Kind, class Default, class... Ps>
struct policy_of_kind {
    using type = Default;
};
template <policy_kind Kind, class Default, class P, class... Ps>
struct policy_of_kind<Kind, Default, P, Ps...> {
    using type = std::conditional_t<is_policy_of<P>(Kind), P, typename policy_of_kind<Kind, Default, Ps...>::type>;
};
template <policy_kind Kind, class Default, class... Ps>
using policy_of_kind_t = typename policy_of_kind<Kind, Default, Ps...>::type;

/// The argument of type Slot among ps, or a default Slot.
template <class Slot>
Slot pick_policy() {
    return Slot{};
}
template <class Slot, class P, class... Ps>
Slot pick_policy(const P& p, const Ps&... ps) {
    if constexpr (std::is_same_v<P, Slot>)
        return p;
    else
        return pick_policy<Slot>(ps...);
}

}  // namespace ctnn::detail
