// IDX files, the format of MNIST and Fashion-MNIST (plain or gzip): a magic number 00 00 TYPE
// RANK, RANK big-endian 32-bit dimensions, then the elements, big-endian, row-major.
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/data/read_limits.hpp"
#include "ctnn/detail/class_labels.hpp"
#include "ctnn/detail/data_file.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn::data {

/// A parsed IDX file: its element type, its dimensions and its elements as stored. `matrix<T>()`
/// gives (rows, features) — 10000 images of 28×28 become (10000, 784) — and `labels<T>()` the
/// (rows, 1) column a 1-dimensional file holds; `matrix<std::uint8_t>()` keeps raw bytes.
class idx_file {
public:
    enum class element_type : std::uint8_t {
        u8 = 0x08,
        i8 = 0x09,
        i16 = 0x0B,
        i32 = 0x0C,
        f32 = 0x0D,
        f64 = 0x0E
    };

    /// Reads and checks `path`, gzip-compressed or not. Throws data_error naming the byte. The
    /// header's dimensions are checked against `limits` before the elements are read, and
    /// exactly the bytes they declare are allocated.
    static idx_file read(const std::filesystem::path& path, read_limits limits = {}) {
        detail::data_stream s(path, limits);
        std::vector<std::uint8_t> bytes(header_bytes);
        bytes.resize(s.read(bytes.data(), header_bytes));
        if (bytes.size() == header_bytes && bytes[0] == 0 && bytes[1] == 0) {
            const std::size_t data_offset = header_bytes + 4 * std::size_t(bytes[3]);
            bytes.resize(data_offset);
            bytes.resize(header_bytes + s.read(bytes.data() + header_bytes, data_offset - header_bytes));
            if (bytes.size() == data_offset && known_type(bytes[2])) {
                const std::uint64_t declared = declared_bytes(bytes);
                if (declared > limits.max_bytes - std::min<std::uint64_t>(data_offset, limits.max_bytes))
                    detail::throw_data_error(
                        path.string(), s.at(data_offset), s.limit_text(),
                        "dimensions " + header_dims_string(bytes) + ", which declare "
                            + (declared == overflowing ? std::string("more bytes than memory holds")
                                                       : std::to_string(declared) + " bytes"));
                detail::reserve_for(bytes, data_offset + std::size_t(declared), s);
                bytes.resize(data_offset + s.read(bytes.data() + data_offset, std::size_t(declared)));
            }
        }
        idx_file f;
        f.name_ = path.string();
        f.decompressed_ = s.gzip();
        f.check_and_take(std::move(bytes), s.count_rest());
        return f;
    }

    /// Checks and parses the bytes of an IDX file; `name` is what messages call it.
    static idx_file parse(std::vector<std::uint8_t> bytes, std::string name,
                          bool decompressed = false) {
        idx_file f;
        f.name_ = std::move(name);
        f.decompressed_ = decompressed;
        f.check_and_take(std::move(bytes));
        return f;
    }

    const std::string& name() const noexcept { return name_; }
    element_type type() const noexcept { return type_; }
    const std::vector<std::size_t>& dims() const noexcept { return dims_; }
    std::size_t rows() const noexcept { return dims_[0]; }
    /// The product of every dimension after the first (1 for a 1-dimensional file).
    std::size_t features() const noexcept { return features_; }
    /// The elements as stored: big-endian when wider than a byte.
    std::span<const std::uint8_t> bytes() const noexcept { return elements_; }

    /// (rows, features), each element converted to T (an integer T must hold every value).
    template <class T = float>
    tensor<T, 2> matrix() const {
        static_assert(std::is_arithmetic_v<T>, "ctnn: idx_file::matrix<T> needs a number type");
        auto out = tensor<T, 2>::from_shape({rows(), features()});
        convert(out.data());
        return out;
    }

    /// The (rows, 1) column of a 1-dimensional file (class labels); data_error otherwise.
    template <class T = float>
    tensor<T, 2> labels() const {
        if (dims_.size() != 1)
            detail::throw_data_error(name_, at(3), "a 1-dimensional IDX file of labels (N)",
                                     std::to_string(dims_.size()) + " dimensions "
                                         + dims_string());
        return matrix<T>();
    }

private:
    static constexpr std::size_t header_bytes = 4;

    idx_file() = default;  // only through read and parse, which check the file

    static bool known_type(std::uint8_t code) noexcept {
        return code == 0x08 || code == 0x09 || code == 0x0B || code == 0x0C || code == 0x0D || code == 0x0E;
    }

    static std::size_t element_size(element_type t) noexcept {
        switch (t) {
        case element_type::i16: return 2;
        case element_type::i32:
        case element_type::f32: return 4;
        case element_type::f64: return 8;
        default: return 1;
        }
    }

    static const char* type_name(element_type t) noexcept {
        switch (t) {
        case element_type::u8: return "unsigned bytes";
        case element_type::i8: return "signed bytes";
        case element_type::i16: return "16-bit integers";
        case element_type::i32: return "32-bit integers";
        case element_type::f32: return "floats";
        default: return "doubles";
        }
    }

    static std::string hex(std::uint8_t b) {
        const char* digits = "0123456789abcdef";
        return {digits[b >> 4], digits[b & 15]};
    }

    static std::uint64_t big_endian(const std::uint8_t* p, std::size_t n) noexcept {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
        return v;
    }

    std::string at(std::size_t offset) const {
        return "byte " + std::to_string(offset) + (decompressed_ ? " of the decompressed data" : "");
    }

    std::string dims_string() const {
        std::string s;
        for (std::size_t i = 0; i < dims_.size(); ++i)
            s += (i ? " x " : "") + std::to_string(dims_[i]);
        return s;
    }

    static constexpr std::uint64_t overflowing = std::numeric_limits<std::uint64_t>::max();

    /// The element bytes a header (magic, type, rank, dimensions: all present) declares, or
    /// `overflowing`.
    static std::uint64_t declared_bytes(const std::vector<std::uint8_t>& header) {
        constexpr std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() / 16;
        std::uint64_t count = 1;
        for (std::size_t i = 0; i < header[3]; ++i) {
            const std::uint64_t d = big_endian(header.data() + header_bytes + 4 * i, 4);
            if (d != 0 && count > limit / d) return overflowing;
            count *= d;
        }
        return count * element_size(element_type(header[2]));
    }

    static std::string header_dims_string(const std::vector<std::uint8_t>& header) {
        std::string s;
        for (std::size_t i = 0; i < header[3]; ++i)
            s += (i ? " x " : "") + std::to_string(big_endian(header.data() + header_bytes + 4 * i, 4));
        return s;
    }

    /// `trailing`: bytes of the file after `bytes`, counted but not kept.
    void check_and_take(std::vector<std::uint8_t> bytes, std::uint64_t trailing = 0) {
        const std::size_t size = bytes.size();
        if (size < header_bytes) {
            detail::throw_data_error(name_, at(0), "the 4-byte IDX magic number 00 00 TYPE RANK",
                                     "only " + std::to_string(size) + " bytes");
        }
        if (bytes[0] != 0 || bytes[1] != 0)
            detail::throw_data_error(name_, at(0), "the IDX magic number 00 00 TYPE RANK",
                                     hex(bytes[0]) + " " + hex(bytes[1]) + " " + hex(bytes[2])
                                         + " " + hex(bytes[3]));
        const std::uint8_t code = bytes[2];
        if (!known_type(code))
            detail::throw_data_error(name_, at(2),
                                     "an IDX element type (08 u8, 09 i8, 0b i16, 0c i32, 0d f32, "
                                     "0e f64)",
                                     hex(code));
        type_ = element_type(code);
        const std::size_t rank = bytes[3];
        if (rank == 0) detail::throw_data_error(name_, at(3), "at least 1 dimension", "0");
        const std::size_t data_offset = header_bytes + 4 * rank;
        if (size < data_offset)
            detail::throw_data_error(name_, at(size),
                                     std::to_string(rank) + " 4-byte dimensions in bytes 4.."
                                         + std::to_string(data_offset - 1),
                                     "the end of the data");
        dims_.resize(rank);
        for (std::size_t i = 0; i < rank; ++i)
            dims_[i] = std::size_t(big_endian(bytes.data() + header_bytes + 4 * i, 4));
        // features, then rows × features, each kept below max/8 so count × width cannot wrap
        constexpr std::size_t limit = std::numeric_limits<std::size_t>::max() / 8;
        bool overflow = false;
        features_ = 1;
        for (std::size_t i = 1; i < rank; ++i) {
            if (dims_[i] != 0 && features_ > limit / dims_[i]) overflow = true;
            features_ = overflow ? 0 : features_ * dims_[i];
        }
        if (features_ != 0 && dims_[0] > limit / features_) overflow = true;
        const std::size_t count = overflow ? 0 : dims_[0] * features_;
        const std::size_t width = element_size(type_);
        const std::uint64_t available = size - data_offset + trailing;
        const std::string what = std::string("the ") + type_name(type_) + " of dimensions "
                                 + dims_string();
        if (overflow || count * width > available)
            detail::throw_data_error(
                name_, at(data_offset),
                (overflow ? std::string("more bytes than memory holds") : std::to_string(count * width)
                                                                               + " bytes")
                    + " for " + what,
                std::to_string(available) + " (a truncated file, or dimensions that do not "
                                            "match its size)");
        if (count * width < available)
            detail::throw_data_error(name_, at(data_offset + count * width),
                                     "the end of the file after " + what,
                                     std::to_string(available - count * width)
                                         + (available - count * width == 1 ? " more byte" : " more bytes")
                                         + " (dimensions that do not match the file's size)");
        bytes.erase(bytes.begin(), bytes.begin() + std::ptrdiff_t(data_offset));
        elements_ = std::move(bytes);
    }

    // Each element converted to T, checked where its type can hold a value T cannot: float data
    // must be finite (NaN and ±inf are refused, as read_csv refuses them), and must fit T: within
    // float's range for float, a whole number within T's range for an integer T (a conversion
    // out of range would be undefined behaviour). A check that cannot fail is not compiled in.
    template <class T>
    void convert(T* out) const {
        switch (type_) {
        case element_type::u8: return convert_each<T, std::uint8_t>(out, [](const std::uint8_t* p) { return *p; });
        case element_type::i8:
            return convert_each<T, std::int8_t>(out, [](const std::uint8_t* p) { return std::int8_t(*p); });
        case element_type::i16:
            return convert_each<T, std::int16_t>(
                out, [](const std::uint8_t* p) { return std::int16_t(std::uint16_t(big_endian(p, 2))); });
        case element_type::i32:
            return convert_each<T, std::int32_t>(
                out, [](const std::uint8_t* p) { return std::int32_t(std::uint32_t(big_endian(p, 4))); });
        case element_type::f32:
            return convert_each<T, float>(
                out, [](const std::uint8_t* p) { return std::bit_cast<float>(std::uint32_t(big_endian(p, 4))); });
        case element_type::f64:
            return convert_each<T, double>(
                out, [](const std::uint8_t* p) { return std::bit_cast<double>(big_endian(p, 8)); });
        }
    }

    template <class T, class Source>
    static constexpr bool always_fits() {
        if constexpr (std::is_floating_point_v<Source>)
            return false;
        else if constexpr (std::is_floating_point_v<T>)
            return true;
        else
            return std::in_range<T>(std::numeric_limits<Source>::min())
                   && std::in_range<T>(std::numeric_limits<Source>::max());
    }

    template <class T, class Source>
    static bool fits(Source v) {
        if constexpr (std::is_integral_v<Source>) {
            return std::in_range<T>(v);
        } else if constexpr (std::is_floating_point_v<T>) {
            return std::isfinite(v) && std::abs(double(v)) <= double(std::numeric_limits<T>::max());
        } else {
            // [min, 2^digits): exact in double for every integer type
            const double top = std::ldexp(1.0, std::numeric_limits<T>::digits);
            const double bottom = std::is_signed_v<T> ? -top : 0.0;
            return std::isfinite(v) && v == std::trunc(v) && double(v) >= bottom && double(v) < top;
        }
    }

    template <class T, class Source, class Decode>
    void convert_each(T* out, Decode decode) const {
        const std::uint8_t* p = elements_.data();
        const std::size_t n = rows() * features();
        constexpr std::size_t width = sizeof(Source);
        for (std::size_t i = 0; i < n; ++i) {
            const Source v = decode(p + width * i);
            if constexpr (!always_fits<T, Source>())
                if (!fits<T>(v)) [[unlikely]]
                    refuse_element<T>(i, double(v));
            out[i] = T(v);
        }
    }

    template <class T>
    [[noreturn, gnu::cold]] void refuse_element(std::size_t i, double v) const {
        const std::size_t offset = header_bytes + 4 * dims_.size() + element_size(type_) * i;
        std::string expected;
        if (!std::isfinite(v))
            expected = "a finite number";
        else if constexpr (std::is_floating_point_v<T>)
            expected = std::string("a number within the range of ") + (sizeof(T) == 4 ? "float" : "double");
        else
            expected = "a whole number in [" + std::to_string(std::numeric_limits<T>::min()) + ", "
                       + std::to_string(std::numeric_limits<T>::max()) + "], the range of the integer type asked for";
        detail::throw_data_error(name_, at(offset), expected + " (element " + std::to_string(i) + ")",
                                 detail::number_string(v));
    }

    std::string name_;
    bool decompressed_ = false;
    element_type type_ = element_type::u8;
    std::vector<std::size_t> dims_;
    std::size_t features_ = 1;
    std::vector<std::uint8_t> elements_;
};

/// Reads an IDX file (plain or gzip) whole; see idx_file.
inline idx_file read_idx(const std::filesystem::path& path, read_limits limits = {}) {
    return idx_file::read(path, limits);
}

/// Images (or any IDX array) as (rows, features) of T: Fashion-MNIST's
/// train-images-idx3-ubyte.gz gives (60000, 784) with values 0..255.
template <class T = float>
tensor<T, 2> read_idx_matrix(const std::filesystem::path& path, read_limits limits = {}) {
    return idx_file::read(path, limits).matrix<T>();
}

/// Class labels of a 1-dimensional IDX file as the (rows, 1) column ctnn's class losses read.
template <class T = float>
tensor<T, 2> read_idx_labels(const std::filesystem::path& path, read_limits limits = {}) {
    return idx_file::read(path, limits).labels<T>();
}

}  // namespace ctnn::data
