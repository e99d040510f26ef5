// The anchor of the compile-fail cases' precompiled header (<ctnn/ctnn.hpp>, in CMakeLists.txt).
