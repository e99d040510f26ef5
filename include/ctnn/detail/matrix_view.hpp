// A (rows, cols) xtensor view of contiguous row-major storage that it does not own. Layers keep
// buffers sized for their largest batch and view the first `rows` rows, so a smaller batch
// neither reallocates nor copies.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>

#include "ctnn/detail/buffer.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn::detail {

template <class T>
auto matrix_view(T* data, std::size_t rows, std::size_t cols) {
    // The pointer as a prvalue: xt::adapt holds an lvalue pointer by reference, which here would
    // be this function's parameter, dead once it returns.
    return xt::adapt(static_cast<T*>(data), rows * cols, xt::no_ownership(), std::array<std::size_t, 2>{rows, cols});
}

/// Packs `rows` rows of `columns` values, `ld` apart from `from`, into `packed` (rows, columns).
template <class T>
void copy_rows(const T* from, std::size_t ld, std::size_t rows, std::size_t columns, T* packed) {
    for (std::size_t r = 0; r < rows; ++r) std::copy_n(from + r * ld, columns, packed + r * columns);
}

template <class T>
using matrix_view_t = decltype(matrix_view(static_cast<T*>(nullptr), 0, 0));

}  // namespace ctnn::detail
