// training_history::write_csv with <ctnn/core.hpp> alone: the file writing lives in its own
// header (core.hpp leaves <filesystem> out), and the error must name that header.
#include <ctnn/core.hpp>
#ifndef CTNN_MUST_FAIL
#include <ctnn/io/write_history_csv.hpp>
#endif

int main(int argc, char** argv) {
    ctnn::training_history history;
    if (argc > 1) history.write_csv(argv[1]);
}
