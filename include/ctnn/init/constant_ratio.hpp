// constant_ratio: every weight and bias set to a rational fixed in the type, for a policy named
// where no setting can follow it: an equation's `param<"g", W, init::constant_ratio<std::ratio<1,
// 10000>>>` (LayerScale's small start), whose policy is default constructed. It is
// init::constant started at that value (torch.nn.init.constant_ either way).
#pragma once

#include <ratio>
#include <string_view>

#include "ctnn/detail/std_ratio.hpp"
#include "ctnn/init/constant.hpp"

namespace ctnn::init {

/// `Value` is a std::ratio (floating-point template arguments are not portable to clang 14).
template <class Value = std::ratio<0>>
struct constant_ratio : constant {
    static_assert(detail::is_std_ratio<Value>,
                  "ctnn: init::constant_ratio's value must be a std::ratio, e.g. std::ratio<1, 10000>");
    static constexpr std::string_view name = "constant_ratio";
    constexpr constant_ratio() noexcept : constant{double(Value::num) / double(Value::den)} {}
};

}  // namespace ctnn::init
