// Whole-file reads and atomic whole-file writes for saved models and exports. A write goes to a
// temporary file in the destination's directory, is flushed and fsync'ed, then renamed over the
// destination: a crash or an error at any point leaves the previous file as it was. Through a
// symbolic link the write goes to the file it names, and a replaced file keeps its mode.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/regular_file.hpp"

namespace ctnn::detail {

[[noreturn]] inline void throw_io_error(std::string_view operation, const std::filesystem::path& path,
                                        std::string_view step, int error_number) {
    throw io_error("ctnn: " + std::string(operation) + " '" + path.string() + "': cannot " + std::string(step)
                   + ": " + std::generic_category().message(error_number));
}

/// Every byte of `path`, a regular file of at most `max_bytes` (a pipe, a device or a directory
/// is io_error; a longer file format_error, before anything is allocated). `operation` names the
/// caller in messages ("load").
inline std::vector<std::uint8_t> read_whole_file(const std::filesystem::path& path, std::string_view operation,
                                                 std::uint64_t max_bytes = std::numeric_limits<std::uint64_t>::max()) {
    const regular_file file(path);
    if (!file.not_regular().empty())
        throw io_error("ctnn: " + std::string(operation) + " '" + path.string() + "': cannot read it: it is "
                       + std::string(file.not_regular()) + ", not a regular file");
    if (!file.ok()) throw_io_error(operation, path, "open it", file.error());
    const auto too_long = [&](std::uint64_t size, bool at_least) {
        throw format_error("ctnn: " + std::string(operation) + " '" + path.string() + "': the file is "
                           + (at_least ? "more than " : "") + std::to_string(size) + " bytes, more than the "
                           + std::to_string(max_bytes)
                           + " bytes of the largest file this network saves: not a file of this network");
    };
    if (file.size() > max_bytes) too_long(file.size(), false);
    // One byte past the bound is enough to know a growing file broke it (saturating: no bound at all
    // must not wrap to a zero-byte buffer).
    const std::uint64_t buffer_bound = max_bytes == std::numeric_limits<std::uint64_t>::max() ? max_bytes : max_bytes + 1;
    std::vector<std::uint8_t> bytes(std::size_t(file.size()));
    std::size_t size = 0;
    for (;;) {
        if (size == bytes.size()) {  // read all it had when opened: see whether it grew
            if (size > max_bytes) too_long(max_bytes, true);
            bytes.resize(std::size_t(std::min<std::uint64_t>(std::uint64_t(size) + 65536, buffer_bound)));
        }
        const ::ssize_t got = file.read(bytes.data() + size, bytes.size() - size);
        if (got < 0) throw_io_error(operation, path, "read it", errno);
        if (got == 0) break;
        size += std::size_t(got);
    }
    bytes.resize(size);
    return bytes;
}

/// The file `path` names: itself, or where its chain of symbolic links ends (a link to a file
/// not yet made included). Renaming over the link would replace it and leave its target stale.
inline std::filesystem::path link_target(const std::filesystem::path& path) {
    std::filesystem::path target = path;
    std::error_code error;
    for (int hops = 0; hops < 40 && std::filesystem::is_symlink(std::filesystem::symlink_status(target, error));
         ++hops) {
        const std::filesystem::path next = std::filesystem::read_symlink(target, error);
        if (error) break;
        target = next.is_absolute() ? next : target.parent_path() / next;
    }
    return target;
}

/// The directory `file` is in ("." for a bare name).
inline std::filesystem::path directory_of(const std::filesystem::path& file) {
    const std::filesystem::path directory = file.parent_path();
    return directory.empty() ? std::filesystem::path(".") : directory;
}

/// Removes `<file>.tmp-<pid>-<n>` left beside `file` by saves whose process no longer exists
/// (killed mid-save). A live process's temporary file, another save in progress, is kept.
inline void remove_stale_temporaries(const std::filesystem::path& file) {
    const std::filesystem::path directory = directory_of(file);
    const std::string prefix = file.filename().string() + ".tmp-";
    std::error_code error;
    for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
        const std::string name = it->path().filename().string();
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        const std::size_t dash = name.find('-', prefix.size());
        if (dash == std::string::npos || dash == prefix.size()) continue;
        long long pid = 0;
        bool digits = true;
        for (std::size_t k = prefix.size(); k < dash; ++k) {
            digits = digits && name[k] >= '0' && name[k] <= '9' && pid < 100000000000LL;
            pid = pid * 10 + (name[k] - '0');
        }
        if (!digits || pid <= 0 || pid == ::getpid()) continue;
        // kill(pid, 0): 0 or EPERM (another user's) for a live process, ESRCH for none.
        if (pid <= 0x7FFFFFFFLL && (::kill(::pid_t(pid), 0) == 0 || errno != ESRCH)) continue;
        std::filesystem::remove(it->path(), error);
    }
}

/// Replaces `path` (through symbolic links, the file they name) with `bytes` atomically: temp
/// file beside it with the replaced file's mode, write, fsync, rename, then fsync of the
/// directory so the rename itself is durable. On failure the temp file is removed, the previous
/// file is untouched, and io_error names the step that failed.
inline void write_file_atomically(const std::filesystem::path& link, std::span<const std::uint8_t> bytes,
                                  std::string_view operation) {
    static std::atomic<unsigned> counter{0};
    const std::filesystem::path path = link_target(link);
    remove_stale_temporaries(path);
    // Over the file size limit, write() would raise SIGXFSZ, whose default ends the process:
    // refused here instead, before anything is written.
    rlimit size_limit{};
    if (::getrlimit(RLIMIT_FSIZE, &size_limit) == 0 && size_limit.rlim_cur != RLIM_INFINITY
        && bytes.size() > size_limit.rlim_cur)
        throw_io_error(operation, link, "write it (" + std::to_string(bytes.size()) + " bytes, over the file size limit of "
                                            + std::to_string(size_limit.rlim_cur) + ")",
                       EFBIG);
    // O_EXCL with a name unique to this process and call: the file's mode follows the umask
    // (mkstemp would make it 0600).
    std::filesystem::path temp;
    int fd = -1;
    for (int attempt = 0; fd < 0; ++attempt) {
        temp = path;
        temp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
        fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && (errno != EEXIST || attempt == 100))
            throw_io_error(operation, link, "create a temporary file beside it", errno);
    }
    const auto give_up = [&](std::string_view step, int error_number) {
        if (fd >= 0) ::close(fd);
        ::unlink(temp.c_str());
        throw_io_error(operation, link, step, error_number);
    };
    struct stat replaced {};
    if (::stat(path.c_str(), &replaced) == 0 && S_ISREG(replaced.st_mode)
        && ::fchmod(fd, replaced.st_mode & 07777) != 0)
        give_up("give the temporary file the mode of the file it replaces", errno);
    for (std::size_t written = 0; written < bytes.size();) {
        const ::ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            give_up("write it", errno);
        }
        written += std::size_t(n);
    }
    if (::fsync(fd) != 0) give_up("sync it to disk", errno);
    const int closed = ::close(fd);
    fd = -1;
    if (closed != 0) give_up("close it", errno);
    if (::rename(temp.c_str(), path.c_str()) != 0) give_up("rename the temporary file over it", errno);
    const std::filesystem::path directory = directory_of(path);
    const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {  // best effort: the file is in place, only its durability is at stake
        ::fsync(dir);
        ::close(dir);
    }
}

}  // namespace ctnn::detail
