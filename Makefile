# ctnn's front door. `make run` and `make test` install what is missing (Debian 12, as root),
# configure, build and run. Variables: EXAMPLE (default seed_mlp), JOBS (default 2),
# BENCH_ARGS (passed to benchmarks/bench.py by `make bench`, e.g. --no-compile),
# TEST_SET (which tests test-sanitize and test-clang build: memory and portability by default,
# `all` for every test; docs/testing.md).
EXAMPLE ?= seed_mlp
JOBS ?= 2
BUILD ?= build
SANITIZE_BUILD ?= build-sanitize
CLANG_BUILD ?= build-clang
CMAKE_FLAGS ?=
SANITIZE_TEST_SET ?= $(or $(TEST_SET),memory)
CLANG_TEST_SET ?= $(or $(TEST_SET),portability)
CONFIGURE = cmake -S . -G "Unix Makefiles" -DCMAKE_CXX_COMPILER_LAUNCHER=ccache $(CMAKE_FLAGS)
export OPENBLAS_NUM_THREADS ?= 1
# ccache caches the units that read a precompiled header (ctnn_tests') only with this sloppiness
# (its manual, "Precompiled headers"); it still hashes the header's contents.
export CCACHE_SLOPPINESS ?= pch_defines,time_macros

.PHONY: deps deps-bench configure build run test test-sanitize test-clang bench fixtures format clean

deps:
	@scripts/install-deps.sh

deps-bench:
	@scripts/install-deps.sh bench

$(BUILD)/CMakeCache.txt: | deps
	$(CONFIGURE) -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCTNN_MPI=ON

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j$(JOBS)

run: configure
	cmake --build $(BUILD) -j$(JOBS) --target $(EXAMPLE)
	./$(BUILD)/examples/$(EXAMPLE)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# -Og compiles ctnn's units in less than half the time -O1 takes, and still runs them fast.
test-sanitize: deps
	$(CONFIGURE) -B $(SANITIZE_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCTNN_SANITIZE=ON \
	  -DCTNN_BUILD_BENCHMARKS=OFF -DCMAKE_CXX_FLAGS_DEBUG="-Og -g" -DCTNN_TEST_SET=$(SANITIZE_TEST_SET)
	cmake --build $(SANITIZE_BUILD) -j$(JOBS)
	cd $(SANITIZE_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j$(JOBS) -LE no-sanitize

# The library and its tests also compile with clang 14 (and pass); every public header compiles
# on its own with clang too. Its test units keep -O3 (`make test` builds them at -Og), so the
# tests also run on release code generation.
test-clang: deps
	$(CONFIGURE) -B $(CLANG_BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DCTNN_BUILD_BENCHMARKS=OFF -DCTNN_TEST_SET=$(CLANG_TEST_SET) -DCTNN_TEST_OPTIMIZATION=""
	cmake --build $(CLANG_BUILD) -j$(JOBS)
	cd $(CLANG_BUILD) && ctest --output-on-failure -j$(JOBS) -LE no-sanitize
	cd $(CLANG_BUILD) && ctest --output-on-failure -R '^meta.headers_self_contained$$'

bench: deps-bench configure
	cmake --build $(BUILD) -j$(JOBS) --target benchmarks
	/usr/bin/python3 benchmarks/bench.py --build $(BUILD) $(BENCH_ARGS)

fixtures: deps-bench
	for g in tests/fixtures/generate*.py; do /usr/bin/python3 $$g || exit 1; done

format:
	clang-format -i $$(git ls-files '*.hpp' '*.cpp')

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) $(CLANG_BUILD)
