// bidirectional<R>: a recurrent layer R run over the sequence forwards and over its reverse,
// PyTorch's bidirectional=True: at step t the output is [h_t of the forward direction; h_t of
// the reverse one, which has read x_t … x_{T−1}]. With last_state the output is the two final
// states, [forward h_{T−1}; reverse h_0], torch.cat((h_n[0], h_n[1]), 1). The two directions
// are two layers of type R; each does its own forward and backward pass, and this layer only
// reverses time on the way in and out (columns t·B + b ↔ (T−1−t)·B + b).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ctnn/core/rng.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/core/time_reach.hpp"
#include "ctnn/detail/buffer.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/detail/network_visit.hpp"
#include "ctnn/detail/sequence_layout.hpp"

namespace ctnn {

namespace detail {
/// (rows, T·B) with row stride ld -> the same with the steps reversed, packed (rows, T·B).
/// With lengths, each sequence is reversed within its own length (step t ↔ L − 1 − t) and its
/// padding stays where it is: the reverse direction then starts at the sequence's last step.
template <class T>
void reverse_steps(const T* from, std::size_t ld, std::size_t rows, std::size_t batch, std::size_t steps, T* to,
                   std::span<const std::size_t> lengths = {}) {
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t t = 0; t < steps; ++t) {
            T* out = to + r * steps * batch + t * batch;
            if (lengths.empty()) {
                std::copy_n(from + r * ld + (steps - 1 - t) * batch, batch, out);
            } else {
                for (std::size_t b = 0; b < batch; ++b)
                    out[b] = from[r * ld + reversed_step(t, b, steps, lengths) * batch + b];
            }
        }
}
}  // namespace detail

/// The layer as it lives inside a network: two layers of type Inner, one per direction.
template <class Inner>
class bidirectional_layer {
public:
    using scalar = typename Inner::scalar;
    using inner_type = Inner;
    static constexpr std::string_view kind = "bidirectional";
    static constexpr std::size_t hidden = Inner::output_width;
    static constexpr std::size_t input_width = Inner::input_width;
    static constexpr std::size_t output_width = 2 * hidden;
    static constexpr bool recurrent = true;
    static constexpr bool returns_sequence = Inner::returns_sequence;
    static constexpr std::size_t parameter_count = 2 * Inner::parameter_count;
    static constexpr std::size_t buffer_count = 2 * detail::buffer_count_of<Inner>();
    /// What a saved model records of the direction's layer: its kind and activation.
    static std::string inner_layers_description() { return "[" + detail::inner_layer_description<Inner>() + "]"; }
    static constexpr bool computes_input_gradient = Inner::computes_input_gradient;

    /// Reads the sequence from x_0 to x_{T−1}.
    Inner forward_direction;
    /// Reads it from x_{T−1} to x_0; its parameters are PyTorch's `…_reverse`.
    Inner reverse_direction;

    /// The forward direction draws from `stream` as R alone would; the reverse one from a
    /// stream derived from it.
    void initialize(rng stream) {
        forward_direction.initialize(stream);
        reverse_direction.initialize(stream.stream(1));
    }

    void reserve(std::size_t batch, std::size_t steps) {
        forward_direction.reserve(batch, steps);
        reverse_direction.reserve(batch, steps);
        const std::size_t n = batch * steps;
        detail::ensure_capacity(reversed_input_, input_width * n);
        detail::ensure_capacity(reversed_gradient_, hidden * n);
        detail::ensure_capacity(output_, output_width * (returns_sequence ? n : batch));
        detail::ensure_capacity(input_gradient_, input_width * n);
        time_gradient_norms_.resize(std::max(time_gradient_norms_.size(), steps));
    }
    std::size_t capacity() const noexcept { return forward_direction.capacity(); }

    // xᵀ (In, T·B), row k at in + k·ld -> (2·Hidden, T·B) or (2·Hidden, B): forward rows first.
    // With `lengths` both directions stop at each sequence's end: the reverse one reads
    // x_{L−1} … x_0, and both outputs are 0 at padded steps.
    const scalar* forward(const scalar* in, std::size_t ld, std::size_t batch, std::size_t steps,
                          std::span<const std::size_t> lengths = {}) {
        batch_ = batch;
        steps_ = steps;
        lengths_ = lengths;
        const std::size_t n = batch * steps, columns = returns_sequence ? n : batch;
        const scalar* ahead = forward_direction.forward(in, ld, batch, steps, lengths);
        std::copy_n(ahead, hidden * columns, output_.data());
        detail::reverse_steps(in, ld, input_width, batch, steps, reversed_input_.data(), lengths);
        const scalar* back = reverse_direction.forward(reversed_input_.data(), n, batch, steps, lengths);
        if constexpr (returns_sequence)
            detail::reverse_steps(back, n, hidden, batch, steps, output_.data() + hidden * n, lengths);
        else
            std::copy_n(back, hidden * batch, output_.data() + hidden * batch);
        return output_.data();
    }

    // d (2·Hidden, columns) -> dxᵀ (In, T·B) = the forward direction's + the reverse one's with
    // its steps reversed (nullptr for the first layer)
    scalar* backward(scalar* d) {
        const std::size_t n = batch_ * steps_, columns = returns_sequence ? n : batch_;
        // the reverse direction's part, in its own time order, before anything overwrites d
        if constexpr (returns_sequence)
            detail::reverse_steps(static_cast<const scalar*>(d) + hidden * n, n, hidden, batch_, steps_,
                                  reversed_gradient_.data(), lengths_);
        else
            std::copy_n(d + hidden * columns, hidden * columns, reversed_gradient_.data());
        const scalar* dx_ahead = forward_direction.backward(d);
        if constexpr (computes_input_gradient) std::copy_n(dx_ahead, input_width * n, input_gradient_.data());
        const scalar* dx_back = reverse_direction.backward(reversed_gradient_.data());
        const auto ahead_norms = forward_direction.time_gradient_norms();
        const auto back_norms = reverse_direction.time_gradient_norms();
        // both directions' gradient at position t (with lengths, the reverse direction's step
        // T − 1 − t: a norm over the batch cannot follow each sequence's own reversal)
        for (std::size_t t = 0; t < steps_; ++t)
            time_gradient_norms_[t] = std::hypot(double(ahead_norms[t]), double(back_norms[steps_ - 1 - t]));
        backward_steps_ = steps_;
        if constexpr (computes_input_gradient) {
            scalar* dx = input_gradient_.data();
            for (std::size_t k = 0; k < input_width; ++k)
                for (std::size_t t = 0; t < steps_; ++t) {
                    scalar* to = dx + k * n + t * batch_;
                    for (std::size_t b = 0; b < batch_; ++b)  // the step reverse_steps put t at
                        to[b] += dx_back[k * n + detail::reversed_step(t, b, steps_, lengths_) * batch_ + b];
                }
            return dx;
        } else {
            return nullptr;
        }
    }

    /// ‖∂L/∂h_t‖ at each position t, both directions' together, of the last backward pass.
    std::span<const double> time_gradient_norms() const noexcept {
        return {time_gradient_norms_.data(), backward_steps_};
    }
    /// The direction whose gradient reached back least far, each in its own time order (the
    /// norms above mix, at each position, one direction's last step with the other's first).
    time_reach time_gradient_reach() const {
        const time_reach ahead = time_reach_of(forward_direction), back = time_reach_of(reverse_direction);
        if (!ahead.measured()) return back;
        if (!back.measured()) return ahead;
        return back.ratio < ahead.ratio ? back : ahead;
    }
    /// The last forward pass's output, feature-major: (2·Hidden, T·B) or (2·Hidden, B).
    auto output() const {
        return detail::matrix_view(static_cast<const scalar*>(output_.data()), output_width,
                                   returns_sequence ? batch_ * steps_ : batch_);
    }

    template <class F>
    void for_each_parameter(F&& f) {
        forward_direction.for_each_parameter(f);
        reverse_direction.for_each_parameter(f);
    }
    template <class F>
    void for_each_parameter(F&& f) const {
        forward_direction.for_each_parameter(f);
        reverse_direction.for_each_parameter(f);
    }
    /// PyTorch's names: weight_ih_l0 … for the forward direction, weight_ih_l0_reverse … for
    /// the other, in state_dict's order.
    template <class F>
    void for_each_named_parameter(F&& f) {
        detail::for_each_named_parameter_of(forward_direction, f);
        detail::for_each_named_parameter_of(reverse_direction,
                                            [&](std::string_view name, auto& p) { f(std::string(name) + "_reverse", p); });
    }
    template <class F>
    void for_each_named_parameter(F&& f) const {
        detail::for_each_named_parameter_of(forward_direction, f);
        detail::for_each_named_parameter_of(reverse_direction, [&](std::string_view name, const auto& p) {
            f(std::string(name) + "_reverse", p);
        });
    }

private:
    // the input, steps reversed: the reverse direction reads it again in backward
    detail::buffer<scalar> reversed_input_;
    detail::buffer<scalar> reversed_gradient_;  // d(reverse output), in its own time order
    detail::buffer<scalar> output_;          // (2·Hidden, columns)
    detail::buffer<scalar> input_gradient_;  // dxᵀ (In, T·B)
    std::vector<double> time_gradient_norms_;
    std::size_t backward_steps_ = 0;  // the steps of the last backward pass, time_gradient_norms_'s
    std::span<const std::size_t> lengths_;  // of the last forward pass
    std::size_t batch_ = 0;
    std::size_t steps_ = 0;
};

/// `bidirectional<lstm<64, whole_sequence>>`: rnn, lstm or gru read in both directions; output
/// width 2·Hidden.
template <class Recurrent>
struct bidirectional {
    static_assert(requires { requires Recurrent::recurrent; },
                  "ctnn: bidirectional<R> takes a recurrent layer: rnn, lstm or gru");
    static constexpr std::size_t output_width = 2 * Recurrent::output_width;
    static constexpr bool recurrent = true;
    static constexpr bool returns_sequence = Recurrent::returns_sequence;

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        using type = bidirectional_layer<typename Recurrent::template bind<T, Index, InputShape>::type>;
    };
};

}  // namespace ctnn
