// libFuzzer target for the IDX reader: any file must either read or throw ctnn::data_error (no
// other exception, no bad_alloc: the limit below bounds every allocation), never read out of
// bounds (ASan) or convert out of range (UBSan); what it reads must have the shape its header
// declares and, as float, be finite. Built and run by RunFuzzer.cmake.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include <ctnn/data/idx.hpp>

#include "fuzz/reader_input.hpp"

namespace {

constexpr ctnn::data::read_limits limits{.max_bytes = std::size_t(1) << 20};

template <class F>
void refused_or_read(F read) {
    try {
        read();
    } catch (const ctnn::data_error&) {
    }
}

void check(const ctnn::data::idx_file& f) {
    refused_or_read([&] {
        const auto x = f.matrix<float>();
        if (x.shape()[0] != f.rows() || x.shape()[1] != f.features()) ctnn_fuzz::fail("matrix shape");
        for (const float v : x)
            if (!std::isfinite(v)) ctnn_fuzz::fail("a non-finite element was read");
    });
    refused_or_read([&] { f.matrix<std::uint8_t>(); });
    refused_or_read([&] { f.matrix<long>(); });
    refused_or_read([&] { f.labels<double>(); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    refused_or_read([&] { check(ctnn::data::idx_file::parse({data, data + size}, "fuzz")); });
    // through a file too, gzip-compressed when the first byte is odd
    if (size == 0) return 0;
    const auto path = ctnn_fuzz::input_file(data[0] & 1, data + 1, size - 1, ".idx");
    refused_or_read([&] { check(ctnn::data::read_idx(path, limits)); });
    return 0;
}
