// read_limits: how much data a reader (IDX, CSV) may take in. A file, or a gzip stream once
// decompressed, larger than `max_bytes` is refused with data_error before it is read past the
// limit, so a small .gz that inflates to gigabytes cannot exhaust memory. Raise it to read larger
// files: `data::read_idx_matrix(path, {.max_bytes = std::size_t(8) << 30})`.
#pragma once

#include <cstddef>

namespace ctnn::data {

struct read_limits {
    /// Bytes of data after decompression; the default is 2 GiB.
    std::size_t max_bytes = std::size_t(1) << 31;
};

}  // namespace ctnn::data
