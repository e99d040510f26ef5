// write_history_csv: a fit's training_history as a CSV file, written atomically. Apart from
// history.hpp because of <filesystem>, which training units that only include <ctnn/core.hpp>
// need not parse; training_history::write_csv(path) calls this.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "ctnn/detail/atomic_file.hpp"
#include "ctnn/train/history.hpp"

namespace ctnn {

/// Writes history.csv() to `path`: a temporary file beside it, then a rename, so a failure
/// leaves the previous file as it was; io_error names the step that failed.
inline void write_history_csv(const training_history& history, const std::filesystem::path& path) {
    const std::string text = history.csv();
    detail::write_file_atomically(path, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()},
                                  "write_csv");
}

}  // namespace ctnn
