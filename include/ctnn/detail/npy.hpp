// NumPy's .npy format: magic, version, a Python-literal header dict (descr, fortran_order,
// shape) padded so the data starts 64-byte aligned, then the elements in C order. Written as
// version 1.0; read in versions 1 to 3, little-endian float32, float64 and int64, C order.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/byte_io.hpp"
#include "ctnn/detail/number_string.hpp"

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

/// An .npy file as read: its element type ("<f4", "<f8" or "<i8"), shape and the bytes of its
/// elements (little-endian, C order), checked to be exactly shape's product of elements.
struct npy_array {
    std::string descr;
    std::vector<std::uint64_t> shape;
    std::span<const std::uint8_t> data;

    std::uint64_t elements() const noexcept {
        std::uint64_t n = 1;
        for (const auto d : shape) n *= d;
        return n;
    }
    /// Every element as E (the file's type converted: a float32 file into a double network, or
    /// back), the type dispatched once. A floating-point element must be finite and, converted
    /// to a narrower E, within its range (1e300 is not a float): format_error "<context>:
    /// element i is v, ..." otherwise, as `load` refuses what `save` would not write.
    template <class E>
    std::vector<E> values(std::string_view context) const {
        std::vector<E> out(static_cast<std::size_t>(elements()));
        const auto decode = [&]<class V>(V) {
            byte_reader r(data, "an .npy array");  // parse_npy checked the size
            for (std::size_t i = 0; i < out.size(); ++i) {
                const V v = r.get<V>("an element");
                if constexpr (std::is_floating_point_v<V>) {
                    const bool narrowed = sizeof(E) < sizeof(V) && std::abs(v) > double(std::numeric_limits<E>::max());
                    if (!std::isfinite(v) || narrowed)
                        throw format_error(std::string(context) + ": element " + std::to_string(i) + " is "
                                           + number_string(double(v))
                                           + (narrowed ? ", beyond the range of float" : ", not a finite number"));
                }
                out[i] = E(v);
            }
        };
        if (descr == "<f4")
            decode(float{});
        else if (descr == "<f8")
            decode(double{});
        else
            decode(std::int64_t{});
        return out;
    }
};

/// Parses an .npy file; anything it cannot read as such is format_error "<context>: <reason>".
inline npy_array parse_npy(std::span<const std::uint8_t> bytes, const std::string& context) {
    const auto fail = [&](const std::string& reason) -> void { throw format_error(context + ": " + reason); };
    if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) fail("not an .npy array (no NumPy magic)");
    const unsigned major = bytes[6];
    if (major < 1 || major > 3) fail(".npy version " + std::to_string(major) + " is not one NumPy writes (1 to 3)");
    std::size_t header_size = bytes[8] | std::size_t(bytes[9]) << 8, start = 10;
    if (major >= 2) {
        if (bytes.size() < 12) fail("the .npy header is truncated");
        header_size |= std::size_t(bytes[10]) << 16 | std::size_t(bytes[11]) << 24;
        start = 12;
    }
    if (header_size > bytes.size() - start) fail("the .npy header is truncated");
    const std::string_view header(reinterpret_cast<const char*>(bytes.data()) + start, header_size);
    // The value after 'key': in the header's Python dict literal, skipping spaces.
    const auto value_of = [&](std::string_view key) {
        const auto at = header.find("'" + std::string(key) + "':");
        if (at == std::string_view::npos) fail("the .npy header has no '" + std::string(key) + "'");
        std::size_t v = at + key.size() + 3;
        while (v < header.size() && header[v] == ' ') ++v;
        return header.substr(v);
    };
    npy_array a;
    const auto descr = value_of("descr");
    if (descr.size() < 2 || descr[0] != '\'' || descr.find('\'', 1) == std::string_view::npos) fail("the .npy descr is not a string");
    a.descr = std::string(descr.substr(1, descr.find('\'', 1) - 1));
    if (a.descr == "|f4" || a.descr == "=f4") a.descr = "<f4";  // one byte order on this machine
    if (a.descr != "<f4" && a.descr != "<f8" && a.descr != "<i8")
        fail("elements of type '" + a.descr + "'; float32 ('<f4'), float64 ('<f8') and int64 ('<i8') little-endian are read");
    if (value_of("fortran_order").starts_with("True"))
        fail("the array is in Fortran order; save it C-contiguous (numpy.ascontiguousarray)");
    const auto shape = value_of("shape");
    if (shape.empty() || shape[0] != '(') fail("the .npy shape is not a tuple");
    std::size_t p = 1;
    std::uint64_t elements = 1;
    for (;;) {
        while (p < shape.size() && (shape[p] == ' ' || shape[p] == ',')) ++p;
        if (p >= shape.size()) fail("the .npy shape is not a tuple");
        if (shape[p] == ')') break;
        std::uint64_t d = 0;
        const std::size_t digits = p;
        while (p < shape.size() && shape[p] >= '0' && shape[p] <= '9') {
            if (d > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) fail("an .npy dimension overflows");
            d = d * 10 + std::uint64_t(shape[p++] - '0');
        }
        if (p == digits) fail("the .npy shape holds something other than integers");
        if (d != 0 && elements > std::numeric_limits<std::uint64_t>::max() / d) fail("the .npy shape's product overflows");
        elements *= d;
        a.shape.push_back(d);
    }
    const std::uint64_t element_size = a.descr == "<f4" ? 4 : 8;
    const std::size_t data_start = start + header_size;
    if (elements > (bytes.size() - data_start) / element_size || (bytes.size() - data_start) != elements * element_size)
        fail("the array's " + std::to_string(bytes.size() - data_start) + " data bytes are not the "
             + std::to_string(elements) + " elements of " + std::to_string(element_size) + " bytes its shape says");
    a.data = bytes.subspan(data_start);
    return a;
}

}  // namespace ctnn::detail
