// Reading a zip archive held in memory, as NumPy's np.savez (stored) and np.savez_compressed
// (deflate) write one: the end record (zip64's too), the central directory, each entry's data
// found through its local header. Every offset and size is checked against the archive before
// it is used, each entry's CRC-32 is checked, and an entry inflates to its recorded size and no
// further: a corrupt archive is refused with a reason, never read past its end.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>

#include "ctnn/detail/byte_io.hpp"
#include "ctnn/detail/crc32.hpp"

namespace ctnn::detail {

class zip_reader {
public:
    struct entry {
        std::string name;
        std::uint16_t method = 0;  // 0 stored, 8 deflate
        std::uint32_t crc = 0;
        std::uint64_t compressed_size = 0;
        std::uint64_t size = 0;
        std::uint64_t local_header = 0;
    };

    /// Reads the central directory; `context` starts every message ("ctnn: load_npz 'm.npz'").
    zip_reader(std::span<const std::uint8_t> archive, std::string context)
        : archive_(archive), context_(std::move(context)) {
        const std::size_t end = find_end_record();
        byte_reader r = at(end + 4, "the end of central directory record");
        const auto disk = r.get<std::uint16_t>("the disk number");
        const auto directory_disk = r.get<std::uint16_t>("the central directory's disk");
        r.get<std::uint16_t>("the entries on this disk");
        std::uint64_t count = r.get<std::uint16_t>("the number of entries");
        r.get<std::uint32_t>("the central directory's size");
        std::uint64_t directory = r.get<std::uint32_t>("the central directory's offset");
        if (disk != 0 || directory_disk != 0) fail("a multi-disk archive is not supported");
        if (count == 0xFFFF || directory == 0xFFFFFFFF) read_zip64_end(end, count, directory);
        byte_reader d = at(directory, "the central directory");
        entries_.reserve(std::size_t(std::min<std::uint64_t>(count, archive_.size() / 46)));
        for (std::uint64_t k = 0; k < count; ++k) entries_.push_back(read_directory_entry(d));
    }

    const std::vector<entry>& entries() const noexcept { return entries_; }

    /// The entry's data, inflated if need be, after its CRC-32 was checked. Refused if it would
    /// be larger than `max_size`, before anything is allocated.
    std::vector<std::uint8_t> extract(const entry& e, std::uint64_t max_size) const {
        if (e.size > max_size)
            fail("entry '" + e.name + "' holds " + std::to_string(e.size) + " bytes, more than the "
                 + std::to_string(max_size) + " it can hold here");
        byte_reader h = at(e.local_header, "entry '" + e.name + "''s local header");
        if (h.get<std::uint32_t>("a local header signature") != 0x04034b50)
            fail("entry '" + e.name + "' has no local header at byte " + std::to_string(e.local_header));
        h.take(22, "a local header");
        const auto name_size = h.get<std::uint16_t>("a local header's name length");
        const auto extra_size = h.get<std::uint16_t>("a local header's extra length");
        h.take(std::size_t(name_size) + extra_size, "a local header's name and extra fields");
        const auto data = h.take(checked_size(e.compressed_size), "entry '" + e.name + "''s data");
        std::vector<std::uint8_t> out;
        if (e.method == 0) {
            if (e.compressed_size != e.size) fail("stored entry '" + e.name + "' has two sizes");
            out.assign(data.begin(), data.end());
        } else if (e.method == 8) {
            out = inflate_raw(data, e);
        } else {
            fail("entry '" + e.name + "' uses compression method " + std::to_string(e.method)
                 + "; only stored (0) and deflate (8) are read, as NumPy writes");
        }
        if (crc32(out.data(), out.size()) != e.crc)
            fail("entry '" + e.name + "' fails its CRC-32 check: the archive is corrupted");
        return out;
    }

    [[noreturn]] void fail(const std::string& reason) const { throw format_error(context_ + ": " + reason); }

private:
    byte_reader at(std::uint64_t offset, std::string_view what) const {
        if (offset > archive_.size())
            fail(std::string(what) + " would start at byte " + std::to_string(offset) + ", past the archive's "
                 + std::to_string(archive_.size()) + " bytes: the archive is truncated or corrupted");
        return byte_reader(archive_.subspan(std::size_t(offset)), context_, std::size_t(offset));
    }
    std::size_t checked_size(std::uint64_t size) const {
        if (size > archive_.size()) fail("an entry claims " + std::to_string(size) + " bytes, more than the archive");
        return std::size_t(size);
    }

    // The end record is the last 22 bytes, unless a comment (at most 65535 bytes) follows it.
    std::size_t find_end_record() const {
        if (archive_.size() < 22) fail("the file is " + std::to_string(archive_.size()) + " bytes: not a zip archive (.npz)");
        const std::size_t lowest = archive_.size() >= 22 + 65535 ? archive_.size() - 22 - 65535 : 0;
        for (std::size_t at = archive_.size() - 22 + 1; at-- > lowest;)
            if (archive_[at] == 0x50 && archive_[at + 1] == 0x4b && archive_[at + 2] == 0x05 && archive_[at + 3] == 0x06)
                return at;
        fail("no end of central directory record: not a zip archive (.npz), or truncated");
    }

    void read_zip64_end(std::size_t end, std::uint64_t& count, std::uint64_t& directory) const {
        if (end < 20) fail("a zip64 archive without its zip64 locator");
        byte_reader locator = at(end - 20, "the zip64 locator");
        if (locator.get<std::uint32_t>("the zip64 locator signature") != 0x07064b50)
            fail("a zip64 archive without its zip64 locator");
        locator.get<std::uint32_t>("the zip64 record's disk");
        byte_reader r = at(locator.get<std::uint64_t>("the zip64 record's offset"), "the zip64 end record");
        if (r.get<std::uint32_t>("the zip64 end record signature") != 0x06064b50) fail("the zip64 end record is missing");
        r.take(8 + 2 + 2 + 4 + 4 + 8, "the zip64 end record");
        count = r.get<std::uint64_t>("the zip64 number of entries");
        r.get<std::uint64_t>("the zip64 central directory's size");
        directory = r.get<std::uint64_t>("the zip64 central directory's offset");
    }

    entry read_directory_entry(byte_reader& d) const {
        if (d.get<std::uint32_t>("a central directory signature") != 0x02014b50)
            d.fail("a central directory entry is missing its signature: the archive is corrupted");
        d.take(4, "a central directory entry");
        const auto flags = d.get<std::uint16_t>("an entry's flags");
        entry e;
        e.method = d.get<std::uint16_t>("an entry's method");
        d.take(4, "an entry's time and date");
        e.crc = d.get<std::uint32_t>("an entry's CRC-32");
        e.compressed_size = d.get<std::uint32_t>("an entry's compressed size");
        e.size = d.get<std::uint32_t>("an entry's size");
        const auto name_size = d.get<std::uint16_t>("an entry's name length");
        const auto extra_size = d.get<std::uint16_t>("an entry's extra length");
        const auto comment_size = d.get<std::uint16_t>("an entry's comment length");
        d.take(2 + 2 + 4, "an entry's attributes");
        e.local_header = d.get<std::uint32_t>("an entry's local header offset");
        const auto name = d.take(name_size, "an entry's name");
        e.name.assign(name.begin(), name.end());
        if (flags & 1u) fail("entry '" + e.name + "' is encrypted");
        byte_reader extra(d.take(extra_size, "an entry's extra fields"), context_, d.offset() - extra_size);
        while (extra.remaining() >= 4) {  // zip64: the 0xFFFFFFFF fields, in this order
            const auto id = extra.get<std::uint16_t>("an extra field's id");
            const auto size = extra.get<std::uint16_t>("an extra field's size");
            byte_reader field(extra.take(size, "an extra field"), context_, extra.offset() - size);
            if (id != 0x0001) continue;
            if (e.size == 0xFFFFFFFF) e.size = field.get<std::uint64_t>("a zip64 size");
            if (e.compressed_size == 0xFFFFFFFF) e.compressed_size = field.get<std::uint64_t>("a zip64 compressed size");
            if (e.local_header == 0xFFFFFFFF) e.local_header = field.get<std::uint64_t>("a zip64 header offset");
        }
        d.take(comment_size, "an entry's comment");
        return e;
    }

    // Raw deflate (no zlib or gzip wrapper, as zip stores it), to exactly e.size bytes: one
    // byte of room more shows a stream that would inflate further than its recorded size.
    std::vector<std::uint8_t> inflate_raw(std::span<const std::uint8_t> data, const entry& e) const {
        constexpr std::uint64_t largest = std::numeric_limits<uInt>::max() - 1;
        if (e.size > largest || data.size() > largest)
            fail("entry '" + e.name + "' is larger than 4 GiB compressed: not read");
        std::vector<std::uint8_t> out(std::size_t(e.size) + 1);
        z_stream z{};
        if (inflateInit2(&z, -MAX_WBITS) != Z_OK) fail("zlib could not start inflating '" + e.name + "'");
        z.next_in = const_cast<Bytef*>(data.data());
        z.avail_in = uInt(data.size());
        z.next_out = out.data();
        z.avail_out = uInt(out.size());
        const int status = inflate(&z, Z_FINISH);
        const std::size_t produced = out.size() - z.avail_out;
        inflateEnd(&z);
        if (status != Z_STREAM_END || produced != e.size)
            fail("entry '" + e.name + "' does not inflate to its recorded " + std::to_string(e.size)
                 + " bytes: the archive is corrupted");
        out.resize(produced);
        return out;
    }

    std::span<const std::uint8_t> archive_;
    std::string context_;
    std::vector<entry> entries_;
};

}  // namespace ctnn::detail
