// Run-time errors ctnn throws. Each message states what was expected and what was found.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace ctnn {

/// Base of every exception ctnn throws.
struct error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Data whose shape does not fit the network (e.g. x of width 9 into `input<10>`).
struct shape_error : error {
    using error::error;
};

/// A gradient (or loss) that is NaN or infinite; the weights were left as they were.
struct non_finite_error : error {
    using error::error;
};

/// A policy or option given a value outside its domain (a negative learning rate, ...).
struct invalid_argument : error {
    using error::error;
};

}  // namespace ctnn
