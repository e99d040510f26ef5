// The activation at the end of a layer (dense, batch_norm, layer_norm): where z is written,
// a = act(z), and da -> dz = da ⊙ act'(z, a) with act' derived from the activation's formula, on feature-major (Width, B) buffers sized for the
// largest batch. One place for what every layer with an activation does the same way.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>

#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/detail/rational_tanh.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/expr/activation.hpp"

namespace ctnn::detail {

/// Whether E is the float tanh of a contiguous float matrix (any activation whose forward is
/// tanh(z)), which rational_tanh_array evaluates.
template <class E>
struct is_float_tanh_of_matrix : std::false_type {};
template <class CT>
struct is_float_tanh_of_matrix<xt::xfunction<tanh_fun, CT>>
    : std::is_same<std::remove_cvref_t<CT>, matrix_view_t<const float>> {};

// out[r·out_ld + c] = e[first + r·e_ld + c] for a (rows, cols) block of a contiguous element-wise
// expression over a matrix with leading dimension e_ld: SIMD loads of the expression where
// xtensor has them, else element by element. What xt::noalias(view) = e does on this path,
// without its dispatch between linear, strided and broadcasting assignment, which every
// activation would otherwise compile twice (~1 s at -O2 for the seed network). A recurrent
// layer evaluates one step's block of its (Hidden, T·B) buffers this way, without copying it.
// Each element is read before it is written, so out may be one of e's operands.
template <class T, class E>
void evaluate_block_into(T* out, std::size_t out_ld, const E& e, std::size_t first, std::size_t e_ld,
                         std::size_t rows, std::size_t cols) {
    if constexpr (is_float_tanh_of_matrix<E>::value) {  // tanh(z) at the CPU's widest vectors
        const float* z = std::get<0>(e.arguments()).data();
        for (std::size_t r = 0; r < rows; ++r) rational_tanh_array(z + first + r * e_ld, out + r * out_ld, cols);
    } else {
        for (std::size_t r = 0; r < rows; ++r) {
            T* o = out + r * out_ld;
            const std::size_t base = first + r * e_ld;
            if constexpr (xt::xassign_traits<matrix_view_t<T>, E>::simd_linear_assign()) {
                using V = xsimd::batch<T>;
                std::size_t c = 0;
                for (; c + V::size <= cols; c += V::size)
                    e.template load_simd<xt::unaligned_mode, T>(base + c).store_unaligned(o + c);
                for (; c < cols; ++c) o[c] = e.data_element(base + c);
            } else {
                for (std::size_t c = 0; c < cols; ++c) o[c] = e.data_element(base + c);
            }
        }
    }
}

// Several such assignments fused into one pass over a (rows, cols) block: at each position, in
// order, *out_k = e_k for every (out_k, e_k) of `items`. A later expression may read what an
// earlier one has just written at the same position (a chain of element-wise nodes), so each
// value is used from L1 while it is hot instead of in a pass of its own.
template <class T, class... Item>
void evaluate_blocks_into(std::size_t rows, std::size_t cols, std::size_t first, std::size_t ld,
                          const std::tuple<Item...>& items) {
    constexpr bool simd = (xt::xassign_traits<matrix_view_t<T>, typename Item::second_type>::simd_linear_assign() && ...);
    for (std::size_t r = 0; r < rows; ++r) {
        const std::size_t base = first + r * ld, row = r * ld;
        std::size_t c = 0;
        if constexpr (simd) {
            using V = xsimd::batch<T>;
            for (; c + V::size <= cols; c += V::size)
                std::apply([&](const auto&... item) {
                    ((item.second.template load_simd<xt::unaligned_mode, T>(base + c).store_unaligned(item.first + row + c)),
                     ...);
                }, items);
        }
        for (; c < cols; ++c)
            std::apply([&](const auto&... item) { ((item.first[row + c] = item.second.data_element(base + c)), ...); },
                       items);
    }
}

template <class T, std::size_t Width, class Activation>
class activation_stage {
    using traits = expr::activation_traits<Activation>;

public:
    /// Decided at compile time from the derived derivative: z is kept only if it reads z.
    static constexpr bool keeps_preactivation = traits::needs_preactivation;

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
        activate_block(rows, 0, Width * rows, 1, Width * rows);  // in place (z == a) is safe
        return output_.data();
    }

    // a = act(z) on a block of a batch of `columns`: `rows` stretches of `cols` elements, the
    // first at element `first`, each `ld` after the one before. (A layer that forms z a block at a
    // time activates each block while it is still in cache.)
    void activate_block(std::size_t columns, std::size_t first, std::size_t ld, std::size_t rows, std::size_t cols) {
        if constexpr (!traits::is_identity) {
            const auto z = matrix_view(static_cast<const T*>(preactivation()), Width, columns);
            evaluate_block_into(output_.data() + first, ld, traits::forward(z), first, ld, rows, cols);
        }
    }

    // daᵀ (Width, B) -> dzᵀ = daᵀ ⊙ act'(z, a), in place.
    void backpropagate(T* da_t, std::size_t rows) { backpropagate_block(da_t, rows, 0, Width * rows, 1, Width * rows); }

    // dz = da ⊙ act'(z, a) on a block of a batch of `columns`, in place, the block as in
    // activate_block.
    void backpropagate_block(T* da_t, std::size_t columns, std::size_t first, std::size_t ld, std::size_t rows,
                             std::size_t cols) {
        if constexpr (!traits::is_identity) {
            const auto dz = matrix_view(static_cast<const T*>(da_t), Width, columns);
            const auto a = matrix_view(static_cast<const T*>(output_.data()), Width, columns);
            const auto z = matrix_view(static_cast<const T*>(preactivation()), Width, columns);
            evaluate_block_into(da_t + first, ld, dz * traits::derivative(z, a), first, ld, rows, cols);
        }
    }

    /// The last forward pass's output, feature-major: aᵀ (Width, B).
    auto output(std::size_t rows) const { return matrix_view(static_cast<const T*>(output_.data()), Width, rows); }

private:
    buffer<T> output_;
    buffer<T> preactivation_;
};

}  // namespace ctnn::detail
