// A zip archive without compression (method 0, "stored"), as NumPy's np.savez writes: local
// headers with CRC-32 and sizes, the central directory, the end record. No zip64: every entry
// and the whole archive stay under 4 GiB, at most 65535 entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/byte_io.hpp"
#include "ctnn/detail/crc32.hpp"

namespace ctnn::detail {

class stored_zip {
public:
    void add(std::string_view name, const std::vector<std::uint8_t>& data) {
        constexpr auto u32_max = std::numeric_limits<std::uint32_t>::max();
        if (data.size() >= u32_max || archive_.size() + data.size() + name.size() + 30 >= u32_max
            || entries_.size() == std::numeric_limits<std::uint16_t>::max())
            throw invalid_argument("ctnn: .npz export: the archive would exceed 4 GiB or 65535 entries (zip64 is not written)");
        const entry e{std::string(name), crc32(data.data(), data.size()), std::uint32_t(data.size()),
                      std::uint32_t(archive_.size())};
        archive_.put(std::uint32_t(0x04034b50));  // local file header
        put_common(archive_, e);
        archive_.put_bytes(e.name.data(), e.name.size());
        archive_.put_bytes(data.data(), data.size());
        entries_.push_back(e);
    }

    /// The finished archive: the entries, then the central directory and the end record.
    std::vector<std::uint8_t> finish() && {
        const std::size_t directory_start = archive_.size();
        for (const entry& e : entries_) {
            archive_.put(std::uint32_t(0x02014b50));  // central directory header
            archive_.put(std::uint16_t(20));          // made by: zip 2.0
            put_common(archive_, e);
            archive_.put(std::uint16_t(0));  // comment length
            archive_.put(std::uint16_t(0));  // disk number
            archive_.put(std::uint16_t(0));  // internal attributes
            archive_.put(std::uint32_t(0));  // external attributes
            archive_.put(e.offset);
            archive_.put_bytes(e.name.data(), e.name.size());
        }
        const std::size_t directory_size = archive_.size() - directory_start;
        archive_.put(std::uint32_t(0x06054b50));  // end of central directory
        archive_.put(std::uint16_t(0));
        archive_.put(std::uint16_t(0));
        archive_.put(std::uint16_t(entries_.size()));
        archive_.put(std::uint16_t(entries_.size()));
        archive_.put(std::uint32_t(directory_size));
        archive_.put(std::uint32_t(directory_start));
        archive_.put(std::uint16_t(0));  // comment length
        return std::move(archive_.bytes());
    }

private:
    struct entry {
        std::string name;
        std::uint32_t crc;
        std::uint32_t size;
        std::uint32_t offset;
    };

    // The fields local and central headers share, from "version needed" to "extra length".
    static void put_common(byte_writer& w, const entry& e) {
        w.put(std::uint16_t(20));      // version needed: 2.0
        w.put(std::uint16_t(0));       // flags
        w.put(std::uint16_t(0));       // method: stored
        w.put(std::uint16_t(0));       // time 00:00:00
        w.put(std::uint16_t(1 << 5 | 1));  // date 1980-01-01, the earliest DOS date
        w.put(e.crc);
        w.put(e.size);  // compressed size
        w.put(e.size);  // uncompressed size
        w.put(std::uint16_t(e.name.size()));
        w.put(std::uint16_t(0));  // extra length
    }

    byte_writer archive_;
    std::vector<entry> entries_;
};

}  // namespace ctnn::detail
