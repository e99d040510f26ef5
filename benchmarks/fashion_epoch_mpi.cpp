// W8: W6 (one epoch of the fashion_mnist model, Adam lr 1e-3, 60,000 images, batches of 128
// in order) trained data-parallel on the ranks mpirun starts, each rank with W6's batch of 128
// (and, "w8_strong", with 128 / N rows of W6's batches). Prints the epoch's time and throughput
// (samples/s; median over --repeats), the
// time one step's gradient allreduce takes alone (W6's parameters, measured with every rank
// exchanging and nothing else running), and the allreduce's latency and bandwidth over message
// sizes (for docs/distributed.md's α–β model). bench.py runs it on 1 and on 2 ranks.
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include <ctnn/mpi.hpp>

#include "bench_support.hpp"

namespace {
using net = bench::fashion_mlp;

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Seconds of one sum over the ranks of `floats` floats (reduce-scatter + all-gather), median of
// `rounds`, every rank in step (a barrier before each).
double allreduce_seconds(const ctnn::distribute::communicator& comm, std::size_t floats, int rounds) {
    std::vector<float> buffer(floats, 1.0f);
    std::vector<double> times;
    for (int r = 0; r < rounds; ++r) {
        MPI_Barrier(comm.handle());
        const double start = MPI_Wtime();
        comm.sum_array(buffer.data(), buffer.size());
        double took = MPI_Wtime() - start;
        // the slowest rank's time is the exchange's
        MPI_Allreduce(MPI_IN_PLACE, &took, 1, MPI_DOUBLE, MPI_MAX, comm.handle());
        times.push_back(took);
    }
    return median(times);
}
}  // namespace

int main(int argc, char** argv) {
    ctnn::distribute::mpi_session mpi(argc, argv);
    const auto& comm = mpi.world();
    const bench::options options = bench::parse(argc, argv);
    constexpr std::size_t batch = 128;
    // --rows: a smoke test (the whole set otherwise, not copied)
    const auto train = bench::fashion_training_set("bench_fashion_epoch_mpi", options.rows);
    if (!train) return 1;
    const auto& xs = train->x();
    const auto& ys = train->y();
    const std::size_t rows = xs.shape()[0];

    // W8 proper keeps W6's batch of 128 on every rank (N ranks: 128·N rows per step, as Horovod's
    // and DDP's images/s are measured); the strong form splits W6's 128 rows over the ranks.
    for (const bool strong : {false, true}) {
        const std::size_t per_rank = strong ? batch / comm.size() : batch;
        std::vector<double> seconds;
        double loss = 0.0;
        std::size_t steps = 0;
        for (int r = 0; r < options.repeats; ++r) {
            net model(0);
            ctnn::trainer trainer{model, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::adam{.lr = 1e-3},
                                  ctnn::distribute::data_parallel{comm}};
            MPI_Barrier(comm.handle());
            const double start = MPI_Wtime();
            const auto result =
                trainer.fit(xs, ys, {.epochs = 1, .batch_size = per_rank, .shuffle = false, .log = nullptr});
            double took = MPI_Wtime() - start;
            MPI_Allreduce(MPI_IN_PLACE, &took, 1, MPI_DOUBLE, MPI_MAX, comm.handle());
            seconds.push_back(took);
            loss = result.epoch_losses.back();
            steps = result.steps;
        }
        const double epoch_s = median(seconds);
        const double step_allreduce = allreduce_seconds(comm, net::parameter_count, 50);
        // What overlapping the sum with the backward pass could hide at most: the sum of every
        // gradient but the first layer's (the last the backward pass forms), which could travel
        // while the first layer's gradients are computed.
        const double overlappable = allreduce_seconds(comm, net::parameter_count - (784 * 256 + 256), 50);
        if (comm.is_root()) {
            std::printf("bench workload=%s system=ctnn ranks=%zu rows_per_rank=%zu ms=%.4f samples_per_s=%.1f "
                        "final_loss=%.6f allreduce_ms=%.4f allreduce_share=%.4f overlapped_share=0 overlappable_ms=%.4f\n",
                        strong ? "w8_strong" : "w8", comm.size(), per_rank, 1e3 * epoch_s / double(steps),
                        double(rows) / epoch_s, loss, 1e3 * step_allreduce, step_allreduce * double(steps) / epoch_s,
                        1e3 * overlappable);
            std::fflush(stdout);
        }
    }
    // latency and bandwidth: the sum of 1 float up to 4M floats
    for (std::size_t floats = 1; floats <= (std::size_t(1) << 22); floats *= 4) {
        const double s = allreduce_seconds(comm, floats, floats < 65536 ? 200 : 20);
        if (comm.is_root())
            std::printf("bench workload=allreduce ranks=%zu bytes=%zu us=%.3f\n", comm.size(), floats * sizeof(float), 1e6 * s);
    }
}
