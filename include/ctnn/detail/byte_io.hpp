// Little-endian encoding for ctnn's binary files, whatever the host's byte order: a writer that
// appends to a byte buffer and a reader that never reads past the end of its buffer.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctnn/core/errors.hpp"

namespace ctnn::detail {

/// The unsigned integer of the same size as `T` (float -> uint32, double -> uint64, ...).
template <class T>
using bits_of = std::conditional_t<sizeof(T) == 1, std::uint8_t,
                std::conditional_t<sizeof(T) == 2, std::uint16_t,
                std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;

class byte_writer {
public:
    template <class T>
        requires std::is_arithmetic_v<T>
    void put(T value) {
        auto bits = std::bit_cast<bits_of<T>>(value);
        for (std::size_t i = 0; i < sizeof(T); ++i) {
            bytes_.push_back(std::uint8_t(bits & 0xFFu));
            if constexpr (sizeof(T) > 1) bits = bits_of<T>(bits >> 8);
        }
    }
    template <class T>
    void put_all(const T* values, std::size_t count) {
        bytes_.reserve(bytes_.size() + count * sizeof(T));
        for (std::size_t i = 0; i < count; ++i) put(values[i]);
    }
    /// A u32 length, then the bytes.
    void put_string(std::string_view s) {
        put(std::uint32_t(s.size()));
        put_bytes(s.data(), s.size());
    }
    // resize and memcpy, not insert of a pointer range: once save() is inlined, g++ 12 at -O2
    // and -O3 reports a false -Wstringop-overflow in vector::insert's reallocation path, which
    // broke -Werror builds of units that save a model.
    void put_bytes(const void* data, std::size_t size) {
        if (size == 0) return;
        const std::size_t at = bytes_.size();
        bytes_.resize(at + size);
        std::memcpy(bytes_.data() + at, data, size);
    }
    /// Overwrites a value written earlier (a size or checksum known only at the end).
    template <class T>
        requires std::is_unsigned_v<T>
    void patch(std::size_t at, T value) {
        for (std::size_t i = 0; i < sizeof(T); ++i) bytes_[at + i] = std::uint8_t(value >> (8 * i));
    }

    std::size_t size() const noexcept { return bytes_.size(); }
    std::vector<std::uint8_t>& bytes() noexcept { return bytes_; }

private:
    std::vector<std::uint8_t> bytes_;
};

/// Reads from a byte range; any read that would pass its end throws format_error naming what
/// was being read, at which file offset, and how many bytes were left.
class byte_reader {
public:
    /// `context` starts every message ("ctnn: load 'model.ctnn'"); `base` is the offset of
    /// `bytes` in the file, so messages give file offsets.
    byte_reader(std::span<const std::uint8_t> bytes, std::string context, std::size_t base = 0)
        : bytes_(bytes), context_(std::move(context)), base_(base) {}

    template <class T>
        requires std::is_arithmetic_v<T>
    T get(std::string_view what) {
        const std::uint8_t* p = take(sizeof(T), what).data();
        bits_of<T> bits = 0;
        for (std::size_t i = sizeof(T); i-- > 0;) {
            if constexpr (sizeof(T) > 1) bits = bits_of<T>(bits << 8);
            bits = bits_of<T>(bits | p[i]);
        }
        return std::bit_cast<T>(bits);
    }
    /// `count` values of `T` into `out` (or skipped when `out` is null).
    template <class T>
    void get_all(T* out, std::size_t count, std::string_view what) {
        if (count > std::numeric_limits<std::size_t>::max() / sizeof(T)) fail_truncated(what, count);
        const auto span = take(count * sizeof(T), what);
        if (!out) return;
        for (std::size_t i = 0; i < count; ++i) {
            bits_of<T> bits = 0;
            for (std::size_t b = sizeof(T); b-- > 0;) {
                if constexpr (sizeof(T) > 1) bits = bits_of<T>(bits << 8);
                bits = bits_of<T>(bits | span[i * sizeof(T) + b]);
            }
            out[i] = std::bit_cast<T>(bits);
        }
    }
    /// A u32 length, then that many bytes.
    std::string_view get_string(std::string_view what) {
        const auto size = get<std::uint32_t>(what);
        const auto span = take(size, what);
        return {reinterpret_cast<const char*>(span.data()), span.size()};
    }
    std::span<const std::uint8_t> take(std::size_t size, std::string_view what) {
        if (size > remaining()) fail_truncated(what, size);
        const auto span = bytes_.subspan(position_, size);
        position_ += size;
        return span;
    }

    std::size_t remaining() const noexcept { return bytes_.size() - position_; }
    /// The file offset of the next byte to read.
    std::size_t offset() const noexcept { return base_ + position_; }
    const std::string& context() const noexcept { return context_; }

    /// Throws format_error "<context>: <reason> (at byte <offset>)".
    [[noreturn]] void fail(const std::string& reason) const { fail_at(reason, offset()); }
    /// The same at file offset `at`: where a field that was read (and then refused) starts.
    [[noreturn]] void fail_at(const std::string& reason, std::size_t at) const {
        throw format_error(context_ + ": " + reason + " (at byte " + std::to_string(at) + ")");
    }

private:
    [[noreturn]] void fail_truncated(std::string_view what, std::size_t needed) const {
        throw format_error(context_ + ": the file is truncated or corrupted: " + std::string(what)
                           + " at byte " + std::to_string(offset()) + " needs "
                           + std::to_string(needed) + " bytes, only " + std::to_string(remaining())
                           + " remain");
    }

    std::span<const std::uint8_t> bytes_;
    std::string context_;
    std::size_t base_;
    std::size_t position_ = 0;
};

}  // namespace ctnn::detail
