// What a clip policy reports about the gradients it was given.
#pragma once

namespace ctnn {

struct clip_result {
    /// Total norm of all gradients before clipping, as the policy measures it (by_global_norm:
    /// its p-norm, PyTorch's return value; the others: the 2-norm).
    double total_norm = 0.0;
    /// False if any gradient element was NaN or infinite; the gradients were then left alone.
    bool finite = true;
};

}  // namespace ctnn
