// Opening a file to read it whole, refusing anything but a regular file. Opened without blocking
// and checked on the descriptor itself, so a named pipe cannot hang the open and nothing can be
// swapped in between the check and the read.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace ctnn::detail {

/// An open descriptor of a regular file and its size, or why there is none: `error` (an errno
/// value) or `not_regular` (what the path is instead: "a directory", "a named pipe", ...).
class regular_file {
public:
    explicit regular_file(const std::filesystem::path& path) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd_ < 0) {
            error_ = errno;
            return;
        }
        struct stat info {};
        if (::fstat(fd_, &info) != 0) {
            error_ = errno;
        } else if (!S_ISREG(info.st_mode)) {
            not_regular_ = kind(info.st_mode);
        } else {
            size_ = std::uint64_t(info.st_size);
            ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
        }
    }
    ~regular_file() {
        if (fd_ >= 0) ::close(fd_);
    }
    regular_file(const regular_file&) = delete;
    regular_file& operator=(const regular_file&) = delete;

    /// True when the file is open and regular.
    bool ok() const noexcept { return fd_ >= 0 && error_ == 0 && not_regular_.empty(); }
    int error() const noexcept { return error_; }
    std::string_view not_regular() const noexcept { return not_regular_; }
    /// The size fstat reported when the file was opened.
    std::uint64_t size() const noexcept { return size_; }

    /// Reads up to `count` bytes, retrying on EINTR; 0 at the end of the file, −1 on an error
    /// (errno set).
    ::ssize_t read(void* into, std::size_t count) const noexcept {
        for (;;) {
            const ::ssize_t got = ::read(fd_, into, count);
            if (got >= 0 || errno != EINTR) return got;
        }
    }

private:
    static std::string_view kind(mode_t mode) noexcept {
        if (S_ISDIR(mode)) return "a directory";
        if (S_ISFIFO(mode)) return "a named pipe";
        if (S_ISCHR(mode)) return "a character device";
        if (S_ISBLK(mode)) return "a block device";
        if (S_ISSOCK(mode)) return "a socket";
        return "not a regular file";
    }

    int fd_ = -1;
    int error_ = 0;
    std::string_view not_regular_;
    std::uint64_t size_ = 0;
};

}  // namespace ctnn::detail
