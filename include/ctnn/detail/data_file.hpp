// Reading a data file, gzip or not, as a stream with a size limit, and the wording of data_error
// messages, shared by the IDX and CSV readers. gzip is decoded with zlib's inflate on our own
// buffers (not gzread) so that the limit is checked as the data inflates and what follows the
// last gzip member is seen: concatenated members are read, anything else is refused.
#pragma once

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/data/read_limits.hpp"
#include "ctnn/detail/regular_file.hpp"

namespace ctnn::detail {

/// A file's bytes, decompressed if it was gzip (`gzip` then says offsets count decompressed
/// bytes).
struct file_contents {
    std::vector<std::uint8_t> bytes;
    bool gzip = false;
};

/// `ctnn: FILE: POSITION: expected EXPECTED, found FOUND` — one shape for every data error.
[[noreturn]] inline void throw_data_error(std::string_view file, std::string_view position,
                                          std::string_view expected, std::string_view found) {
    throw data_error("ctnn: " + std::string(file) + ": " + std::string(position) + ": expected "
                     + std::string(expected) + ", found " + std::string(found));
}

/// At most `limit` characters of `text`, quoted, for a message about what was found.
inline std::string quoted_excerpt(std::string_view text, std::size_t limit = 40) {
    std::string s = "\"";
    s.append(text.substr(0, limit));
    if (text.size() > limit) s += "...";
    return s + "\"";
}

/// The data of a regular file, inflated if it is gzip, read in order. Errors are data_error
/// naming the file and the byte.
class data_stream {
public:
    data_stream(const std::filesystem::path& path, data::read_limits limits)
        : name_(path.string()), limits_(limits), file_(path) {
        if (file_.not_regular() == "a directory") throw_data_error(name_, "byte 0", "a data file", "a directory");
        if (!file_.not_regular().empty())
            throw_data_error(name_, "byte 0", "a regular file", std::string(file_.not_regular()));
        if (!file_.ok())
            throw data_error("ctnn: " + name_ + ": cannot open the file: "
                             + std::generic_category().message(file_.error()));
        if (file_.size() > limits_.max_bytes)  // more than a plain file may hold; gzip holds more yet
            throw_data_error(name_, "byte 0", limit_text(), "a file of " + std::to_string(file_.size()) + " bytes");
        fill();
        gzip_ = available() >= 2 && input_[next_] == 0x1f && input_[next_ + 1] == 0x8b;
        if (gzip_) {
            if (inflateInit2(&z_, 15 + 16) != Z_OK)
                throw data_error("ctnn: " + name_ + ": cannot read the file: zlib could not allocate its state");
            inflating_ = true;
        }
    }
    ~data_stream() {
        if (gzip_) inflateEnd(&z_);
    }
    data_stream(const data_stream&) = delete;
    data_stream& operator=(const data_stream&) = delete;

    const std::string& name() const noexcept { return name_; }
    bool gzip() const noexcept { return gzip_; }
    /// The file's size on disk.
    std::uint64_t file_size() const noexcept { return file_.size(); }

    /// "byte N" or "byte N of the decompressed data".
    std::string at(std::uint64_t offset) const {
        return "byte " + std::to_string(offset) + (gzip_ ? " of the decompressed data" : "");
    }

    /// Up to `count` bytes into `into`; fewer only at the end of the data. Refuses data past
    /// `read_limits::max_bytes`.
    std::size_t read(std::uint8_t* into, std::size_t count) {
        if (delivered_ + count > limits_.max_bytes) {
            const std::size_t allowed = std::size_t(limits_.max_bytes - delivered_);
            const std::size_t got = read_unlimited(into, allowed);
            if (got < allowed) return got;
            std::uint8_t probe = 0;
            if (read_unlimited(&probe, 1) == 0) return got;
            throw_data_error(name_, at(limits_.max_bytes), limit_text(), "more");
        }
        return read_unlimited(into, count);
    }

    /// Counts the bytes left without keeping them (still refusing more than the limit).
    std::uint64_t count_rest() {
        std::array<std::uint8_t, 1 << 16> sink{};
        std::uint64_t rest = 0;
        for (std::size_t got; (got = read(sink.data(), sink.size())) > 0;) rest += got;
        return rest;
    }

    /// What a message says the limit is.
    std::string limit_text() const {
        return "at most " + std::to_string(limits_.max_bytes)
               + " bytes of data (data::read_limits::max_bytes; raise it to read larger files)";
    }

private:
    std::size_t available() const noexcept { return filled_ - next_; }

    /// Moves what is left of the input buffer to its front and reads more after it; false at
    /// the end of the file.
    bool fill() {
        std::copy(input_.begin() + std::ptrdiff_t(next_), input_.begin() + std::ptrdiff_t(filled_), input_.begin());
        filled_ -= next_;
        next_ = 0;
        const ::ssize_t got = file_.read(input_.data() + filled_, input_.size() - filled_);
        if (got < 0)
            throw data_error("ctnn: " + name_ + ": cannot read the file: " + std::generic_category().message(errno));
        filled_ += std::size_t(got);
        file_offset_ += std::uint64_t(got);
        return got > 0;
    }

    /// Offset in the file of the next unconsumed input byte.
    std::uint64_t input_offset() const noexcept { return file_offset_ - available(); }

    std::size_t read_unlimited(std::uint8_t* into, std::size_t count) {
        std::size_t done = 0;
        while (done < count) {
            if (available() == 0 && !fill()) break;
            if (!gzip_) {
                const std::size_t n = std::min(count - done, available());
                std::copy_n(input_.data() + next_, n, into + done);
                next_ += n;
                done += n;
                continue;
            }
            if (!inflating_) {  // a member ended: another must follow, or nothing
                if (available() < 2 && fill() && available() < 2) continue;
                if (available() >= 2 && input_[next_] == 0x1f && input_[next_ + 1] == 0x8b) {
                    inflateReset(&z_);
                    inflating_ = true;
                    continue;
                }
                throw_data_error(name_, "byte " + std::to_string(input_offset()) + " of the gzip file",
                                 "the end of the file or another gzip member",
                                 std::to_string(available() + rest_of_file())
                                     + " bytes of other data");
            }
            z_.next_in = input_.data() + next_;
            z_.avail_in = unsigned(available());
            z_.next_out = into + done;
            z_.avail_out = unsigned(std::min<std::size_t>(count - done, 1u << 30));
            const int status = inflate(&z_, Z_NO_FLUSH);
            next_ = filled_ - z_.avail_in;
            done = std::size_t(z_.next_out - into);
            if (status == Z_STREAM_END) {
                inflating_ = false;
            } else if (status == Z_DATA_ERROR || status == Z_NEED_DICT) {
                throw_data_error(name_, "byte " + std::to_string(input_offset()) + " of the gzip file",
                                 "a valid gzip stream",
                                 "\"" + std::string(z_.msg ? z_.msg : "invalid data") + "\"");
            } else if (status == Z_MEM_ERROR) {
                throw data_error("ctnn: " + name_ + ": cannot read the file: zlib ran out of memory");
            }
        }
        if (done < count && gzip_ && inflating_)  // the file ended inside a member
            throw_data_error(name_, at(delivered_ + done), "the rest of the gzip stream",
                             "the end of the file (a truncated .gz)");
        delivered_ += done;
        return done;
    }

    /// Bytes of the file not yet read into the buffer (for a message about trailing data).
    std::uint64_t rest_of_file() const noexcept {
        return file_.size() > file_offset_ ? file_.size() - file_offset_ : 0;
    }

    std::string name_;
    data::read_limits limits_;
    regular_file file_;
    std::array<std::uint8_t, 1 << 17> input_{};
    std::size_t next_ = 0, filled_ = 0;
    std::uint64_t file_offset_ = 0, delivered_ = 0;
    z_stream z_{};
    bool gzip_ = false, inflating_ = false;
};

/// Allocates `bytes` for a reader, turning an allocation failure into data_error.
inline void reserve_for(std::vector<std::uint8_t>& v, std::size_t bytes, const data_stream& s) {
    try {
        v.resize(bytes);
    } catch (const std::bad_alloc&) {
        throw data_error("ctnn: " + s.name() + ": cannot allocate " + std::to_string(bytes)
                         + " bytes to read it (lower data::read_limits::max_bytes, or free memory)");
    }
}

/// Reads the whole of `path` (inflated if gzip), at most `limits.max_bytes` of it.
inline file_contents read_file_contents(const std::filesystem::path& path, data::read_limits limits = {}) {
    data_stream s(path, limits);
    file_contents contents;
    contents.gzip = s.gzip();
    // a plain file's size is known; a gzip stream's is not, so it grows by doubling
    std::size_t capacity = std::min<std::uint64_t>(s.gzip() ? s.file_size() * 4 : s.file_size(), limits.max_bytes);
    capacity = std::max<std::size_t>(capacity, 1u << 16);
    reserve_for(contents.bytes, capacity, s);
    std::size_t size = 0;
    for (;;) {
        if (size == contents.bytes.size())
            reserve_for(contents.bytes, std::min<std::size_t>(2 * size, std::max<std::size_t>(limits.max_bytes, size + 1)), s);
        const std::size_t got = s.read(contents.bytes.data() + size, contents.bytes.size() - size);
        if (got == 0) break;
        size += got;
    }
    contents.bytes.resize(size);
    return contents;
}

}  // namespace ctnn::detail
