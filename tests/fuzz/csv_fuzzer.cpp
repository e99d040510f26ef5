// libFuzzer target for the CSV reader: any file must either read or throw ctnn::data_error (no
// other exception, no bad_alloc: the limit below bounds the text, and x is allocated only for
// rows that can hold a header's worth of numbers), never read out of bounds (ASan) or hit
// undefined behaviour (UBSan); what it reads must be finite, with one label per row. The
// first byte picks gzip or plain, the delimiter, the label by index or by name, and the scalar
// type; the rest is the file. Built and run by RunFuzzer.cmake.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include <ctnn/data/csv.hpp>

#include "fuzz/reader_input.hpp"

namespace {

constexpr ctnn::data::read_limits limits{.max_bytes = std::size_t(1) << 20};

template <class T>
void read(const std::filesystem::path& path, std::uint8_t choice) {
    const char delimiter = (choice & 2) ? ';' : ',';
    try {
        const auto table = (choice & 4) ? ctnn::data::read_csv<T>(path, "y", delimiter, limits)
                                        : ctnn::data::read_csv<T>(path, std::size_t(choice >> 4), delimiter, limits);
        if (table.x.shape()[0] != table.y.shape()[0] || table.y.shape()[1] != 1) ctnn_fuzz::fail("row counts differ");
        if (table.x.shape()[0] == 0) ctnn_fuzz::fail("a table of no rows was read");
        if (table.feature_names.size() != table.x.shape()[1]) ctnn_fuzz::fail("a feature without a name");
        for (const T v : table.x)
            if (!std::isfinite(v)) ctnn_fuzz::fail("a non-finite feature was read");
        for (const T v : table.y)
            if (!std::isfinite(v)) ctnn_fuzz::fail("a non-finite label was read");
    } catch (const ctnn::data_error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t choice = data[0];
    const auto path = ctnn_fuzz::input_file(choice & 1, data + 1, size - 1, ".csv");
    if (choice & 8)
        read<double>(path, choice);
    else
        read<float>(path, choice);
    return 0;
}
