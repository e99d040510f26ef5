// Every number a trainer's optimizer state holds, appended to a list: each parameter's buffers
// (with their sizes), step count and product, for bit-for-bit comparisons of training states.
#pragma once

#include <vector>

namespace ctnn_test {

template <class Trainer>
void append_optimizer_state(std::vector<double>& all, const Trainer& trainer) {
    for (const auto& state : trainer.optimizer_state()) {
        for (const auto& b : state.buffers) {
            all.push_back(double(b.size()));
            all.insert(all.end(), b.begin(), b.end());
        }
        all.push_back(double(state.steps));
        all.push_back(state.product);
    }
}

}  // namespace ctnn_test
