// A layer's flat work buffer: xtensor's own storage container (contiguous), without the
// container's shape, strides and shared_ptr. Those cost little at run time but were a visible
// share of a small program's generated code (every destructor inlined a shared_ptr release), and
// code is compile time. Aligned to a cache line, not to the compiled ISA's vector (32 bytes
// under -mavx2): the product kernels chosen at run time read and write 64-byte vectors, and at 32
// a buffer's rows straddled cache lines or not depending on where the heap put it, so a step's
// speed moved with unrelated allocations (docs/benchmarks.md).
#pragma once

#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn::detail {

template <class T>
using buffer = xt::uvector<T, xsimd::aligned_allocator<T, 64>>;

/// Grows a flat buffer to at least n elements; never shrinks (no reallocation in steady state).
template <class T, class Allocator>
void ensure_capacity(xt::uvector<T, Allocator>& b, std::size_t n) {
    if (b.size() < n) b = xt::uvector<T, Allocator>(n);
}

}  // namespace ctnn::detail
