// schedule::one_cycle: torch.optim.lr_scheduler.OneCycleLR (Smith & Topin 2017) with
// cycle_momentum=False: the rate climbs from max_lr/div_factor to max_lr over the first
// pct_start of total_steps, then anneals to max_lr/(div_factor·final_div_factor) (three_phase:
// back down to the start first, then to the minimum). max_lr is the optimizer's lr, the
// schedule's base rate. Made to be stepped per batch: `schedule::per_step<schedule::one_cycle>`.
// Phases, boundaries and annealing as torch computes them (its `_schedule_phases`, get_lr).
#pragma once

#include <cmath>
#include <cstddef>
#include <numbers>
#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/number_string.hpp"

namespace ctnn::schedule {

struct one_cycle {
    static constexpr std::string_view name = "one_cycle";
    enum class annealing { cos, linear };

    /// Steps in the cycle. Required, as in PyTorch (no default): 0 is refused, and so is a
    /// step past it (torch's "Tried to step … times").
    std::size_t total_steps = 0;
    /// Share of the cycle spent climbing.
    double pct_start = 0.3;
    annealing anneal = annealing::cos;
    /// The first rate is max_lr/div_factor, the last max_lr/(div_factor·final_div_factor).
    double div_factor = 25.0;
    double final_div_factor = 1e4;
    /// Climb, descend to the first rate, then anneal to the last (fast.ai's three phases).
    bool three_phase = false;

    void validate() const {
        if (total_steps == 0) throw invalid_argument("ctnn: schedule::one_cycle needs total_steps > 0 (no default)");
        if (!(pct_start >= 0.0 && pct_start <= 1.0))
            throw invalid_argument("ctnn: schedule::one_cycle needs pct_start in [0, 1], got "
                                   + detail::number_string(pct_start));
        if (!(div_factor > 0.0) || !std::isfinite(div_factor) || !(final_div_factor > 0.0)
            || !std::isfinite(final_div_factor))
            throw invalid_argument("ctnn: schedule::one_cycle needs finite div_factor and final_div_factor > 0, got "
                                   + detail::number_string(div_factor) + " and " + detail::number_string(final_div_factor));
        // A step's rate divides by the length of the phase it falls in, which torch raises
        // ZeroDivisionError for when it is 0. A phase no step falls in is passed over, as torch
        // passes it (pct_start 0, or below 1/total_steps: no climb, the cycle only anneals).
        // Phase 1 holds the steps up to its end (step 0 when that is 0); a middle phase the steps
        // after its start up to its end (none when they are equal); the last phase the steps
        // after its start (step total_steps when its length is 0, as its end is total_steps − 1).
        double start = 0.0;
        for (std::size_t i = 0; i < phase_count(); ++i) {
            const double end = phase_end(i);
            if (end == start && (i == 0 || i + 1 == phase_count()))
                throw invalid_argument("ctnn: schedule::one_cycle: pct_start " + detail::number_string(pct_start) + " of "
                                       + std::to_string(total_steps) + " steps gives phase " + std::to_string(i + 1)
                                       + " a length of 0 where step " + std::to_string(i == 0 ? 0 : total_steps)
                                       + " falls in it (torch divides by zero there)");
            start = end;
        }
    }

    /// The rate after `step` steps (0: before the first).
    double lr_at(double max_lr, std::size_t step) const {
        if (step > total_steps)
            throw invalid_argument("ctnn: schedule::one_cycle: tried to step " + std::to_string(step + 1)
                                   + " times; the specified number of total steps is " + std::to_string(total_steps));
        const double initial = max_lr / div_factor;
        const double minimum = initial / final_div_factor;
        const double from[3] = {initial, max_lr, three_phase ? initial : minimum};
        const double to[3] = {max_lr, three_phase ? initial : minimum, minimum};
        double start = 0.0;
        for (std::size_t i = 0;; ++i) {
            const double end = phase_end(i);
            if (double(step) <= end || i + 1 == phase_count()) {
                const double pct = (double(step) - start) / (end - start);
                return anneal == annealing::cos ? to[i] + (from[i] - to[i]) / 2.0 * (std::cos(std::numbers::pi * pct) + 1)
                                                : (to[i] - from[i]) * pct + from[i];
            }
            start = end;
        }
    }
    /// Refuses `moves` more steps after `done` that would pass total_steps, naming who would take
    /// them: the trainer asks before a step or a fit changes anything.
    void require_moves(std::size_t done, std::size_t moves, std::string_view by) const {
        if (moves > total_steps || done > total_steps - moves)
            throw invalid_argument("ctnn: schedule::one_cycle: " + std::string(by) + " would step it "
                                   + std::to_string(moves) + (moves == 1 ? " more time after " : " more times after ")
                                   + std::to_string(done)
                                   + "; the specified number of total steps is " + std::to_string(total_steps)
                                   + ", so it was refused and nothing changed");
    }
    double initial(double max_lr) const { return lr_at(max_lr, 0); }
    double next(double max_lr, double, std::size_t done, double) const { return lr_at(max_lr, done); }

private:
    std::size_t phase_count() const { return three_phase ? 3 : 2; }
    // torch's end_step of phase i: a float, one less than the step count it names
    double phase_end(std::size_t i) const {
        const double climb = pct_start * double(total_steps);
        if (i + 1 == phase_count()) return double(total_steps) - 1;
        return i == 0 ? climb - 1 : 2 * climb - 2;
    }
};

}  // namespace ctnn::schedule
