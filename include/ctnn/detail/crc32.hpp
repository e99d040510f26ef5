// CRC-32 (the IEEE polynomial of zip, gzip and PNG): the checksum of a saved model's payload and
// the check value of every entry of an .npz archive.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace ctnn::detail {

inline constexpr std::array<std::uint32_t, 256> crc32_table = [] {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t n = 0; n < 256; ++n) {
        std::uint32_t c = n;
        for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[n] = c;
    }
    return table;
}();

/// CRC-32 of `size` bytes; pass a previous result as `crc` to continue it over more bytes.
constexpr std::uint32_t crc32(const std::uint8_t* data, std::size_t size, std::uint32_t crc = 0) {
    crc = ~crc;
    for (std::size_t i = 0; i < size; ++i) crc = crc32_table[(crc ^ data[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

}  // namespace ctnn::detail
