// Where Debian's dataset-fashion-mnist puts the Fashion-MNIST files, and the check each example
// that reads them runs first: without the files it says so and is skipped, not failed.
#pragma once

#include <cstdio>
#include <filesystem>
#include <initializer_list>

namespace fashion_mnist_files {

inline const std::filesystem::path dataset_dir = "/usr/share/datasets/fashion-mnist";

/// Whether every one of `files` is in dataset_dir; if one is not, prints which (for `program`)
/// and the `result: skipped=1` line that makes CTest report the test skipped, and returns false.
inline bool present(const char* program,
                    std::initializer_list<const char*> files = {"train-images-idx3-ubyte.gz",
                                                                "train-labels-idx1-ubyte.gz",
                                                                "t10k-images-idx3-ubyte.gz",
                                                                "t10k-labels-idx1-ubyte.gz"}) {
    for (const char* f : files) {
        if (!std::filesystem::exists(dataset_dir / f)) {
            std::printf("%s: %s not found; install Debian's dataset-fashion-mnist "
                        "(scripts/install-deps.sh does)\nresult: skipped=1\n",
                        program, (dataset_dir / f).c_str());
            return false;
        }
    }
    return true;
}

}  // namespace fashion_mnist_files
