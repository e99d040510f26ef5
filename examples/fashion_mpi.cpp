// Fashion-MNIST's MLP (examples/fashion_mnist.cpp: 784→256→128→10, Adam 1e-3 with cosine
// decay, 15 epochs) trained data-parallel on the ranks mpirun starts: each rank takes 128 / ranks
// rows (rounded down) of every step, so on 1, 2, 4 or 8 ranks the steps are fashion_mnist's
// batches of 128 (on 3 ranks, of 126). Rank 0 prints, checkpoints and
// saves; at the end the weights are checked bit-identical on every rank, and the saved model is
// loaded (read by rank 0, sent to all) and must classify the test set exactly as the trained one.
//
// usage: mpirun -np 2 fashion_mpi [training rows, default 60000] [epochs, default 15]
//                                 [model path, default fashion_mpi.ctnn]
//                                 [--checkpoint PATH] [--resume] [--die-after-epoch K]
// --checkpoint saves the model and the optimizer's state after every epoch; --resume starts from
// that file; --die-after-epoch kills the last rank (SIGKILL) after epoch K's checkpoint, as a
// crashed machine would (CTest kills a run so and resumes it). Floor: 0.89 on the full set, 0.75
// on a subset (CTest runs 6000 rows for 3 epochs).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <ctnn/mpi.hpp>

#include "fashion_mnist_files.hpp"

namespace {
namespace data = ctnn::data;
namespace distribute = ctnn::distribute;
using fashion_mnist_files::dataset_dir;

using net = ctnn::network<ctnn::input<784>, ctnn::dense<256, ctnn::relu>, ctnn::dense<128, ctnn::relu>,
                          ctnn::dense<10>>;

// Whether every rank holds rank 0's weights, bit for bit.
bool same_on_every_rank(const distribute::communicator& comm, const net& model) {
    std::vector<float> mine;
    model.for_each_parameter([&](const auto& p) { mine.insert(mine.end(), p.value.begin(), p.value.end()); });
    const std::vector<float> all = comm.gather(std::span<const float>(mine));
    for (std::size_t r = 1; r < comm.size(); ++r)
        if (std::memcmp(all.data(), all.data() + r * mine.size(), mine.size() * sizeof(float)) != 0) return false;
    return true;
}
}  // namespace

int main(int argc, char** argv) {
    distribute::mpi_session mpi(argc, argv);
    const distribute::communicator& comm = mpi.world();
    std::vector<std::string> positional;
    std::optional<std::filesystem::path> checkpoint_path;
    bool resume = false;
    long die_after_epoch = -1;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--checkpoint" && i + 1 < argc)
            checkpoint_path = argv[++i];
        else if (a == "--resume")
            resume = true;
        else if (a == "--die-after-epoch" && i + 1 < argc)
            die_after_epoch = std::atol(argv[++i]);
        else
            positional.push_back(a);
    }
    const std::size_t train_rows = positional.size() > 0 ? std::size_t(std::atol(positional[0].c_str())) : 60000;
    const std::size_t epochs = positional.size() > 1 ? std::size_t(std::atol(positional[1].c_str())) : 15;
    const std::filesystem::path model_path = positional.size() > 2 ? positional[2] : "fashion_mpi.ctnn";
    const bool full = train_rows >= 60000;
    const double floor = full ? 0.89 : 0.75;
    const bool root = comm.is_root();

    if (!fashion_mnist_files::present("fashion_mpi")) return 0;  // the same on every rank

    data::dataset<float> train(data::read_idx_matrix(dataset_dir / "train-images-idx3-ubyte.gz"),
                               data::read_idx_labels(dataset_dir / "train-labels-idx1-ubyte.gz"));
    data::dataset<float> test(data::read_idx_matrix(dataset_dir / "t10k-images-idx3-ubyte.gz"),
                              data::read_idx_labels(dataset_dir / "t10k-labels-idx1-ubyte.gz"));
    data::scale_to_unit(train.x(), 255.0);
    data::scale_to_unit(test.x(), 255.0);
    if (train_rows < train.size()) train = train.take(0, train_rows);

    // [fashion-mpi]
    net model(/*seed=*/1);  // every rank starts from rank 0's weights: the trainer sends them
    ctnn::trainer trainer{model, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::adam{.lr = 1e-3},
                          ctnn::schedule::cosine_annealing{.t_max = epochs}, distribute::data_parallel{comm}};
    if (resume && checkpoint_path) distribute::load(comm, *checkpoint_path, model, trainer);
    ctnn::fit_options options{.epochs = epochs, .batch_size = 128 / comm.size(), .seed = 2, .progress = root};
    options.on_epoch = [&](const ctnn::epoch_report& e) {  // on every rank: save is collective
        if (checkpoint_path) distribute::save(comm, *checkpoint_path, model, trainer);
        if (long(e.epoch) == die_after_epoch && comm.rank() + 1 == comm.size()) std::raise(SIGKILL);
    };
    const auto result = trainer.fit(train.x(), train.y(), test.x(), test.y(), options);
    // [fashion-mpi]

    const bool identical = same_on_every_rank(comm, model);
    const double accuracy = result.history[result.history.size() - 1].validation_accuracy;
    distribute::save(comm, model_path, model);
    net reloaded(/*seed=*/99);
    distribute::load(comm, model_path, reloaded);
    const bool same_outputs = model.predict(test.x()) == reloaded.predict(test.x());
    if (root) {
        std::printf("%zu ranks, %zu rows each per step: %zu rows for %zu epochs in %.1f s, test accuracy %.4f "
                    "(floor %.2f); weights %s on every rank; reloaded outputs %s\n",
                    comm.size(), options.batch_size, train.size(), result.history.size(), result.seconds, accuracy,
                    floor, identical ? "identical" : "DIFFERENT", same_outputs ? "identical" : "DIFFERENT");
        std::printf("result: test_accuracy=%.4f ranks=%zu train_s=%.2f resumed=%d weights_identical=%d\n", accuracy,
                    comm.size(), result.seconds, resume ? 1 : 0, identical ? 1 : 0);
    }
    return accuracy >= floor && identical && same_outputs ? 0 : 1;
}
