// Data-parallel training over MPI: everything in ctnn/distribute/. Needs MPI (link ctnn::mpi);
// ctnn.hpp does not include it.
#pragma once

#include "ctnn/ctnn.hpp"
#include "ctnn/distribute/communicator.hpp"
#include "ctnn/distribute/data_parallel.hpp"
#include "ctnn/distribute/load.hpp"
#include "ctnn/distribute/mpi_session.hpp"
#include "ctnn/distribute/save.hpp"
