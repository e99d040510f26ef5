// A layer's flat work buffer: xtensor's own storage container (aligned, contiguous), without
// the container's shape, strides and shared_ptr. Those cost little at run time but were ~5% of
// the seed example's generated code (every destructor inlined a shared_ptr release), and code
// is compile time (W5).
#pragma once

#include <cstddef>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn::detail {

template <class T>
using buffer = typename tensor<T, 1>::storage_type;

/// Grows a flat buffer to at least n elements; never shrinks (no reallocation in steady state).
template <class T, class Allocator>
void ensure_capacity(xt::uvector<T, Allocator>& b, std::size_t n) {
    if (b.size() < n) b = xt::uvector<T, Allocator>(n);
}

}  // namespace ctnn::detail
