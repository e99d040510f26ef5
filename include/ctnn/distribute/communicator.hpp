// distribute::communicator: the MPI exchanges data-parallel training needs (broadcast, sums that
// every rank gets bit for bit, gathers, agreement on failures) over one MPI communicator.
// Needs MPI: link ctnn::mpi (docs/distributed.md).
#pragma once

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/number_string.hpp"

namespace ctnn::distribute {

namespace detail {
template <class T>
MPI_Datatype mpi_type() {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, std::uint64_t>,
                  "ctnn: MPI sums of float or double only (and agreements of 64-bit integers)");
    if constexpr (std::is_same_v<T, float>)
        return MPI_FLOAT;
    else if constexpr (std::is_same_v<T, double>)
        return MPI_DOUBLE;
    else
        return MPI_UINT64_T;
}

inline std::string reason_of(const std::exception_ptr& failure) {
    try {
        std::rethrow_exception(failure);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "an exception that is not a std::exception";
    }
}
}  // namespace detail

/// One MPI communicator (MPI_COMM_WORLD unless given), used by every rank alike: each member
/// is collective. MPI must be initialised (distribute::mpi_session) before one is made.
class communicator {
public:
    explicit communicator(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {
        int initialised = 0;
        MPI_Initialized(&initialised);
        if (!initialised)
            throw invalid_argument("ctnn: distribute::communicator: MPI is not initialised; make a "
                                   "ctnn::distribute::mpi_session at the start of main");
        int rank = 0, size = 1;
        check(MPI_Comm_rank(comm_, &rank), "MPI_Comm_rank");
        check(MPI_Comm_size(comm_, &size), "MPI_Comm_size");
        rank_ = std::size_t(rank);
        size_ = std::size_t(size);
    }

    std::size_t rank() const noexcept { return rank_; }
    std::size_t size() const noexcept { return size_; }
    /// Rank 0: the one that reads and writes files and whose weights every rank starts from.
    bool is_root() const noexcept { return rank_ == 0; }
    MPI_Comm handle() const noexcept { return comm_; }

    /// `bytes` bytes at `data` from rank `root` to every rank.
    void broadcast(void* data, std::size_t bytes, std::size_t root = 0) const {
        auto* p = static_cast<unsigned char*>(data);
        for (std::size_t done = 0; done < bytes;) {  // MPI counts are int
            const std::size_t part = std::min<std::size_t>(bytes - done, INT_MAX);
            check(MPI_Bcast(p + done, int(part), MPI_BYTE, int(root), comm_), "MPI_Bcast");
            done += part;
        }
    }

    /// Replaces each value by its sum over the ranks, the same bits on every rank: rank 0 adds
    /// and sends the result (for the few numbers a step's loss or an evaluation needs).
    template <class T>
    void sum(std::span<T> values) const {
        if (size_ == 1 || values.empty()) return;
        const int n = count(values.size());
        check(MPI_Reduce(is_root() ? MPI_IN_PLACE : values.data(), values.data(), n, detail::mpi_type<T>(), MPI_SUM, 0,
                         comm_),
              "MPI_Reduce");
        check(MPI_Bcast(values.data(), n, detail::mpi_type<T>(), 0, comm_), "MPI_Bcast");
    }

    /// Each value becomes its largest over the ranks (+inf wins; exact, so the same everywhere).
    void max(std::span<double> values) const {
        if (size_ == 1 || values.empty()) return;
        check(MPI_Allreduce(MPI_IN_PLACE, values.data(), count(values.size()), MPI_DOUBLE, MPI_MAX, comm_),
              "MPI_Allreduce");
    }

    /// One stretch of a logical array that lies in pieces (a network's gradients, tensor by tensor).
    template <class T>
    struct piece {
        T* data;
        std::size_t size;
    };

    /// The sum over the ranks of the array the `pieces` make, in order (the same sizes on every
    /// rank), in place and multiplied by `scale`, the same bits on every rank: a ring allreduce
    /// (Baidu's, Horovod's) over MPI point-to-point messages. The array is cut into size() blocks;
    /// in size() − 1 steps each rank passes one block on to the next rank and adds the block it
    /// receives, so each block's sum is complete at one rank; in size() − 1 more steps those sums
    /// travel round the ring unchanged. Each value crosses the network about twice, whatever the
    /// number of ranks. (OpenMPI's MPI_Reduce_scatter_block and MPI_Allgather took about three
    /// times as long here.) A block that lies in one piece is sent from and received into it; one
    /// that spans pieces goes through a staging buffer.
    template <class T>
    void sum_pieces(std::span<const piece<T>> pieces, T scale) const {
        std::size_t n = 0;
        for (const auto& q : pieces) n += q.size;
        if (size_ == 1 || n == 0) {
            if (scale != T(1))
                for (const auto& q : pieces)
                    for (std::size_t i = 0; i < q.size; ++i) q.data[i] *= scale;
            return;
        }
        const std::size_t p = size_, block = (n + p - 1) / p;
        // f(address, offset in the block, length) for each piece of block k
        const auto visit = [&](std::size_t k, auto&& f) {
            const std::size_t lo = std::min(n, k * block), hi = std::min(n, lo + block);
            std::size_t start = 0;
            for (const auto& q : pieces) {
                const std::size_t end = start + q.size;
                const std::size_t a = std::max(lo, start), b = std::min(hi, end);
                if (a < b) f(q.data + (a - start), a - lo, b - a);
                start = end;
                if (start >= hi) break;
            }
        };
        const auto length = [&](std::size_t k) { return std::min(n, (k + 1) * block) - std::min(n, k * block); };
        const auto in_one_piece = [&](std::size_t k) -> T* {
            T* at = nullptr;
            int pieces_of_k = 0;
            visit(k, [&](T* q, std::size_t, std::size_t) {
                at = q;
                ++pieces_of_k;
            });
            return pieces_of_k == 1 ? at : nullptr;
        };
        if (staging_.size() < 2 * block * sizeof(T)) staging_.resize(2 * block * sizeof(T));
        T* const received = reinterpret_cast<T*>(staging_.data());
        T* const outgoing = received + block;
        const auto source = [&](std::size_t k) -> const T* {
            if (T* at = in_one_piece(k)) return at;
            visit(k, [&](T* q, std::size_t at, std::size_t m) { std::copy_n(q, m, outgoing + at); });
            return outgoing;
        };
        const int next = int((rank_ + 1) % p), previous = int((rank_ + p - 1) % p);
        // reduce-scatter: after step s, block (rank − s − 1) holds s + 2 ranks' terms here, and
        // after the last step block (rank + 1) holds all of them
        for (std::size_t s = 0; s + 1 < p; ++s) {
            const std::size_t send = (rank_ + p - s) % p, receive = (rank_ + 2 * p - s - 1) % p;
            check(MPI_Sendrecv(source(send), count(length(send)), detail::mpi_type<T>(), next, 0, received,
                               count(length(receive)), detail::mpi_type<T>(), previous, 0, comm_, MPI_STATUS_IGNORE),
                  "MPI_Sendrecv");
            const bool last = s + 2 == p;
            visit(receive, [&](T* q, std::size_t at, std::size_t m) {
                const T* r = received + at;
                if (last)
                    for (std::size_t i = 0; i < m; ++i) q[i] = (q[i] + r[i]) * scale;
                else
                    for (std::size_t i = 0; i < m; ++i) q[i] += r[i];
            });
        }
        // all-gather: pass the complete blocks on round the ring
        for (std::size_t s = 0; s + 1 < p; ++s) {
            const std::size_t send = (rank_ + 1 + p - s) % p, receive = (rank_ + p - s) % p;
            T* direct = in_one_piece(receive);
            check(MPI_Sendrecv(source(send), count(length(send)), detail::mpi_type<T>(), next, 1,
                               direct ? direct : received, count(length(receive)), detail::mpi_type<T>(), previous, 1,
                               comm_, MPI_STATUS_IGNORE),
                  "MPI_Sendrecv");
            if (!direct) visit(receive, [&](T* q, std::size_t at, std::size_t m) { std::copy_n(received + at, m, q); });
        }
    }

    /// sum_pieces of one contiguous array of `values` values.
    template <class T>
    void sum_array(T* values, std::size_t size) const {
        const piece<T> whole{values, size};
        sum_pieces(std::span<const piece<T>>(&whole, 1), T(1));
    }

    /// Every rank's values, in rank order (each rank may give a different number).
    template <class T>
    std::vector<T> gather(std::span<const T> values) const {
        const int mine = count(values.size() * sizeof(T));
        std::vector<int> bytes(size_), offsets(size_);
        check(MPI_Allgather(&mine, 1, MPI_INT, bytes.data(), 1, MPI_INT, comm_), "MPI_Allgather");
        std::size_t total = 0;
        for (std::size_t r = 0; r < size_; ++r) {
            offsets[r] = count(total);
            total += std::size_t(bytes[r]);
        }
        std::vector<T> all(total / sizeof(T));
        check(MPI_Allgatherv(values.data(), mine, MPI_BYTE, all.data(), bytes.data(), offsets.data(), MPI_BYTE, comm_),
              "MPI_Allgatherv");
        return all;
    }

    /// Collective: returns if no rank failed; otherwise every rank throws distributed_error naming
    /// the first rank that failed and its reason (and how many others failed).
    void agree(const std::exception_ptr& failure, std::string_view where) const {
        if (size_ == 1) {
            if (failure) std::rethrow_exception(failure);
            return;
        }
        const int failed = failure ? 1 : 0;
        std::vector<int> flags(size_);
        check(MPI_Allgather(&failed, 1, MPI_INT, flags.data(), 1, MPI_INT, comm_), "MPI_Allgather");
        const auto first = std::find(flags.begin(), flags.end(), 1);
        if (first == flags.end()) return;
        const std::size_t culprit = std::size_t(first - flags.begin());
        const std::size_t failures = std::size_t(std::count(flags.begin(), flags.end(), 1));
        std::string reason = rank_ == culprit ? detail::reason_of(failure) : std::string();
        std::uint64_t length = reason.size();
        broadcast(&length, sizeof length, culprit);
        reason.resize(length);
        broadcast(reason.data(), length, culprit);
        std::string text = "ctnn: " + std::string(where) + ": rank " + std::to_string(culprit) + " of "
                           + std::to_string(size_) + " failed: " + reason;
        if (failures > 1) text += " (and " + std::to_string(failures - 1) + " other rank(s) failed too)";
        throw distributed_error(text + "; every rank stopped here");
    }

    /// Collective: throws distributed_error on every rank unless every rank gave the same value
    /// (an integer, or a double compared bit for bit).
    void require_same(std::uint64_t value, std::string_view what) const { require_equal(value, what); }
    void require_same(double value, std::string_view what) const { require_equal(value, what); }

private:
    template <class V>
    void require_equal(V value, std::string_view what) const {
        if (size_ == 1) return;
        std::vector<V> values(size_);
        check(MPI_Allgather(&value, 1, detail::mpi_type<V>(), values.data(), 1, detail::mpi_type<V>(), comm_),
              "MPI_Allgather");
        const auto text = [](V v) {
            if constexpr (std::is_same_v<V, double>)
                return ctnn::detail::number_string(v);
            else
                return std::to_string(v);
        };
        for (std::size_t r = 1; r < size_; ++r)
            if (std::memcmp(&values[r], &values[0], sizeof(V)) != 0)
                throw distributed_error("ctnn: " + std::string(what) + " differs between ranks: rank 0 has "
                                        + text(values[0]) + ", rank " + std::to_string(r) + " has " + text(values[r])
                                        + "; every rank must be given the same (each trains on its own share)");
    }

    static int count(std::size_t n) {
        if (n > std::size_t(INT_MAX))
            throw invalid_argument("ctnn: distribute::communicator: " + std::to_string(n)
                                   + " elements in one MPI call, more than MPI's int count holds");
        return int(n);
    }
    // MPI_COMM_WORLD's default handler aborts the job on an MPI error; with MPI_ERRORS_RETURN a
    // failure becomes an exception here.
    static void check(int code, const char* call) {
        if (code == MPI_SUCCESS) return;
        char text[MPI_MAX_ERROR_STRING];
        int length = 0;
        MPI_Error_string(code, text, &length);
        throw distributed_error("ctnn: " + std::string(call) + " failed: " + std::string(text, std::size_t(length)));
    }

    MPI_Comm comm_;
    std::size_t rank_ = 0;
    std::size_t size_ = 1;
    mutable std::vector<unsigned char> staging_;  // sum_pieces' received block and a block sent in pieces
};

}  // namespace ctnn::distribute
