// The names the docs' code blocks take from their text (a model, its trainer, data, a path),
// for the file scripts/doc_snippets.py generates: each block compiles against these. Their
// values do not matter; the blocks are compiled, not run.
#pragma once

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string_view>
#include <thread>
#include <vector>

#include <ctnn/ctnn.hpp>

namespace ctnn_doc {
namespace data = ctnn::data;

/// "model": the network a block trains, a classifier of 4 features into 3 classes.
using Net = ctnn::network<ctnn::input<4>, ctnn::dense<8, ctnn::relu>, ctnn::dense<3>>;
inline Net model;
inline Net trained;
inline ctnn::trainer trainer{model, ctnn::loss::softmax_cross_entropy{}};
/// Data as the blocks name it: x, y (training), x_val, y_val, x_test.
inline ctnn::tensor<float, 2> x, y, x_val, y_val, x_test;
inline const std::filesystem::path path = "data.csv";
/// threads.md: one network per worker thread.
inline std::size_t workers = 2;
inline std::vector<ctnn::tensor<float, 2>> batches(2), results(2);
}  // namespace ctnn_doc
