// clip::none: gradients are left as computed; the 2-norm is still measured, so training can
// report it and refuse non-finite steps.
#pragma once

#include <string_view>

#include "ctnn/clip/clip_result.hpp"
#include "ctnn/detail/norms.hpp"

namespace ctnn::clip {

struct none {
    static constexpr std::string_view name = "none";

    template <class ParameterSet>
    clip_result apply(ParameterSet& params) const {
        const auto acc = detail::gradient_norms_of_set(params);
        return {detail::gradient_l2_of_set(params, acc), acc.finite(), acc.max_abs};
    }
};

}  // namespace ctnn::clip
