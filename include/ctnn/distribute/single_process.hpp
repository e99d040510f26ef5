// distribute::single_process: the trainer's default distribution, one process training alone.
#pragma once

#include <cstddef>
#include <string_view>

namespace ctnn::distribute {

/// One process: every row of every batch is this process's, nothing is exchanged.
struct single_process {
    static constexpr std::string_view name = "single_process";
    static constexpr bool distributed = false;
    std::size_t rank() const noexcept { return 0; }
    std::size_t ranks() const noexcept { return 1; }
};

}  // namespace ctnn::distribute
