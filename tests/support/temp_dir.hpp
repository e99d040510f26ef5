// A fresh directory under the system temp dir for files a test writes; removed at scope exit.
#pragma once

#include <zlib.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <unistd.h>

namespace ctnn_test {

class temp_dir {
public:
    temp_dir() {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path()
                / ("ctnn_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }

    const std::filesystem::path& path() const noexcept { return path_; }

    /// Writes `bytes` to `name` in the directory, gzip-compressed with zlib if `gzip`.
    std::filesystem::path write(const std::string& name, std::string_view bytes,
                                bool gzip = false) const {
        const auto p = path_ / name;
        if (gzip) {
            gzFile f = gzopen(p.c_str(), "wb");
            if (!f) throw std::runtime_error("cannot create " + p.string());
            const int written = bytes.empty() ? 0 : gzwrite(f, bytes.data(), unsigned(bytes.size()));
            gzclose(f);
            if (written != int(bytes.size())) throw std::runtime_error("cannot write " + p.string());
        } else {
            std::ofstream out(p, std::ios::binary);
            out.write(bytes.data(), std::streamsize(bytes.size()));
            if (!out) throw std::runtime_error("cannot write " + p.string());
        }
        return p;
    }

    std::filesystem::path write(const std::string& name, const std::vector<std::uint8_t>& bytes,
                                bool gzip = false) const {
        return write(name,
                     std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                     gzip);
    }

    /// The bytes of a file in the directory (or anywhere), as written.
    static std::string read(const std::filesystem::path& p) {
        std::ifstream in(p, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

private:
    std::filesystem::path path_;
};

}  // namespace ctnn_test
