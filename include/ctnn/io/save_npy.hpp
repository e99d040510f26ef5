// save_npy(path, tensor): one tensor as a NumPy .npy file (format 1.0), read back in Python by
// numpy.load(path). Written atomically, as save() writes models.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "ctnn/detail/atomic_file.hpp"
#include "ctnn/detail/npy.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

/// Writes a float, double or int64 tensor, row-major ('<f4', '<f8' or '<i8', fortran_order False).
template <class E, std::size_t N>
void save_npy(const std::filesystem::path& path, const tensor<E, N>& values) {
    const std::vector<std::uint64_t> shape(values.shape().begin(), values.shape().end());
    const auto bytes = detail::npy_file<E>(shape, std::span<const E>(values.data(), values.size()));
    detail::write_file_atomically(path, bytes, "save_npy");
}

}  // namespace ctnn
