// schedule::constant: the learning rate never changes (the default).
#pragma once

#include <cstddef>
#include <string_view>

namespace ctnn::schedule {

struct constant {
    static constexpr std::string_view name = "constant";
    double initial(double base_lr) const { return base_lr; }
    double next(double, double lr, std::size_t, double) { return lr; }
};

}  // namespace ctnn::schedule
