// distribute::data_parallel: the trainer's distribution policy for data-parallel training over
// MPI. Every rank holds the same weights (rank 0's, shared when the trainer is made and when each
// fit starts), trains on its share of each batch, and the ranks average the loss and the
// gradients before the clip and the update, so every rank applies the same update and the
// weights stay bit-identical. Needs MPI: link ctnn::mpi (docs/distributed.md).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ctnn/detail/layer_tuple.hpp"
#include "ctnn/detail/network_visit.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/distribute/communicator.hpp"

namespace ctnn::distribute {

/// `ctnn::trainer trainer{net, optim::adam{}, distribute::data_parallel{mpi.world()}}`.
/// fit's batch_size is each rank's: N ranks take N × batch_size rows per step.
class data_parallel {
public:
    static constexpr std::string_view name = "data_parallel";
    static constexpr bool distributed = true;

    explicit data_parallel(const communicator& comm) : comm_(comm) {}

    std::size_t rank() const noexcept { return comm_.rank(); }
    std::size_t ranks() const noexcept { return comm_.size(); }
    const communicator& comm() const noexcept { return comm_; }

    /// The step's loss over every rank's rows, and the weight it averaged: the rows (or real
    /// steps), or a class-weighted loss's Σ of their class weights (loss::mean_weight).
    struct combined_loss {
        double loss;
        double weight;
    };

    // ---- what the trainer calls (collective: every rank, in the same order) ----------------

    /// Rank 0's parameters and buffers (batch_norm's running estimates) to every rank, once the
    /// ranks agree they hold networks of one structure (another type's bytes would be read as
    /// this one's, or the broadcast would not match).
    template <class Network>
    void share_weights(Network& net) {
        if (ranks() == 1) return;
        comm_.require_same(structure_of(net),
                           "the network (a hash of its layers' kinds, widths, activations and parameter shapes)");
        std::size_t bytes = 0;
        visit_weights(net, [&](void*, std::size_t size) { bytes += size; });
        bytes_.resize(bytes);
        std::size_t at = 0;
        if (comm_.is_root())
            visit_weights(net, [&](void* p, std::size_t size) {
                std::memcpy(bytes_.data() + at, p, size);
                at += size;
            });
        comm_.broadcast(bytes_.data(), bytes);
        at = 0;
        if (!comm_.is_root())
            visit_weights(net, [&](void* p, std::size_t size) {
                std::memcpy(p, bytes_.data() + at, size);
                at += size;
            });
    }

    /// Every floating-point buffer (batch_norm's running estimates), which a training forward
    /// moved by this rank's rows only, becomes its mean over the ranks: the same bits on every
    /// rank, so that what each rank evaluates and saves is one model.
    template <class Network>
    void average_buffers(Network& net) {
        if (ranks() == 1) return;
        using T = typename Network::scalar;
        auto& pieces = pieces_of<T>();
        pieces.clear();
        net.for_each_layer([&](auto& layer) {
            ctnn::detail::for_each_buffer_of(layer, [&](std::string_view, auto& b) {
                const auto e = ctnn::detail::elements_of(b);
                if constexpr (std::is_same_v<std::remove_const_t<typename decltype(e)::element_type>, T>)
                    pieces.push_back({e.data(), e.size()});
            });
        });
        if (!pieces.empty()) comm_.sum_pieces(std::span<const communicator::piece<T>>(pieces), T(1) / T(ranks()));
    }

    /// Each rank's random streams (dropout's masks) become stream `rank` of rank 0's: one stream
    /// on every rank would drop the same units of every rank's share.
    template <class Network>
    void split_random_streams(Network& net) const {
        if (rank() == 0) return;
        net.for_each_layer([&](auto& layer) { ctnn::detail::use_rank_stream_of(layer, rank()); });
    }

    /// `loss`: this rank's mean over `weight` rows (or real steps); `failure`: what its loss
    /// threw, if it did. Throws distributed_error on every rank if any rank failed. Keeps this
    /// rank's share of the step's rows for average_gradients. A rank whose rows all weigh 0
    /// (class weights) has no mean of its own (0/0): it adds nothing, as its rows add nothing
    /// to the one-process mean.
    combined_loss combine_loss(double loss, double weight, const std::exception_ptr& failure, std::size_t step) {
        const double w = weight;
        double sums[] = {failure ? 1.0 : 0.0, failure || w == 0.0 ? 0.0 : loss * w, w, w * w};
        comm_.sum(std::span<double>(sums));
        if (sums[0] != 0.0) comm_.agree(failure, "training step " + std::to_string(step));
        share_ = w / sums[2];
        // every share the same (Σw² · N = (Σw)², exact for row counts): the sum is scaled once,
        // as it is completed, instead of each rank's gradients before it
        equal_shares_ = sums[3] * double(ranks()) == sums[2] * sums[2];
        return {sums[1] / sums[2], sums[2]};
    }

    /// Every parameter's gradient becomes Σ_ranks share_r × gradient_r (share_r: rank r's share of
    /// the step's rows, from combine_loss), the same bits on every rank. The sum runs on the
    /// gradients where they are, tensor by tensor: nothing is packed into one array and back.
    template <class Network>
    void average_gradients(Network& net) {
        if (ranks() == 1) return;
        using T = typename Network::scalar;
        auto& pieces = pieces_of<T>();
        pieces.clear();
        net.for_each_parameter([&](auto& p) { pieces.push_back({p.grad.data(), p.grad.size()}); });
        if (share_ == 0.0)  // this rank's gradients are of a mean over nothing (0/0): they add 0
            for (const auto& q : pieces) std::fill_n(q.data, q.size, T(0));
        else if (!equal_shares_)
            for (const auto& q : pieces)
                for (std::size_t i = 0; i < q.size; ++i) q.data[i] *= T(share_);
        comm_.sum_pieces(std::span<const communicator::piece<T>>(pieces), equal_shares_ ? T(share_) : T(1));
    }

    /// Sums of an evaluation's numbers over the ranks, the same on every rank.
    void sum(std::span<double> values) const { comm_.sum(values); }

    /// Each value the largest over the ranks (exact: the same on every rank).
    void max(std::span<double> values) const { comm_.max(values); }

    /// Every rank's rows of `part`, in rank order.
    tensor<double, 2> gather_rows(const tensor<double, 2>& part) const {
        const std::size_t columns = part.shape()[1];
        const std::vector<double> all = comm_.gather(std::span<const double>(part.data(), part.size()));
        const std::size_t rows = columns == 0 ? 0 : all.size() / columns;
        tensor<double, 2> whole = tensor<double, 2>::from_shape({rows, columns});
        std::copy(all.begin(), all.end(), whole.data());
        return whole;
    }

    void agree(const std::exception_ptr& failure, std::string_view where) const { comm_.agree(failure, where); }
    void require_same(std::uint64_t value, std::string_view what) const { comm_.require_same(value, what); }
    void require_same(double value, std::string_view what) const { comm_.require_same(value, what); }

private:
    // FNV-1a over what a saved model's signature records of each layer: kind, widths, activation,
    // parameter names and shapes.
    template <class Network>
    static std::uint64_t structure_of(const Network& net) {
        std::uint64_t hash = 14695981039346656037ull;
        const auto mix = [&](const void* data, std::size_t size) {
            const auto* byte = static_cast<const unsigned char*>(data);
            for (std::size_t i = 0; i < size; ++i) hash = (hash ^ byte[i]) * 1099511628211ull;
        };
        const auto text = [&](std::string_view s) {
            mix(s.data(), s.size());
            mix("|", 1);
        };
        const auto number = [&](std::uint64_t v) { mix(&v, sizeof v); };
        number(sizeof(typename Network::scalar));
        net.for_each_layer([&](const auto& layer) {
            using L = std::remove_cvref_t<decltype(layer)>;
            text(ctnn::detail::layer_kind<L>());
            number(L::input_width);
            number(L::output_width);
            text(ctnn::detail::saved_activation<L>());
            ctnn::detail::for_each_named_parameter_of(layer, [&](std::string_view name, const auto& p) {
                text(name);
                for (const auto extent : p.value.shape()) number(extent);
            });
        });
        return hash;
    }

    // f(address, bytes) for every parameter's values and every buffer, in the network's order.
    template <class Network, class F>
    static void visit_weights(Network& net, F&& f) {
        net.for_each_parameter([&](auto& p) { f(p.value.data(), p.value.size() * sizeof(*p.value.data())); });
        net.for_each_layer([&](auto& layer) {
            ctnn::detail::for_each_buffer_of(layer, [&](std::string_view, auto& b) {
                const auto e = ctnn::detail::elements_of(b);
                f(static_cast<void*>(e.data()), e.size_bytes());
            });
        });
    }

    template <class T>
    std::vector<communicator::piece<T>>& pieces_of() {
        if constexpr (std::is_same_v<T, float>)
            return pieces_float_;
        else
            return pieces_double_;
    }

    communicator comm_;
    double share_ = 1.0;         // this rank's share of the last step's rows
    bool equal_shares_ = true;   // every rank's share the same
    std::vector<unsigned char> bytes_;
    std::vector<communicator::piece<float>> pieces_float_;
    std::vector<communicator::piece<double>> pieces_double_;
};

}  // namespace ctnn::distribute
