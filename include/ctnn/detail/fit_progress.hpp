// fit's progress display (fit_options::progress): on a terminal one line per epoch rewritten in
// place with batch i/n, loss, samples/s and ETA; on a file or pipe one finished line per epoch.
// print_every's lines go through it too, so that on a terminal they never run into the live line.
// Epochs are numbered from 0 as everywhere else (epoch_report, print_every, the history CSV),
// with the count beside: "epoch 2 (3 of 15)". Losses print in a general format (%g), so a
// small loss is 1.5e-07, not 0.000000.
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>

#include "ctnn/train/epoch_report.hpp"

#if defined(_WIN32)
#include <io.h>
#else
#include <unistd.h>
#endif

namespace ctnn::detail {

inline bool is_terminal(std::FILE* f) {
#if defined(_WIN32)
    return _isatty(_fileno(f)) != 0;
#else
    return isatty(fileno(f)) != 0;
#endif
}

class fit_progress {
    using clock = std::chrono::steady_clock;

public:
    fit_progress(std::FILE* log, bool enabled, std::size_t epochs, std::size_t steps_per_epoch,
                 std::size_t rows)
        : log_(enabled ? log : nullptr), terminal_(log_ && is_terminal(log_)), epochs_(epochs),
          steps_per_epoch_(steps_per_epoch), rows_(rows), start_(clock::now()) {}

    /// Whether step() wants to be called (only the terminal line updates within an epoch).
    bool live() const noexcept { return terminal_; }

    /// Reads the clock only when something will print (it was a few % of a tiny network's epoch).
    void begin_epoch() {
        if (!log_) return;
        epoch_start_ = clock::now();
        last_draw_ = epoch_start_;
    }

    /// After batch `done` (1-based) of epoch `epoch`; redraws at most ten times a second.
    /// Cold, like end_epoch: printing is rare beside the training steps; compiled for size.
    [[gnu::cold]] void step(std::size_t epoch, std::size_t done, std::size_t rows_done, double mean_loss) {
        if (!terminal_) return;
        const auto now = clock::now();
        if (done != steps_per_epoch_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
        last_draw_ = now;
        const double epoch_s = seconds(epoch_start_, now);
        const double rate = epoch_s > 0 ? double(rows_done) / epoch_s : 0.0;
        const double left = double(steps_per_epoch_ - done) / double(steps_per_epoch_)
                            + double(epochs_ - epoch - 1);
        const double eta = rate > 0 ? left * double(rows_) / rate : 0.0;
        std::fprintf(log_, "\repoch %zu (%zu of %zu) [%zu/%zu] loss %.6g  %.0f samples/s  ETA %.1f s\x1b[K", epoch,
                     epoch + 1, epochs_, done, steps_per_epoch_, mean_loss, rate, eta);
        std::fflush(log_);
        line_open_ = true;
    }

    /// print_every's line, "Epoch: e, Loss: l" as PyTorch's classic loop prints it (and the
    /// validation loss when there is one). On a terminal the live line is cleared first; the
    /// next redraw puts it back below.
    [[gnu::cold]] void print_every_line(std::FILE* log, const epoch_report& e) {
        if (line_open_) {
            std::fputs("\r\x1b[K", log_);
            std::fflush(log_);
            line_open_ = false;
        }
        std::fprintf(log, "Epoch: %zu, Loss: %.6g", e.epoch, e.loss);
        if (!std::isnan(e.validation_loss)) std::fprintf(log, ", Validation loss: %.6g", e.validation_loss);
        std::fputc('\n', log);
        std::fflush(log);
    }

    [[gnu::cold]] void end_epoch(const epoch_report& e) {
        if (!log_) return;
        const auto now = clock::now();
        const double epoch_s = seconds(epoch_start_, now);
        const double rate = epoch_s > 0 ? double(rows_) / epoch_s : 0.0;
        const double per_epoch = seconds(start_, now) / double(e.epoch + 1);
        if (line_open_) std::fputc('\r', log_);
        line_open_ = false;
        std::fprintf(log_, "epoch %zu (%zu of %zu): loss %.6g", e.epoch, e.epoch + 1, epochs_, e.loss);
        if (!std::isnan(e.validation_loss)) std::fprintf(log_, ", validation_loss %.6g", e.validation_loss);
        if (!std::isnan(e.validation_accuracy))
            std::fprintf(log_, ", validation_accuracy %.4f", e.validation_accuracy);
        std::fprintf(log_, ", %.0f samples/s, %.2f s, ETA %.1f s%s\n", rate, epoch_s,
                     per_epoch * double(epochs_ - e.epoch - 1), terminal_ ? "\x1b[K" : "");
        std::fflush(log_);
    }

private:
    static double seconds(clock::time_point from, clock::time_point to) {
        return std::chrono::duration<double>(to - from).count();
    }

    std::FILE* log_;
    bool terminal_;
    bool line_open_ = false;  // a live line is on the terminal, not ended by a newline
    std::size_t epochs_, steps_per_epoch_, rows_;
    clock::time_point start_, epoch_start_{}, last_draw_{};
};

}  // namespace ctnn::detail
