// regularize::none: no penalty (the default).
#pragma once

#include <string_view>

namespace ctnn::regularize {

struct none {
    static constexpr std::string_view name = "none";
    template <class Network>
    double apply(Network&) const {
        return 0.0;
    }
};

}  // namespace ctnn::regularize
