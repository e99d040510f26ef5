// What a gradient-health monitor policy must provide.
#pragma once

#include <concepts>
#include <string>
#include <string_view>

#include "ctnn/train/fit_options.hpp"

namespace ctnn {

namespace detail {
/// The smallest network a monitor may watch: something whose layers and parameters it can visit.
struct monitor_network_archetype {
    template <class F>
    void for_each_layer(F&&) {}
    template <class F>
    void for_each_parameter(F&&) {}
};
}  // namespace detail

/// Watches training from inside the trainer's step. `observe_gradients(net, step)` runs after
/// backward and the penalty, before clipping (if the step's loss is not finite, backward did not
/// run and the gradients are not this step's); it returns false to refuse the step.
/// `before_update(net)` and `observe_update(net, step)` run just before and after the optimizer
/// update of an accepted step; the optional `observe_refused_update(net, step)` runs instead of
/// the latter when the update turned finite gradients into non-finite weights, before they are
/// put back, the optional `observe_non_finite_data(step)` after a refused step whose batch
/// held a non-finite value (step.non_finite_data names it), and the optional
/// `observe_rollback(step)` after a rollback put back the weights of before the last applied
/// update. `report()` describes what the last
/// observed step showed ("" if nothing), for the trainer's error messages. The monitor reads the
/// network, never changes it.
template <class M>
concept monitor_policy = std::copy_constructible<M>
                         && requires(M& m, const M& cm, detail::monitor_network_archetype& net,
                                     const step_report& step) {
                                { M::name } -> std::convertible_to<std::string_view>;
                                { m.observe_gradients(net, step) } -> std::convertible_to<bool>;
                                m.before_update(net);
                                m.observe_update(net, step);
                                { cm.report() } -> std::convertible_to<std::string>;
                            };

}  // namespace ctnn
