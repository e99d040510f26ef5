// per_gate<Init>: Init applied to each gate's block of a recurrent weight as if it were its own
// matrix. torch.nn.init sees an LSTM's W_ih as one (4·Hidden, In) matrix, so its fan_out is
// 4·Hidden and orthogonal_ orthonormalises the whole stack; some papers and frameworks (and ctnn
// before it matched torch) treat each gate's (Hidden, In) block on its own: fans{In, Hidden},
// each block orthogonal. Outside a recurrent layer (fans.hidden = 0) it is Init unchanged.
#pragma once

#include <cstddef>
#include <string_view>

#include "ctnn/core/rng.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/init/fans.hpp"

namespace ctnn::init {

template <class Init>
struct per_gate {
    static constexpr std::string_view name = "per_gate";
    /// The wrapped policy; its settings (an orthogonal scale, say) are set here.
    Init inner{};

    static fans gate_fans(fans f) { return f.hidden == 0 ? f : fans{f.in, f.hidden, f.hidden}; }

    // W (gates·Hidden, In): gate k's rows [k·Hidden, (k+1)·Hidden) drawn in turn, each by Init.
    template <class T, std::size_t R>
    void weight(tensor<T, R>& w, fans f, rng& r) const {
        if constexpr (R == 2) {
            const std::size_t rows = w.shape()[0], cols = w.shape()[1];
            if (f.hidden != 0 && rows > f.hidden && rows % f.hidden == 0) {
                auto block = tensor<T, 2>::from_shape({f.hidden, cols});
                for (std::size_t first = 0; first < rows; first += f.hidden) {
                    inner.weight(block, gate_fans(f), r);
                    for (std::size_t i = 0; i < f.hidden; ++i)
                        for (std::size_t j = 0; j < cols; ++j) w(first + i, j) = block(i, j);
                }
                return;
            }
        }
        inner.weight(w, gate_fans(f), r);
    }
    template <class T>
    void bias(tensor<T, 1>& b, fans f, rng& r) const {
        inner.bias(b, gate_fans(f), r);
    }
};

}  // namespace ctnn::init
