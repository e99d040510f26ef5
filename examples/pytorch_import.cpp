// A model trained in PyTorch, run in ctnn: examples/pytorch/train_fashion_mlp.py trains
// nn.Sequential(Linear(784, 64), ReLU, Linear(64, 10)) on Fashion-MNIST and saves its
// state_dict with numpy.savez_compressed; here the same network as a ctnn type loads it by the
// state_dict's names and classifies the test set. Every prediction must be torch's (float32
// both sides; a near-tie may round the other way, so a handful may differ) and the accuracy
// torch's.
//
// usage: pytorch_import [directory of fashion_mlp.npz and fashion_mlp.txt]
// Without the dataset (scripts/install-deps.sh installs dataset-fashion-mnist) it says so and
// skips.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <ctnn/ctnn.hpp>
#include <ctnn/io/load_npz.hpp>

#include "fashion_mnist_files.hpp"

namespace {
namespace data = ctnn::data;
using fashion_mnist_files::dataset_dir;

/// torch's accuracy and predicted classes, as the training script wrote them.
struct torch_result {
    double accuracy = 0.0;
    std::string classes;  // one digit per test image
};
torch_result read_torch_result(const std::filesystem::path& path) {
    std::ifstream in(path);
    torch_result r;
    std::string line;
    while (std::getline(in, line) && line.starts_with("#")) {
    }
    r.accuracy = std::stod(line);
    std::getline(in, r.classes);
    return r;
}
}  // namespace

int main(int argc, char** argv) {
    const std::filesystem::path model_dir = argc > 1 ? argv[1] : CTNN_PYTORCH_MODEL_DIR;
    if (!fashion_mnist_files::present("pytorch_import", {"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}))
        return 0;

    // [import]
    // nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10)): modules "0" and "2"
    using net = ctnn::network<ctnn::input<784>, ctnn::dense<64, ctnn::relu>, ctnn::dense<10>>;
    net model;
    ctnn::load_npz(model_dir / "fashion_mlp.npz", model, {.modules = {"0", "2"}});

    data::dataset<float> test(data::read_idx_matrix(dataset_dir / "t10k-images-idx3-ubyte.gz"),
                              data::read_idx_labels(dataset_dir / "t10k-labels-idx1-ubyte.gz"));
    data::scale_to_unit(test.x(), 255.0);  // as the script scaled them: pixels / 255
    const auto classes = ctnn::argmax(model.predict(test.x()));
    // [import]

    const torch_result torch = read_torch_result(model_dir / "fashion_mlp.txt");
    if (torch.classes.size() != classes.size()) {
        std::printf("pytorch_import: fashion_mlp.txt holds %zu classes for %zu test images\n", torch.classes.size(),
                    classes.size());
        return 1;
    }
    std::size_t right = 0, differ = 0;
    for (std::size_t i = 0; i < classes.size(); ++i) {
        right += classes(i) == std::size_t(test.y()(i, 0));
        differ += classes(i) != std::size_t(torch.classes[i] - '0');
    }
    const double accuracy = double(right) / double(classes.size());
    std::printf("ctnn test accuracy %.4f, torch's %.4f; %zu of %zu predictions differ from torch's\n", accuracy,
                torch.accuracy, differ, classes.size());
    const bool agrees = differ <= 5 && std::abs(accuracy - torch.accuracy) <= 5e-4;
    std::printf("result: test_accuracy=%.4f torch_accuracy=%.4f differing_predictions=%zu\n", accuracy,
                torch.accuracy, differ);
    return agrees ? 0 : 1;
}
