// The activation at the end of a layer (dense, batch_norm, layer_norm): where z is written,
// a = act(z), and da -> dz = da ⊙ act'(z, a), on feature-major (Width, B) buffers sized for the
// largest batch. One place for what every layer with an activation does the same way.
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctnn/activations/identity.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn::detail {

template <class T, std::size_t Width, class Activation>
class activation_stage {
public:
    static constexpr bool keeps_preactivation = Activation::derivative_needs_preactivation;

    void reserve(std::size_t rows) {
        ensure_capacity(output_, rows * Width);
        if constexpr (keeps_preactivation) ensure_capacity(preactivation_, rows * Width);
    }
    std::size_t capacity() const noexcept { return output_.size() / Width; }

    /// Where the layer writes z (Width, B): its own buffer if the derivative needs z, else the
    /// output, which the activation then overwrites in place.
    T* preactivation() noexcept { return keeps_preactivation ? preactivation_.data() : output_.data(); }

    // zᵀ (Width, B) in preactivation() -> aᵀ = act(z) (Width, B); returns a.
    const T* activate(std::size_t rows) {
        if constexpr (!std::is_same_v<Activation, identity>) {
            auto a = matrix_view(output_.data(), Width, rows);
            const auto z = matrix_view(static_cast<const T*>(preactivation()), Width, rows);
            xt::noalias(a) = Activation::forward(z);  // element-wise: in place (z == a) is safe
        }
        return output_.data();
    }

    // daᵀ (Width, B) -> dzᵀ = daᵀ ⊙ act'(z, a), in place.
    void backpropagate(T* da_t, std::size_t rows) {
        if constexpr (!std::is_same_v<Activation, identity>) {
            auto dz = matrix_view(da_t, Width, rows);
            const auto a = matrix_view(static_cast<const T*>(output_.data()), Width, rows);
            const auto z = matrix_view(static_cast<const T*>(preactivation()), Width, rows);
            xt::noalias(dz) = dz * Activation::derivative(z, a);
        }
    }

    /// The last forward pass's output, feature-major: aᵀ (Width, B).
    auto output(std::size_t rows) const { return matrix_view(static_cast<const T*>(output_.data()), Width, rows); }

private:
    tensor<T, 1> output_;
    tensor<T, 1> preactivation_;
};

}  // namespace ctnn::detail
