// What a distribution policy must provide: where a trainer's step runs (one process, or one of
// several MPI ranks training one model together).
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>

namespace ctnn {

/// `distributed` false: the trainer runs alone and asks nothing more (distribute::single_process).
/// `distributed` true: the trainer is one rank of `ranks()`, and the policy also shares the
/// weights, averages the loss and the gradients and makes the ranks agree on failures
/// (distribute::data_parallel, distribute/data_parallel.hpp, which needs MPI).
template <class D>
concept distribution_policy = std::copy_constructible<D> && requires(const D& d) {
    { D::name } -> std::convertible_to<std::string_view>;
    { D::distributed } -> std::convertible_to<bool>;
    { d.rank() } -> std::convertible_to<std::size_t>;
    { d.ranks() } -> std::convertible_to<std::size_t>;
};

}  // namespace ctnn
