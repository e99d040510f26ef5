// distribute::mpi_session: MPI for the life of main. Initialises MPI, finalises it at the end,
// and ends the whole job when a rank dies of an uncaught exception, so no rank is left waiting
// for it.
#pragma once

#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "ctnn/core/errors.hpp"
#include "ctnn/distribute/communicator.hpp"

namespace ctnn::distribute {

/// `int main(int argc, char** argv) { ctnn::distribute::mpi_session mpi(argc, argv); ... }`.
/// One per process. An exception that leaves main on one rank (std::terminate) prints its
/// reason with the rank and aborts every rank (MPI_Abort): the others may be waiting for it in an
/// exchange and would otherwise wait for ever.
class mpi_session {
public:
    mpi_session(int& argc, char**& argv) : owner_(start(&argc, &argv)), world_(MPI_COMM_WORLD) { watch(); }
    mpi_session() : owner_(start(nullptr, nullptr)), world_(MPI_COMM_WORLD) { watch(); }
    mpi_session(const mpi_session&) = delete;
    mpi_session& operator=(const mpi_session&) = delete;

    ~mpi_session() {
        if (!owner_) return;
        std::set_terminate(previous_terminate_);
        // Unwinding out of main on this rank alone would leave the others in MPI_Finalize or in
        // an exchange: end the job instead. (distributed_error is thrown on every rank alike.)
        if (std::uncaught_exceptions() > 0) abort_job("an exception is leaving main");
        int finalised = 0;
        MPI_Finalized(&finalised);
        if (!finalised) MPI_Finalize();
    }

    /// MPI_COMM_WORLD.
    const communicator& world() const noexcept { return world_; }

private:
    // Whether this session initialised MPI (and so finalises it).
    static bool start(int* argc, char*** argv) {
        int initialised = 0;
        MPI_Initialized(&initialised);
        if (initialised) return false;
        int provided = 0;
        if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
            throw distributed_error("ctnn: mpi_session: MPI_Init_thread failed");
        // MPI errors come back as codes, which communicator turns into exceptions
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        return true;
    }
    void watch() {
        if (owner_) previous_terminate_ = std::set_terminate(&on_terminate);
    }

    [[noreturn]] static void abort_job(const char* why) {
        int rank = -1;
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        std::string reason = why;
        if (const auto failure = std::current_exception()) reason = detail::reason_of(failure);
        std::fprintf(stderr, "ctnn: rank %d ends the MPI job: %s\n", rank, reason.c_str());
        std::fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, 1);
        std::abort();
    }
    [[noreturn]] static void on_terminate() { abort_job("std::terminate was called"); }

    bool owner_;
    communicator world_;
    std::terminate_handler previous_terminate_ = nullptr;
};

}  // namespace ctnn::distribute
