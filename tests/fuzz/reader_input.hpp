// What the reader fuzz targets share: an input turned into a file the readers open, either the
// bytes as they are or gzip-compressed, so that mutations reach both the gzip decoder and the
// format behind it.
#pragma once

#include <unistd.h>
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ctnn_fuzz {

/// A gzip stream (one member) holding `bytes`.
inline std::vector<std::uint8_t> gzip(const std::uint8_t* bytes, std::size_t size) {
    z_stream z{};
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
    std::vector<std::uint8_t> out(deflateBound(&z, uLong(size)) + 32);
    z.next_in = const_cast<std::uint8_t*>(bytes);
    z.avail_in = uInt(size);
    z.next_out = out.data();
    z.avail_out = uInt(out.size());
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

/// Writes `content` (gzip-compressed when `compress`) to this process's scratch file and returns
/// its path.
inline std::filesystem::path input_file(bool compress, const std::uint8_t* content, std::size_t size,
                                        const char* suffix) {
    static const std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("ctnn_fuzz_" + std::to_string(::getpid()) + suffix);
    const std::vector<std::uint8_t> bytes = compress ? gzip(content, size) : std::vector<std::uint8_t>(content, content + size);
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return path;
}

[[noreturn]] inline void fail(const char* what) {
    std::fputs(what, stderr);
    std::fputc('\n', stderr);
    std::abort();
}

}  // namespace ctnn_fuzz
