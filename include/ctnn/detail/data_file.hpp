// Reading a data file whole, gzip or not, and the wording of data_error messages, shared by the
// IDX and CSV readers. zlib reads a file that is not gzip unchanged, so one path serves both.
#pragma once

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ctnn/core/errors.hpp"

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

/// Reads the whole of `path`; a missing, unreadable, corrupt or truncated gzip file throws
/// data_error.
inline file_contents read_file_contents(const std::filesystem::path& path) {
    const std::string name = path.string();
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw_data_error(name, "byte 0", "a data file", "a directory");
    errno = 0;
    const std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(name.c_str(), "rb"), gzclose_r);
    if (!file) {
        const int e = errno;
        throw data_error("ctnn: " + name + ": cannot open the file: "
                         + (e != 0 ? std::generic_category().message(e)
                                   : std::string("zlib could not allocate its state")));
    }
    gzbuffer(file.get(), 1u << 17);

    file_contents contents;
    std::size_t size = 0;
    const auto on_disk = std::filesystem::file_size(path, ec);
    contents.bytes.resize(std::max<std::size_t>(ec ? 0 : std::size_t(on_disk) + 1, 1u << 16));
    for (;;) {
        if (size == contents.bytes.size()) contents.bytes.resize(2 * size);
        // chunks of at most 1 MiB, so an error is reported near the byte where it happened
        const auto want = unsigned(std::min<std::size_t>(contents.bytes.size() - size, 1u << 20));
        const int got = gzread(file.get(), contents.bytes.data() + size, want);
        if (got < 0) {
            int code = 0;
            std::string_view message = gzerror(file.get(), &code);
            if (code == Z_ERRNO)
                throw data_error("ctnn: " + name + ": cannot read the file: "
                                 + std::generic_category().message(errno));
            if (message.starts_with(name + ": ")) message.remove_prefix(name.size() + 2);
            // zlib checks a stream as it inflates it: the compressed offset is where it stopped
            throw_data_error(name, "byte " + std::to_string(gzoffset(file.get())) + " of the gzip file",
                             "a valid gzip stream", "\"" + std::string(message) + "\"");
        }
        if (got == 0) break;
        size += std::size_t(got);
    }
    contents.gzip = gzdirect(file.get()) == 0;
    int code = 0;
    gzerror(file.get(), &code);
    if (code == Z_BUF_ERROR)  // zlib's word for a gzip stream that stops early
        throw_data_error(name, "byte " + std::to_string(size) + " of the decompressed data",
                         "the rest of the gzip stream", "the end of the file (a truncated .gz)");
    contents.bytes.resize(size);
    return contents;
}

}  // namespace ctnn::detail
