// monitor::gradient_health: watches every step from inside the trainer. Per step and per layer it
// measures the gradient norm (before clipping), the weight norm, the update-to-weight ratio, the
// gradient back-propagated into the layer, dead ReLUs, saturated tanh/sigmoid units and, for
// recurrent layers, ‖∂L/∂h_t‖ across time; it raises events that name the step and the layer
// (non-finite, explosion, vanishing, dead, saturated) and keeps a history exportable as CSV.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ctnn/activations/relu.hpp"
#include "ctnn/activations/sigmoid.hpp"
#include "ctnn/activations/tanh.hpp"
#include "ctnn/core/errors.hpp"
#include "ctnn/detail/norms.hpp"
#include "ctnn/expr/activation.hpp"
#include "ctnn/fwd.hpp"
#include "ctnn/monitor/event_kind.hpp"
#include "ctnn/monitor/health_event.hpp"
#include "ctnn/monitor/layer_health.hpp"
#include "ctnn/monitor/step_health.hpp"
#include "ctnn/train/fit_options.hpp"

namespace ctnn::detail {

struct visit_nothing {
    template <class P>
    void operator()(P&) const {}
};

template <class Layer>
constexpr std::string_view layer_kind_of() {
    if constexpr (requires { Layer::kind; })
        return Layer::kind;
    else
        return "layer";
}

template <class Layer>
concept layer_with_parameters = requires(Layer& layer) { layer.for_each_parameter(visit_nothing{}); };
template <class Layer>
concept layer_with_output = requires(Layer& layer) {
    layer.output().data();
    layer.output().shape();
};
template <class Layer>
concept layer_with_activation = layer_with_output<Layer> && requires { typename Layer::activation_type; };
template <class Layer>
concept layer_with_preactivation_gradient = requires(Layer& layer) {
    layer.preactivation_gradient().data();
    layer.preactivation_gradient().size();
};
template <class Layer>
concept block_with_inner_layers = requires(Layer& layer) {
    layer.for_each_inner_layer([](auto&, std::string_view) {});
};
template <class Layer>
concept layer_with_time_gradient_norms = requires(Layer& layer) {
    { *std::begin(layer.time_gradient_norms()) } -> std::convertible_to<double>;
};

// f(layer, position, inner) for each layer of the network and, after each block, for each layer
// inside it, depth first: the monitor's rows. `inner` names an inner layer as PyTorch's
// state_dict does ("body.1", "branches.0.2", "body.0.body.1"); "" for the network's own layers.
template <class Layer, class F>
void visit_monitored_layer(Layer& layer, std::size_t position, std::string_view inner, F& f) {
    f(layer, position, inner);
    if constexpr (block_with_inner_layers<Layer>)
        layer.for_each_inner_layer([&](auto& inner_layer, std::string_view name) {
            const std::string path = inner.empty() ? std::string(name) : std::string(inner) + "." + std::string(name);
            visit_monitored_layer(inner_layer, position, path, f);
        });
}
template <class Network, class F>
void for_each_monitored_layer(Network& net, F&& f) {
    std::size_t position = 0;
    net.for_each_layer([&](auto& layer) { visit_monitored_layer(layer, position++, std::string_view(), f); });
}

// a (units, columns), feature-major: the fraction of units that are 0 in every column.
template <class View>
double fraction_of_dead_units(const View& a) {
    const std::size_t units = a.shape()[0], columns = a.shape()[1];
    if (units == 0 || columns == 0) return monitor::layer_health::not_measured;
    const auto* data = a.data();
    std::size_t dead = 0;
    for (std::size_t u = 0; u < units; ++u) {
        const auto* row = data + u * columns;
        if (std::all_of(row, row + columns, [](auto v) { return v == 0; })) ++dead;
    }
    return double(dead) / double(units);
}

// The fraction of elements of `a` for which `saturated(v)` holds.
template <class View, class Predicate>
double fraction_of_elements(const View& a, Predicate saturated) {
    const std::size_t n = a.size();
    if (n == 0) return monitor::layer_health::not_measured;
    const auto* data = a.data();
    return double(std::count_if(data, data + n, saturated)) / double(n);
}

// Σ (now − before)², in independent accumulators (sum_in_lanes).
template <class T>
double squared_distance(const T* __restrict now, const T* __restrict before, std::size_t n) {
    return sum_in_lanes(n, [&](std::size_t i) {
        const double d = double(now[i]) - double(before[i]);
        return d * d;
    });
}

template <class View>
bool all_finite(const View& a) {
    const auto* data = a.data();
    return std::all_of(data, data + a.size(), [](auto v) { return std::isfinite(double(v)); });
}

/// Everything monitor::gradient_health has seen (its settings aside).
struct gradient_health_state {
    struct layer_state {
        double average = 0.0;      // running average of the gradient norm
        std::size_t observed = 0;  // finite gradient norms seen
        bool dead = false;         // currently flagged (events fire on onset)
        bool saturated = false;
        bool vanishing_in_time = false;
        bool exploding_in_time = false;
    };
    monitor::step_health current;
    std::vector<layer_state> layers;
    std::vector<monitor::health_event> events;
    std::deque<monitor::step_health> history;
    // the weights just before an update, in the network's scalar type (one of the two is used)
    std::vector<float> weights_before_float;
    std::vector<double> weights_before_double;
    template <class T>
    std::vector<T>& weights_before() {
        if constexpr (std::is_same_v<T, float>)
            return weights_before_float;
        else
            return weights_before_double;
    }
    std::size_t first_event_of_step = 0;
    bool recorded_current = false;
    bool vanishing = false;
    // the step of the last applied update that no rollback has undone yet
    std::optional<std::size_t> last_applied_step;
};

inline std::string format_number(double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", v);
    return text;
}

}  // namespace ctnn::detail

namespace ctnn::monitor {

class gradient_health {
public:
    static constexpr std::string_view name = "gradient_health";

    // --- settings (PyTorch has no such monitor; these are this library's defaults) ---------
    /// Explosion: a layer's gradient norm above explosion_factor × its running average ...
    double explosion_factor = 10.0;
    /// ... an exponential moving average with this decay (each value enters clamped to
    /// explosion_factor × the average, so one spike does not hide the next) ...
    double explosion_decay = 0.9;
    /// ... once the layer has been observed this many steps (the warm-up: no explosion events;
    /// a step whose gradient norm is 0 or not finite is no observation).
    std::size_t warmup_steps = 5;
    /// Refuse exploding steps as if they were non-finite: the trainer then throws
    /// (exploding_gradient_error), skips or rolls back, as its non_finite_action says.
    bool refuse_exploding_steps = false;
    /// Vanishing: the first layer's back-propagated gradient below this fraction of the last's.
    double vanishing_ratio = 1e-3;
    /// Vanishing in time: a recurrent layer's time_gradient_ratio() below this: of the gradient
    /// entering at its last step, this fraction or less reaches back as far as it goes
    /// (layer_health::time_gradient_reach).
    double time_vanishing_ratio = 1e-3;
    /// Exploding in time: that ratio above this (the gradient grew on its way back).
    double time_explosion_ratio = 1e3;
    /// Dead layer: more than this fraction of its ReLU units output 0 for every row of the batch
    /// (small batches overstate it: a unit may be 0 on a few rows by chance).
    double dead_fraction = 0.5;
    /// Saturated layer: more than this fraction of its outputs are saturated, which means
    /// |a| > tanh_saturation for tanh, a > sigmoid_saturation or a < 1 − sigmoid_saturation for
    /// sigmoid (there the derivative is below 0.02 resp. 0.01).
    double saturated_fraction = 0.5;
    double tanh_saturation = 0.99;
    double sigmoid_saturation = 0.99;
    /// ‖Δθ‖/‖θ‖ needs a copy of the weights before each update; off saves that copy.
    bool measure_update_ratio = true;
    /// History: keep every record_every-th step (0: none, events only) ...
    std::size_t record_every = 1;
    /// ... and of those only the last keep_last (0: all).
    std::size_t keep_last = 0;

    void validate() const {
        require(explosion_factor > 1.0, "explosion_factor > 1", explosion_factor);
        require(explosion_decay >= 0.0 && explosion_decay < 1.0, "0 <= explosion_decay < 1", explosion_decay);
        require(vanishing_ratio >= 0.0, "vanishing_ratio >= 0", vanishing_ratio);
        require(time_vanishing_ratio >= 0.0, "time_vanishing_ratio >= 0", time_vanishing_ratio);
        require(time_explosion_ratio > 1.0, "time_explosion_ratio > 1", time_explosion_ratio);
        require(dead_fraction >= 0.0 && dead_fraction < 1.0, "0 <= dead_fraction < 1", dead_fraction);
        require(saturated_fraction >= 0.0 && saturated_fraction < 1.0, "0 <= saturated_fraction < 1",
                saturated_fraction);
        require(tanh_saturation > 0.0 && tanh_saturation < 1.0, "0 < tanh_saturation < 1", tanh_saturation);
        require(sigmoid_saturation > 0.5 && sigmoid_saturation < 1.0, "0.5 < sigmoid_saturation < 1",
                sigmoid_saturation);
    }

    // --- the trainer's hooks ----------------------------------------------------------------
    /// After backward and the penalty, before clipping. Returns false if the step must not be
    /// applied: non-finite, or exploding with refuse_exploding_steps.
    template <class Network>
    bool observe_gradients(Network& net, const step_report& report) {
        state.first_event_of_step = state.events.size();
        const bool backward_ran = std::isfinite(report.loss);
        step_health& now = state.current;
        now.step = report.step;
        now.epoch = report.epoch;
        now.rows = report.rows;
        now.loss = report.loss;
        now.applied = false;
        std::size_t rows = 0;
        detail::for_each_monitored_layer(net, [&](auto&, std::size_t, std::string_view) { ++rows; });
        now.layers.resize(rows);
        state.layers.resize(rows);

        now.learning_rate = report.learning_rate;
        std::size_t i = 0;
        bool gradients_finite = true;
        double total_squares = 0.0, largest = 0.0;
        detail::for_each_monitored_layer(net, [&](auto& layer, std::size_t position, std::string_view inner) {
            const bool finite = measure_layer(layer, now.layers[i], position, inner, backward_ran);
            const layer_health& h = now.layers[i];
            if (h.inner.empty() && h.parameters > 0 && backward_ran) {  // a block's inner layers are in its row
                gradients_finite = gradients_finite && finite;
                total_squares += h.gradient_norm * h.gradient_norm;
                largest = std::max(largest, h.gradient_norm);
            }
            ++i;
        });
        double total = std::sqrt(total_squares);
        if (gradients_finite && !std::isfinite(total)) {  // finite norms whose squares overflow
            double scaled = 0.0;
            for (const layer_health& h : now.layers)
                if (h.inner.empty() && h.parameters > 0)
                    scaled += (h.gradient_norm / largest) * (h.gradient_norm / largest);
            total = largest * std::sqrt(scaled);
        }
        now.gradient_norm = backward_ran && gradients_finite ? total : layer_health::not_measured;
        now.backprop_ratio = first_to_last(now, &layer_health::backprop_norm);
        now.gradient_ratio = first_to_last(now, &layer_health::gradient_norm);

        bool healthy = true;
        if (!backward_ran || !gradients_finite) {
            report_non_finite(net, now, backward_ran);
            healthy = false;
        } else {
            const bool exploded = check_explosions(now);
            healthy = !(exploded && refuse_exploding_steps);
            check_vanishing(now);
            check_time_reach(now);
        }
        check_activations(now);
        record(now);
        return healthy;
    }

    /// Just before the optimizer update: keeps the weights for ‖Δθ‖/‖θ‖.
    template <class Network>
    void before_update(Network& net) {
        if (!measure_update_ratio) return;
        auto& before = state.weights_before<typename Network::scalar>();
        std::size_t total = 0;
        net.for_each_parameter([&](auto& p) { total += p.value.size(); });
        before.resize(total);
        std::size_t offset = 0;
        net.for_each_parameter([&](auto& p) {
            std::copy_n(p.value.data(), p.value.size(), before.data() + offset);
            offset += p.value.size();
        });
    }

    /// Just after the optimizer update of an accepted step.
    template <class Network>
    void observe_update(Network& net, const step_report& report) {
        if (report.step != state.current.step) return;
        state.current.applied = true;
        state.last_applied_step = report.step;
        const auto& before = state.weights_before<typename Network::scalar>();
        if (measure_update_ratio && !before.empty()) {
            // `before` holds the parameters in the network's order, a block's as its inner layers'
            // in theirs: a block's row reads from where its first inner layer's starts.
            std::size_t i = 0, offset = 0;
            detail::for_each_monitored_layer(net, [&](auto& layer, std::size_t, std::string_view) {
                using layer_type = std::remove_cvref_t<decltype(layer)>;
                if constexpr (detail::layer_with_parameters<layer_type>) {
                    double change = 0.0;
                    std::size_t at = offset;
                    layer.for_each_parameter([&](auto& p) {
                        change += detail::squared_distance(p.value.data(), before.data() + at, p.value.size());
                        at += p.value.size();
                    });
                    if constexpr (!detail::block_with_inner_layers<layer_type>) offset = at;
                    layer_health& h = state.current.layers[i];
                    if (h.parameters > 0) h.update_ratio = std::sqrt(change) / h.weight_norm;
                }
                ++i;
            });
        }
        if (state.recorded_current && !state.history.empty()) {
            step_health& kept = state.history.back();
            kept.applied = true;
            for (std::size_t l = 0; l < kept.layers.size(); ++l) kept.layers[l].update_ratio = state.current.layers[l].update_ratio;
        }
    }

    /// A rollback (non_finite_action::rollback) put back the weights from before the last applied
    /// update: that step's record says `undone`.
    void observe_rollback(const step_report&) {
        if (!state.last_applied_step) return;  // a second rollback in a row undoes nothing more
        for (auto s = state.history.rbegin(); s != state.history.rend(); ++s)
            if (s->step == *state.last_applied_step) {
                s->undone = true;
                break;
            }
        state.last_applied_step.reset();
    }

    /// A refused step whose batch holds a non-finite input or target: its first one
    /// (step_report::non_finite_data, "x is nan at row 3, column 1") ends the message of the
    /// step's non_finite event, which names the layer but cannot see the data.
    void observe_non_finite_data(const step_report& report) {
        for (auto event = state.events.rbegin(); event != state.events.rend() && event->step == report.step; ++event)
            if (event->kind == event_kind::non_finite) {
                event->message += "; " + report.non_finite_data;
                return;
            }
    }

    /// After an update that made a weight non-finite from finite gradients (a rate too large for
    /// the scalar type), before the trainer puts the weights back: a non_finite event naming the
    /// first layer whose weights it broke, so that a skipped step says why.
    template <class Network>
    void observe_refused_update(Network& net, const step_report& report) {
        if (report.step != state.current.step) return;
        std::size_t i = 0, broken = 0;
        bool found = false;
        detail::for_each_monitored_layer(net, [&](auto& layer, std::size_t, std::string_view) {
            using layer_type = std::remove_cvref_t<decltype(layer)>;
            // a block's weights are its inner layers': the inner layer is named
            if constexpr (detail::layer_with_parameters<layer_type> && !detail::block_with_inner_layers<layer_type>) {
                bool finite = true;
                layer.for_each_parameter([&](const auto& p) { finite = finite && detail::all_finite(p.value); });
                if (!finite && !found) {
                    found = true;
                    broken = i;
                }
            }
            ++i;
        });
        const step_health& s = state.current;
        const std::string what = found ? "the weights" : "the optimizer's state";
        add_event(s, event_kind::non_finite, broken, std::numeric_limits<double>::quiet_NaN(), 0.0,
                  "step " + std::to_string(s.step) + ": non-finite update"
                      + (found ? " at layer " + describe(s, broken) : std::string()) + ": the gradients are finite (norm "
                      + detail::format_number(s.gradient_norm) + "), " + what
                      + " they would give are not (a learning rate too large for the scalar type); the update was "
                        "not applied");
    }

    /// What the last observed step showed, one sentence per event; "" if nothing.
    std::string report() const {
        std::string text;
        for (std::size_t e = state.first_event_of_step; e < state.events.size(); ++e) {
            if (!text.empty()) text += "; ";
            text += state.events[e].message;
        }
        return text;
    }

    // --- what was seen ----------------------------------------------------------------------
    /// Every event so far, in order.
    const std::vector<health_event>& events() const noexcept { return state.events; }
    std::size_t count(event_kind kind) const noexcept {
        return std::size_t(std::count_if(state.events.begin(), state.events.end(),
                                         [&](const health_event& e) { return e.kind == kind; }));
    }
    /// The recorded steps (every record_every-th, the last keep_last), oldest first.
    const std::deque<step_health>& history() const noexcept { return state.history; }
    /// The last observed step, recorded or not.
    const step_health& last() const noexcept { return state.current; }
    /// Forgets events, history and running averages (the settings stay).
    void clear() {
        state = detail::gradient_health_state{};
    }

    /// The history as CSV, one row per recorded step and layer; NaN cells read "nan".
    void write_csv(std::ostream& out) const {
        out << "step,epoch,rows,loss,applied,total_gradient_norm,backprop_ratio,gradient_ratio,"
               "layer,kind,parameters,gradient_norm,weight_norm,update_ratio,backprop_norm,"
               "dead_fraction,saturated_fraction,time_gradient_ratio,time_gradient_steps,learning_rate,undone,inner\n";
        using detail::format_number;
        for (const step_health& s : state.history) {
            const std::string step_columns =
                std::to_string(s.step) + ',' + std::to_string(s.epoch) + ',' + std::to_string(s.rows) + ','
                + format_number(s.loss) + ',' + (s.applied ? '1' : '0') + ',' + format_number(s.gradient_norm)
                + ',' + format_number(s.backprop_ratio) + ',' + format_number(s.gradient_ratio);
            for (const layer_health& h : s.layers) {
                out << step_columns << ',' << h.layer << ',' << h.kind << ',' << h.parameters << ','
                    << format_number(h.gradient_norm) << ',' << format_number(h.weight_norm) << ','
                    << format_number(h.update_ratio) << ',' << format_number(h.backprop_norm) << ','
                    << format_number(h.dead_fraction) << ',' << format_number(h.saturated_fraction) << ','
                    << format_number(h.time_gradient_ratio()) << ',' << h.time_gradient_reach.steps << ','
                    << format_number(s.learning_rate) << ',' << (s.undone ? '1' : '0') << ',' << h.inner << '\n';
            }
        }
    }
    void write_csv(const std::string& path) const {
        write_file(path, [&](std::ostream& out) { write_csv(out); });
    }

    /// Every event: step,kind,layer,layer_kind,value,threshold,message (the message quoted),inner.
    void write_events_csv(std::ostream& out) const {
        out << "step,kind,layer,layer_kind,value,threshold,message,inner\n";
        for (const health_event& e : state.events) {
            std::string quoted = "\"";
            for (const char c : e.message) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
            out << e.step << ',' << to_string(e.kind) << ',' << e.layer << ',' << e.layer_kind << ','
                << detail::format_number(e.value) << ',' << detail::format_number(e.threshold) << ',' << quoted
                << "\"," << e.inner << '\n';
        }
    }
    void write_events_csv(const std::string& path) const {
        write_file(path, [&](std::ostream& out) { write_events_csv(out); });
    }

    /// The recurrent layers' ‖∂L/∂h_t‖ of every recorded step: step,layer,t,norm.
    void write_time_csv(std::ostream& out) const {
        out << "step,layer,t,norm\n";
        for (const step_health& s : state.history)
            for (const layer_health& h : s.layers)
                for (std::size_t t = 0; t < h.time_gradient_norms.size(); ++t)
                    out << s.step << ',' << h.layer << ',' << t << ','
                        << detail::format_number(h.time_gradient_norms[t]) << '\n';
    }
    void write_time_csv(const std::string& path) const {
        write_file(path, [&](std::ostream& out) { write_time_csv(out); });
    }

    /// What the monitor saw; read it through the functions above. (A public member so that the
    /// settings can be given by name, `gradient_health{.explosion_factor = 5}`, as every policy's.)
    detail::gradient_health_state state{};

private:

    static void require(bool ok, std::string_view condition, double got) {
        if (!ok)
            throw invalid_argument("ctnn: monitor::gradient_health needs " + std::string(condition) + ", got "
                                   + detail::format_number(got));
    }

    template <class Write>
    static void write_file(const std::string& path, Write write) {
        std::ofstream file(path);
        if (!file) throw io_error("ctnn: monitor::gradient_health: cannot open " + path + " for writing");
        write(file);
        file.close();
        if (!file) throw io_error("ctnn: monitor::gradient_health: writing " + path + " failed");
    }

    // ‖·‖ of finite values; where their squares' sum overflowed (double values past ~1e154), the
    // sum again, scaled by the largest magnitude.
    template <class Layer, class Part>
    static double norm_of(Layer& layer, const detail::norm_accumulator& acc, Part part) {
        return detail::l2_without_overflow(
            acc, [&](auto visit) { layer.for_each_parameter([&](const auto& p) { visit(part(p)); }); });
    }

    // Returns false if a gradient of the layer is NaN or ±inf (its norm may be inf from finite
    // values too: double gradients past ~1e154).
    template <class Layer>
    bool measure_layer(Layer& layer, layer_health& h, std::size_t position, std::string_view inner,
                       bool backward_ran) {
        bool finite = true;
        using layer_type = std::remove_cvref_t<Layer>;
        std::vector<double> keep = std::move(h.time_gradient_norms);  // reuse its storage
        h = layer_health{};
        h.time_gradient_norms = std::move(keep);
        h.time_gradient_norms.clear();
        h.layer = position;
        h.inner = inner;
        h.kind = detail::layer_kind_of<layer_type>();
        h.block = detail::block_with_inner_layers<layer_type>;
        if constexpr (detail::layer_with_parameters<layer_type>) {
            detail::norm_accumulator gradient, weight;
            layer.for_each_parameter([&](auto& p) {
                h.parameters += p.value.size();
                detail::accumulate(weight, p.value.data(), p.value.size());
                detail::accumulate(gradient, p.grad.data(), p.grad.size());
            });
            if (h.parameters > 0) {
                const auto values = [](const auto& p) -> const auto& { return p.value; };
                const auto gradients = [](const auto& p) -> const auto& { return p.grad; };
                h.weight_norm = weight.finite() ? norm_of(layer, weight, values) : weight.l2();
                finite = gradient.finite();
                if (backward_ran)
                    h.gradient_norm = finite ? norm_of(layer, gradient, gradients) : std::numeric_limits<double>::infinity();
            }
        }
        if constexpr (detail::layer_with_preactivation_gradient<layer_type>) {
            const auto dz = layer.preactivation_gradient();
            if (backward_ran && dz.size() > 0) {
                detail::norm_accumulator acc;
                detail::accumulate(acc, dz.data(), dz.size());
                h.backprop_norm = acc.finite() ? acc.l2() : std::numeric_limits<double>::infinity();
            }
        }
        if constexpr (detail::layer_with_time_gradient_norms<layer_type>) {
            if (backward_ran) {
                for (const auto norm : layer.time_gradient_norms()) h.time_gradient_norms.push_back(double(norm));
                h.time_gradient_reach = time_reach_of(layer);
            }
        }
        if constexpr (detail::layer_with_activation<layer_type>) {
            using activation = typename layer_type::activation_type;
            const auto a = layer.output();
            using value_type = std::remove_cvref_t<decltype(*a.data())>;
            if constexpr (expr::same_formula_v<activation, ctnn::relu>) {
                h.dead_fraction = detail::fraction_of_dead_units(a);
            } else if constexpr (expr::same_formula_v<activation, ctnn::tanh>) {
                const auto limit = value_type(tanh_saturation);
                h.saturated_fraction = detail::fraction_of_elements(a, [&](value_type v) { return std::abs(v) > limit; });
            } else if constexpr (expr::same_formula_v<activation, ctnn::sigmoid>) {
                const auto high = value_type(sigmoid_saturation), low = value_type(1.0 - sigmoid_saturation);
                h.saturated_fraction = detail::fraction_of_elements(a, [&](value_type v) { return v > high || v < low; });
            }
        }
        return finite;
    }

    // value of the network's first layer that measured `what` / value of its last one (NaN if
    // fewer than two); a block counts as one layer.
    static double first_to_last(const step_health& s, double layer_health::*what) {
        const layer_health* first = nullptr;
        const layer_health* last = nullptr;
        for (const layer_health& h : s.layers) {
            if (!h.inner.empty() || std::isnan(h.*what)) continue;
            if (!first) first = &h;
            last = &h;
        }
        if (!first || first == last) return layer_health::not_measured;
        return first->*what / last->*what;
    }

    // Names the layer where the non-finite values started: the first layer (forward order) whose
    // output is non-finite, inside a block the first inner layer's; else the last layer (backward
    // order) whose gradients are. (Rows are in forward order, a block's inner layers after it.)
    template <class Network>
    void report_non_finite(Network& net, const step_health& s, bool backward_ran) {
        std::size_t i = 0, output_layer = s.layers.size();
        detail::for_each_monitored_layer(net, [&](auto& layer, std::size_t, std::string_view) {
            using layer_type = std::remove_cvref_t<decltype(layer)>;
            if constexpr (detail::layer_with_output<layer_type>)
                if ((output_layer == s.layers.size() || inside(s.layers[output_layer], s.layers[i]))
                    && !detail::all_finite(layer.output()))
                    output_layer = i;
            ++i;
        });
        std::size_t gradient_layer = s.layers.size();
        if (backward_ran)
            for (std::size_t l = s.layers.size(); l-- > 0;)
                if (s.layers[l].parameters > 0 && !std::isfinite(s.layers[l].gradient_norm)) {
                    gradient_layer = l;
                    break;
                }
        const std::string prefix = "step " + std::to_string(s.step) + ": non-finite ";
        std::size_t layer = s.layers.empty() ? 0 : s.layers.size() - 1;
        std::string message;
        if (output_layer < s.layers.size()) {
            layer = output_layer;
            message = "at layer " + describe(s, layer) + ": its output is the first non-finite one in the forward pass";
        } else if (gradient_layer < s.layers.size()) {
            layer = gradient_layer;
            message = "at layer " + describe(s, layer)
                      + ": the forward pass is finite, the gradients are non-finite from this layer down "
                        "(backward order)";
        } else {
            message = "loss at layer " + describe(s, layer)
                      + ": every layer's output is finite (a NaN or infinite target, or the loss overflowed)";
        }
        message += "; the loss is " + detail::format_number(s.loss);
        add_event(s, event_kind::non_finite, layer, s.loss, 0.0, prefix + message);
    }

    // Whether row h lies inside the block of row `block`.
    static bool inside(const layer_health& block, const layer_health& h) {
        return block.block && h.layer == block.layer && h.inner.size() > block.inner.size()
               && (block.inner.empty() || (h.inner.starts_with(block.inner) && h.inner[block.inner.size()] == '.'));
    }

    // "2 (dense)"; inside a block "2.body.0 (dense)", as PyTorch names the module.
    static std::string describe(const step_health& s, std::size_t row) {
        const layer_health& h = s.layers[row];
        return std::to_string(h.layer) + (h.inner.empty() ? "" : "." + h.inner) + " (" + std::string(h.kind) + ")";
    }

    bool check_explosions(const step_health& s) {
        bool exploded = false;
        for (std::size_t l = 0; l < s.layers.size(); ++l) {
            const double norm = s.layers[l].gradient_norm;
            // a gradient of exactly 0 (a zero-initialised layer above, every unit dead) has no
            // scale: as the average's first value it would hold the average at 0 for good
            // a block's norm is its inner layers' together: they are watched each
            if (s.layers[l].block || s.layers[l].parameters == 0 || !std::isfinite(norm) || norm == 0.0) continue;
            auto& seen = state.layers[l];
            if (seen.observed >= warmup_steps && seen.average > 0.0 && norm > explosion_factor * seen.average) {
                exploded = true;
                add_event(s, event_kind::explosion, l, norm / seen.average, explosion_factor,
                          "step " + std::to_string(s.step) + ": explosion at layer " + describe(s, l)
                              + ": gradient norm " + detail::format_number(norm) + " is "
                              + detail::format_number(norm / seen.average) + "x its running average "
                              + detail::format_number(seen.average) + " (threshold "
                              + detail::format_number(explosion_factor) + "x)");
            }
            if (seen.observed == 0)
                seen.average = norm;
            else
                seen.average = explosion_decay * seen.average
                               + (1.0 - explosion_decay) * std::min(norm, explosion_factor * seen.average);
            ++seen.observed;
        }
        return exploded;
    }

    void check_vanishing(const step_health& s) {
        const bool backprop = !std::isnan(s.backprop_ratio);
        const double ratio = backprop ? s.backprop_ratio : s.gradient_ratio;
        if (std::isnan(ratio)) return;
        const bool vanishing = ratio < vanishing_ratio;
        if (vanishing && !state.vanishing) {
            const double layer_health::*what = backprop ? &layer_health::backprop_norm : &layer_health::gradient_norm;
            std::size_t first = 0, last = 0;
            bool seen = false;
            for (std::size_t l = 0; l < s.layers.size(); ++l)
                if (s.layers[l].inner.empty() && !std::isnan(s.layers[l].*what)) {
                    if (!seen) first = l;
                    seen = true;
                    last = l;
                }
            add_event(s, event_kind::vanishing, first, ratio, vanishing_ratio,
                      "step " + std::to_string(s.step) + ": vanishing at layer " + describe(s, first) + ": its "
                          + (backprop ? "back-propagated gradient" : "gradient") + " is "
                          + detail::format_number(ratio) + " of layer " + describe(s, last)
                          + "'s (threshold " + detail::format_number(vanishing_ratio) + ")");
        }
        state.vanishing = vanishing;
    }

    // Vanishing and exploding through time, each on its onset.
    void check_time_reach(const step_health& s) {
        for (std::size_t l = 0; l < s.layers.size(); ++l) {
            const layer_health& h = s.layers[l];
            const double ratio = h.time_gradient_ratio();
            if (std::isnan(ratio)) continue;  // not recurrent, or not measured
            auto& seen = state.layers[l];
            const auto onset = [&](bool now, bool& before, event_kind kind, std::string_view what, double threshold,
                                   std::string_view relation) {
                if (now && !before)
                    add_event(s, kind, l, ratio, threshold,
                              "step " + std::to_string(s.step) + ": " + std::string(what) + " in time at layer "
                                  + describe(s, l) + ": the gradient reaching "
                                  + std::to_string(h.time_gradient_reach.steps) + " steps back from its last step is "
                                  + detail::format_number(ratio) + std::string(relation) + " the gradient there (threshold "
                                  + detail::format_number(threshold) + ")");
                before = now;
            };
            onset(ratio < time_vanishing_ratio, seen.vanishing_in_time, event_kind::vanishing_in_time, "vanishing",
                  time_vanishing_ratio, " of");
            onset(ratio > time_explosion_ratio, seen.exploding_in_time, event_kind::exploding_in_time, "exploding",
                  time_explosion_ratio, " times");
        }
    }

    void check_activations(const step_health& s) {
        for (std::size_t l = 0; l < s.layers.size(); ++l) {
            const layer_health& h = s.layers[l];
            auto& seen = state.layers[l];
            if (!std::isnan(h.dead_fraction)) {
                const bool dead = h.dead_fraction > dead_fraction;
                if (dead && !seen.dead)
                    add_event(s, event_kind::dead, l, h.dead_fraction, dead_fraction,
                              "step " + std::to_string(s.step) + ": dead layer " + describe(s, l) + ": "
                                  + detail::format_number(100.0 * h.dead_fraction)
                                  + "% of its ReLU units output 0 for every row of the batch (threshold "
                                  + detail::format_number(100.0 * dead_fraction) + "%)");
                seen.dead = dead;
            }
            if (!std::isnan(h.saturated_fraction)) {
                const bool saturated = h.saturated_fraction > saturated_fraction;
                if (saturated && !seen.saturated)
                    add_event(s, event_kind::saturated, l, h.saturated_fraction, saturated_fraction,
                              "step " + std::to_string(s.step) + ": saturated layer " + describe(s, l) + ": "
                                  + detail::format_number(100.0 * h.saturated_fraction)
                                  + "% of its outputs are on the flat part of the activation (threshold "
                                  + detail::format_number(100.0 * saturated_fraction) + "%)");
                seen.saturated = saturated;
            }
        }
    }

    void add_event(const step_health& s, event_kind kind, std::size_t row, double value, double threshold,
                   std::string message) {
        const bool known = row < s.layers.size();
        state.events.push_back(health_event{.step = s.step,
                                       .kind = kind,
                                       .layer = known ? s.layers[row].layer : row,
                                       .layer_kind = known ? s.layers[row].kind : std::string_view(),
                                       .value = value,
                                       .threshold = threshold,
                                       .message = std::move(message),
                                       .inner = known ? s.layers[row].inner : std::string()});
    }

    void record(const step_health& s) {
        state.recorded_current = record_every > 0 && s.step % record_every == 0;
        if (!state.recorded_current) return;
        state.history.push_back(s);
        if (keep_last > 0)
            while (state.history.size() > keep_last) state.history.pop_front();
    }

};

}  // namespace ctnn::monitor
