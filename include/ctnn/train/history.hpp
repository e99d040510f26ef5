// training_history: every epoch_report of a fit, in order, and its CSV export.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "ctnn/train/epoch_report.hpp"

namespace ctnn {

class training_history {
public:
    void reserve(std::size_t epochs) { epochs_.reserve(epochs); }
    void add(const epoch_report& report) { epochs_.push_back(report); }

    const std::vector<epoch_report>& epochs() const noexcept { return epochs_; }
    std::size_t size() const noexcept { return epochs_.size(); }
    bool empty() const noexcept { return epochs_.empty(); }
    const epoch_report& operator[](std::size_t i) const { return epochs_[i]; }
    auto begin() const noexcept { return epochs_.begin(); }
    auto end() const noexcept { return epochs_.end(); }

    /// Whether some epoch has a validation loss (then the CSV has validation columns).
    bool has_validation() const noexcept {
        for (const auto& e : epochs_)
            if (!std::isnan(e.validation_loss)) return true;
        return false;
    }

    /// A header line, then one line per epoch: epoch,loss[,validation_loss,validation_accuracy]
    /// [,validation_<metric>...],learning_rate,gradient_norm,steps,skipped_steps,seconds. Numbers with 9 significant
    /// digits; a value not measured is an empty field; a metric's name with a comma, a quote or a
    /// line break is quoted as RFC 4180 quotes it.
    std::string csv() const {
        const bool validation = has_validation();
        // the metrics' names, as the first epoch that has them lists them
        std::vector<std::string> metrics;
        for (const auto& e : epochs_)
            if (!e.validation_metrics.empty()) {
                for (const auto& [name, value] : e.validation_metrics) metrics.push_back(name);
                break;
            }
        std::string out = "epoch,loss";
        if (validation) out += ",validation_loss,validation_accuracy";
        for (const auto& name : metrics) out += ',' + field("validation_" + name);
        out += ",learning_rate,gradient_norm,steps,skipped_steps,seconds\n";
        for (const auto& e : epochs_) {
            out += std::to_string(e.epoch) + ',' + number(e.loss);
            if (validation) out += ',' + number(e.validation_loss) + ',' + number(e.validation_accuracy);
            for (std::size_t k = 0; k < metrics.size(); ++k)
                out += ',' + (k < e.validation_metrics.size() ? number(e.validation_metrics[k].second) : std::string());
            out += ',' + number(e.learning_rate) + ',' + number(e.gradient_norm) + ','
                   + std::to_string(e.steps) + ',' + std::to_string(e.skipped_steps) + ','
                   + number(e.seconds) + '\n';
        }
        return out;
    }

    /// Writes csv() to `path` (a std::filesystem::path or a string), atomically; io_error if
    /// it cannot. Needs <ctnn/io/write_history_csv.hpp> (found by argument-dependent lookup;
    /// without it, a compile error naming it): writing files needs <filesystem>, which
    /// <ctnn/core.hpp> leaves out to parse faster.
    template <class Path>
    void write_csv(const Path& path) const {
        constexpr bool writer_included = requires { write_history_csv(*this, path); };
        static_assert(writer_included,
                      "ctnn: training_history::write_csv needs <ctnn/io/write_history_csv.hpp> "
                      "(<ctnn/ctnn.hpp> includes it; <ctnn/core.hpp> does not)");
        if constexpr (writer_included) write_history_csv(*this, path);
    }

private:
    static std::string field(const std::string& text) {
        if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
        std::string quoted = "\"";
        for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        return quoted + '"';
    }
    static std::string number(double v) {
        if (std::isnan(v)) return {};
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.9g", v);
        return buffer;
    }

    std::vector<epoch_report> epochs_;
};

}  // namespace ctnn
