// What a clip policy reports about the gradients it was given.
#pragma once

#include <limits>

namespace ctnn {

struct clip_result {
    /// Total norm of all gradients before clipping, as the policy measures it (by_global_norm:
    /// its p-norm, PyTorch's return value; the others: the 2-norm).
    double total_norm = 0.0;
    /// False if any gradient element was NaN or infinite; the gradients were then left alone.
    bool finite = true;
    /// A bound on |g| for every gradient element as the policy leaves it (+inf: not measured).
    /// With it an optimizer can show its update stays finite, and the trainer then keeps no copy
    /// of the weights to undo it (optimizer_bounds_its_update).
    double gradient_bound = std::numeric_limits<double>::infinity();
};

}  // namespace ctnn
