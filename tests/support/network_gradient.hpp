// Every parameter's gradient through a whole network, from backward, against central
// differences of the loss (double precision).
#pragma once

#include <cstddef>

#include <ctnn/core.hpp>

#include "support/gradient_check.hpp"

namespace ctnn_test {

/// Every parameter's gradient from backward against central differences of the loss.
template <class Net, class Loss>
void check_network_gradient(Net& net, const Loss& loss, const ctnn::tensor<double, 2>& x,
                            const ctnn::tensor<double, 2>& y) {
    const std::size_t rows = x.shape()[0];
    net.reserve(rows);
    const auto loss_at_current_weights = [&] {
        const double* out = net.forward(x.data(), rows);
        return ctnn::loss::value(loss, ctnn::detail::matrix_view(out, rows, Net::output_width), y);
    };
    const double* out = net.forward(x.data(), rows);
    auto gradient = net.output_gradient(rows);
    ctnn::loss::value_and_gradient(loss, ctnn::detail::matrix_view(out, rows, Net::output_width), y, gradient);
    net.backward();
    net.for_each_parameter([&](auto& p) {
        const auto analytic = p.grad;  // a copy: the checks below run forward passes only
        ctnn_test::check_gradient(p.value, analytic, loss_at_current_weights);
    });
}

}  // namespace ctnn_test
