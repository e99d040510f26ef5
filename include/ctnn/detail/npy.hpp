// NumPy's .npy format, version 1.0: magic, version, a Python-literal header dict (descr,
// fortran_order, shape) padded so the data starts 64-byte aligned, then the elements in C order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ctnn/detail/byte_io.hpp"

namespace ctnn::detail {

/// NumPy's little-endian type string for an element type.
template <class E>
constexpr std::string_view npy_descr() {
    if constexpr (std::is_same_v<E, float>)
        return "<f4";
    else if constexpr (std::is_same_v<E, double>)
        return "<f8";
    else {
        static_assert(std::is_same_v<E, std::int64_t>, "ctnn: .npy export supports float, double and int64");
        return "<i8";
    }
}

/// The bytes of an .npy file holding `values` (row-major) with `shape`.
template <class E>
std::vector<std::uint8_t> npy_file(std::span<const std::uint64_t> shape, std::span<const E> values) {
    std::string header = "{'descr': '" + std::string(npy_descr<E>()) + "', 'fortran_order': False, 'shape': (";
    for (std::size_t k = 0; k < shape.size(); ++k) header += (k ? ", " : "") + std::to_string(shape[k]);
    header += shape.size() == 1 ? ",), }" : "), }";
    constexpr std::size_t preamble = 10;  // magic (6), version (2), header length (u16)
    const std::size_t unpadded = preamble + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';

    byte_writer w;
    w.put_bytes("\x93NUMPY", 6);
    w.put(std::uint8_t(1));
    w.put(std::uint8_t(0));
    w.put(std::uint16_t(header.size()));
    w.put_bytes(header.data(), header.size());
    w.put_all(values.data(), values.size());
    return std::move(w.bytes());
}

}  // namespace ctnn::detail
