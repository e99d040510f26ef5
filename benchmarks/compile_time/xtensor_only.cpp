// W5's baseline: a translation unit that includes only xtensor (with the flags every ctnn
// program gets: C++20, XTENSOR_USE_XSIMD, -mavx2 -mfma) and does a little tensor arithmetic.
#include <cstdio>

#include <xtensor/xmath.hpp>
#include <xtensor/xtensor.hpp>

int main() {
    xt::xtensor<float, 2> x = xt::ones<float>({64, 32});
    xt::xtensor<float, 2> a = xt::tanh(0.5f * x + 1.0f);
    const float total = xt::sum(a, xt::evaluation_strategy::immediate)();
    std::printf("result: sum=%.6f\n", double(total));
}
