// A layer kind of the user's whose bound layer lacks backward: the network names the layer and
// the protocol (concepts/layer.hpp) instead of failing deep inside the trainer.
#include <ctnn/core.hpp>

#include <cstddef>
#include <vector>

template <class T, std::size_t Width>
struct doubling_layer {
    using scalar = T;
    static constexpr std::size_t input_width = Width;
    static constexpr std::size_t output_width = Width;
    static constexpr std::size_t parameter_count = 0;
    static constexpr bool computes_input_gradient = true;

    void initialize(ctnn::rng) {}
    template <class F>
    void for_each_parameter(F&&) {}
    void reserve(std::size_t columns) { out_.resize(Width * columns); }
    const T* forward(const T* in, std::size_t ld, std::size_t columns) {
        columns_ = columns;
        for (std::size_t r = 0; r < Width; ++r)
            for (std::size_t c = 0; c < columns; ++c) out_[r * columns + c] = 2 * in[r * ld + c];
        return out_.data();
    }
#ifndef CTNN_MUST_FAIL
    T* backward(T* d_output) {
        for (std::size_t i = 0; i < Width * columns_; ++i) d_output[i] *= 2;
        return d_output;
    }
#endif

private:
    std::vector<T> out_;
    std::size_t columns_ = 0;
};

struct doubling {
    static constexpr bool preserves_width = true;
    template <class T, std::size_t Index, ctnn::shape InputShape>
    struct bind {
        using type = doubling_layer<T, InputShape.size()>;
    };
};

using net = ctnn::network<ctnn::input<4>, ctnn::dense<8>, doubling, ctnn::dense<1>>;
int main() {
    const net model(0);
    return net::depth == 3 ? 0 : 1;
}
