// The recommended gains of torch.nn.init.calculate_gain, as types an init policy can take.
#pragma once

#include <cmath>
#include <ratio>
#include <string_view>

namespace ctnn::init::gain {

struct linear {
    static constexpr std::string_view name = "linear";
    static double value() { return 1.0; }
};
struct sigmoid {
    static constexpr std::string_view name = "sigmoid";
    static double value() { return 1.0; }
};
struct tanh {
    static constexpr std::string_view name = "tanh";
    static double value() { return 5.0 / 3.0; }
};
struct relu {
    static constexpr std::string_view name = "relu";
    static double value() { return std::sqrt(2.0); }
};
/// √(2 / (1 + slope²)); `Slope` a std::ratio, PyTorch's default 0.01.
template <class Slope = std::ratio<1, 100>>
struct leaky_relu {
    static constexpr std::string_view name = "leaky_relu";
    static double value() {
        const double s = double(Slope::num) / double(Slope::den);
        return std::sqrt(2.0 / (1.0 + s * s));
    }
};
struct selu {
    static constexpr std::string_view name = "selu";
    static double value() { return 0.75; }
};

}  // namespace ctnn::init::gain
