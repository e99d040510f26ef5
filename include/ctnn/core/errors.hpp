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

/// A gradient (or loss) that is NaN or infinite; the weights were left as they were. Also save's
/// refusal to write a NaN or infinite value.
struct non_finite_error : error {
    using error::error;
};

/// A training step whose gradients a monitor judged exploding (monitor::gradient_health with
/// refuse_exploding_steps) under non_finite_action::throw_error; the weights were left as they were.
struct exploding_gradient_error : error {
    using error::error;
};

/// A policy or option given a value outside its domain (a negative learning rate, ...).
struct invalid_argument : error {
    using error::error;
};

/// A data file that cannot be read as what it claims to be (missing, truncated, a wrong magic
/// number, a ragged CSV row, a non-number): the message names the file, the position (byte
/// offset or line:column) and what was expected there and what was found.
struct data_error : error {
    using error::error;
};

/// A saved model that cannot be loaded: truncated or corrupted (bad magic, unknown version,
/// checksum mismatch) or saved from a network of another type (the first difference is named).
/// The network it was loaded into is left unchanged.
struct format_error : error {
    using error::error;
};

/// A file the system would not open, read, write, sync or rename; the message names the file
/// and the system's reason. A failed save leaves the previous file as it was.
struct io_error : error {
    using error::error;
};

/// Data-parallel training stopped on every rank because one rank failed (bad data, a refused
/// load, a failed save) or the ranks disagree (different data sets): the message names the rank
/// and its reason. Every rank throws it at the same step, so none is left waiting for the others.
struct distributed_error : error {
    using error::error;
};

}  // namespace ctnn
