#!/usr/bin/python3
"""ctnn against PyTorch, side by side, in one run; compile times; the sgemm roofline.

Usage (from the repository root, after building the `benchmarks` target):
    /usr/bin/python3 benchmarks/bench.py [--build build] [--rounds 5] [--repeats 3]
        [--workloads w1,w2,w4] [--parallel w2,w6] [--compile-rounds 5] [--no-compile] [--strict]
        [--coretype Prescott] [--pytorch-own-core] [--mpi-ranks 2]
`make bench` does the building and calls this. PyTorch runs with the OpenBLAS kernels that suit
the CPU (see below); CTNN_ISA=avx2 in the environment has ctnn's products use AVX2 kernels on a
CPU with AVX-512 (what a CPU without it would run).

For each workload the ctnn program writes its data and initial weights, PyTorch (float32, one
thread) trains the very same problem, and the two run interleaved: `rounds` rounds, each with
`repeats` timed trainings per system after one untimed warm-up (at least `ctnn_repeats` on ctnn's
side where a workload sets it: W1's trainings are too short for three). Medians are reported. The final
losses (mean loss of the last epoch, computed before each step, as both report it) must agree
within the workload's tolerance, else the comparison is void and the script exits with 1.

FLOPs per step of an MLP are counted as 6 * parameters * batch: 2 FLOPs per multiply-add and three
products per weight and sample (forward, weight gradient, input gradient), the usual figure. The
same count is used for both systems; neither computes the first layer's input gradient, which for
W2 is 28% of that count. W7's convolutions count the same way, one multiply-add per weight and
output position (OC * C * KH * KW * OH * OW per sample).

Floors (issue 6) are printed PASS/FAIL: a report, not a test. Exit status 1 only if losses
disagree or a program fails (or, with --strict, if a floor fails).
"""
import argparse
import json
import math
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

os.environ["OPENBLAS_NUM_THREADS"] = "1"

# --- PyTorch at its best: the OpenBLAS kernels that suit the CPU ---------------------------------
# OpenBLAS picks its kernels when it loads, by recognising the CPU. Where it picks narrower ones
# than the CPU runs (its generic Prescott kernels on a CPU it does not know, its AVX2 ones on a
# CPU with AVX-512), this script starts itself again with OPENBLAS_CORETYPE set for that, before
# PyTorch loads OpenBLAS; where OpenBLAS's own choice suits the CPU, an OPENBLAS_CORETYPE of the
# environment is taken away from PyTorch. Either way PyTorch runs at its best. ctnn's programs
# run in the environment as it was (or with --coretype). --pytorch-own-core gives PyTorch
# OpenBLAS's own choice, whatever it is.
AVX512_CORES = {"skylakex", "cooperlake", "sapphirerapids"}
AVX2_CORES = {"haswell", "zen", "excavator"}


def cpu_flags():
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def openblas_own_core():
    """The kernels OpenBLAS (libblas.so.3, as PyTorch loads it) picks by itself on this CPU."""
    probe = ("import ctypes; lib = ctypes.CDLL('libblas.so.3'); "
             "lib.openblas_get_corename.restype = ctypes.c_char_p; print(lib.openblas_get_corename().decode())")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    try:
        return subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True,
                              env=env).stdout.strip()
    except (subprocess.CalledProcessError, OSError):
        return ""


def suited_core(own, flags):
    """The OPENBLAS_CORETYPE that suits a CPU with these flags when OpenBLAS's own choice does not."""
    if "avx512f" in flags and own.lower() not in AVX512_CORES:
        return "SkylakeX"
    if "avx2" in flags and "fma" in flags and own.lower() not in AVX512_CORES | AVX2_CORES:
        return "Haswell"
    return None


if "CTNN_BENCH_PYTORCH_CORE" not in os.environ:
    OWN_CORE = openblas_own_core()
    SUITED = "" if "--pytorch-own-core" in sys.argv else suited_core(OWN_CORE, cpu_flags()) or ""
    OUTER = os.environ.get("OPENBLAS_CORETYPE", "")
    os.environ.update(CTNN_BENCH_OPENBLAS_OWN_CORE=OWN_CORE, CTNN_BENCH_OUTER_CORETYPE=OUTER,
                      CTNN_BENCH_PYTORCH_CORE=SUITED)
    if SUITED != OUTER:  # "" = OpenBLAS's own choice
        if SUITED:
            os.environ["OPENBLAS_CORETYPE"] = SUITED
        else:
            del os.environ["OPENBLAS_CORETYPE"]
        os.execv(sys.executable, [sys.executable] + sys.argv)

import torch  # noqa: E402

torch.set_num_threads(1)


# --- the PyTorch side ----------------------------------------------------------------------------

def read_records(path):
    """The programs' --dump file: `name rank dims...` lines, each followed by its values."""
    records = {}
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if l and not l.startswith("#")]
    for header, values in zip(lines[0::2], lines[1::2]):
        name, rank, *dims = header.split()
        shape = [int(d) for d in dims]
        assert len(shape) == int(rank), header
        records[name] = torch.tensor([float(v) for v in values.split()], dtype=torch.float32).reshape(shape)
    return records


ACTIVATIONS = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}


def build_mlp(records, activations):
    """nn.Linear layers from w0, b0, w1, b1... each followed by its activation (None: none)."""
    layers = []
    for i, act in enumerate(activations):
        w, b = records[f"w{i}"], records[f"b{i}"]
        linear = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            linear.weight.copy_(w)
            linear.bias.copy_(b)
        layers.append(linear)
        if act:
            layers.append(ACTIVATIONS[act]())
    assert f"w{len(activations)}" not in records, "the dump has more layers than the workload"
    return torch.nn.Sequential(*layers)


def timed_trainings(repeats, x, y, *, batch, epochs, build):
    """Trains `repeats` times (after one untimed warm-up) on the batches of (x, y) in order;
    `build()` returns a fresh (forward, loss_fn, parameters, optimizer, max_norm or None).
    Returns [(ms per step, final loss, CPU ms per step)]. The final loss is the mean loss of the
    last epoch's batches, each taken before its step, as ctnn's fit reports it."""
    rows = x.shape[0]
    batches = [(x[i:i + batch], y[i:i + batch]) for i in range(0, rows, batch)]
    results = []
    for r in range(-1, repeats):
        forward, loss_fn, parameters, optimizer, max_norm = build()
        steps = 0
        start, cpu_start = time.perf_counter(), time.process_time()
        for _ in range(epochs):
            weighted = 0.0
            for xb, yb in batches:
                optimizer.zero_grad(set_to_none=True)
                loss_value = loss_fn(forward(xb), yb)
                loss_value.backward()
                if max_norm is not None:
                    torch.nn.utils.clip_grad_norm_(parameters, max_norm)
                optimizer.step()
                weighted += loss_value.item() * xb.shape[0]
                steps += 1
        ms, cpu_ms = (time.perf_counter() - start) * 1e3, (time.process_time() - cpu_start) * 1e3
        if r >= 0:
            results.append((ms / steps, weighted / rows, cpu_ms / steps))
    return results


def train_mlp(records, repeats, *, activations, loss, batch, epochs, sgd):
    """W1, W2, W4: the MLP from the dump, SGD, the batches of x in order."""
    x, y = records["x"], records["y"]
    if loss == "cross_entropy":
        loss_fn, y = torch.nn.CrossEntropyLoss(), y.reshape(-1).long()
    else:
        loss_fn = torch.nn.MSELoss()

    def build():
        model = build_mlp(records, activations)
        return model, loss_fn, None, torch.optim.SGD(model.parameters(), **sgd), None
    return timed_trainings(repeats, x, y, batch=batch, epochs=epochs, build=build)


def train_rnn(records, repeats, *, batch, epochs):
    """W3: nn.RNN (tanh, batch_first) from the dump, its last state read out by nn.Linear, MSE,
    Adam lr 1e-3, clip_grad_norm_ 1.0, batches of x in order."""
    x, y = records["x"], records["y"]

    def build():
        rnn = torch.nn.RNN(x.shape[2], records["weight_hh"].shape[0], batch_first=True)
        head = torch.nn.Linear(records["w1"].shape[1], 1)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(rnn, name + "_l0").copy_(records[name])
            head.weight.copy_(records["w1"])
            head.bias.copy_(records["b1"])
        parameters = list(rnn.parameters()) + list(head.parameters())
        return (lambda xb: head(rnn(xb)[0][:, -1])), torch.nn.MSELoss(), parameters, \
            torch.optim.Adam(parameters, lr=1e-3), 1.0
    return timed_trainings(repeats, x, y, batch=batch, epochs=epochs, build=build)


def read_idx_gz(path):
    """An IDX file (gzip) as a torch tensor: the magic's rank, big-endian dims, uint8 data."""
    import gzip
    import struct
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return torch.frombuffer(bytearray(data[4 + 4 * rank:]), dtype=torch.uint8).reshape(dims)


def train_fashion_epoch(records, repeats, *, batch):
    """W6: the fashion_mnist example's model from the dump, one epoch of Adam lr 1e-3 over the
    60,000 training images in order (pixels / 255, as ctnn's scale_to_unit)."""
    root = "/usr/share/datasets/fashion-mnist"
    x = read_idx_gz(f"{root}/train-images-idx3-ubyte.gz").reshape(60000, 784).to(torch.float32) / 255.0
    y = read_idx_gz(f"{root}/train-labels-idx1-ubyte.gz").long()

    def build():
        model = build_mlp(records, ["relu", "relu", None])
        return model, torch.nn.CrossEntropyLoss(), None, torch.optim.Adam(model.parameters(), lr=1e-3), None
    return timed_trainings(repeats, x, y, batch=batch, epochs=1, build=build)


def train_fashion_cnn_epoch(records, repeats, *, batch):
    """W7: the fashion_cnn example's network without dropout, weights from the dump, one epoch of
    Adam lr 1e-3 over the 60,000 training images in order (pixels / 255), NCHW."""
    root = "/usr/share/datasets/fashion-mnist"
    x = read_idx_gz(f"{root}/train-images-idx3-ubyte.gz").reshape(60000, 1, 28, 28).to(torch.float32) / 255.0
    y = read_idx_gz(f"{root}/train-labels-idx1-ubyte.gz").long()

    def build():
        nn = torch.nn
        model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
        with_parameters = [m for m in model if isinstance(m, (nn.Conv2d, nn.Linear))]
        with torch.no_grad():
            for k, m in enumerate(with_parameters):
                m.weight.copy_(records[f"w{k}"])
                m.bias.copy_(records[f"b{k}"])
        assert f"w{len(with_parameters)}" not in records, "the dump has more layers than the workload"
        return model, nn.CrossEntropyLoss(), None, torch.optim.Adam(model.parameters(), lr=1e-3), None
    return timed_trainings(repeats, x, y, batch=batch, epochs=1, build=build)


# --- the workloads: one entry each; a new workload is one entry here plus one C++ program -------

WORKLOADS = {
    # A ctnn training of W1 takes under a millisecond: three of them a round time the host's
    # moment (a clock ramping, a neighbour) more than ctnn, so its side takes a hundred a round
    # (a PyTorch training takes over a hundred milliseconds; three suffice there).
    "w1": dict(title="seed 10-5-1 relu, mse, sgd, batch 100", binary="bench_seed_mlp", floor=150.0,
               loss_rtol=1e-4, ctnn_repeats=100,
               torch=lambda rec, n: train_mlp(rec, n, activations=["relu", None], loss="mse", batch=100,
                                              epochs=1000, sgd=dict(lr=0.01))),
    "w2": dict(title="mlp 784-256-128-10 relu, softmax ce, sgd momentum, batch 64", binary="bench_mlp",
               floor=1.5, roofline_floor=0.70, fma_floor=0.60, loss_rtol=1e-3,
               torch=lambda rec, n: train_mlp(rec, n, activations=["relu", "relu", None], loss="cross_entropy",
                                              batch=64, epochs=4, sgd=dict(lr=0.01, momentum=0.9))),
    "w3": dict(title="rnn tanh 8-64, T=50, last state to 1, mse, adam, clip 1, batch 32", binary="bench_rnn",
               floor=6.0, loss_rtol=1e-3, torch=lambda rec, n: train_rnn(rec, n, batch=32, epochs=4)),
    "w4": dict(title="deep 32-(64 tanh)x16-1, mse, sgd, batch 32", binary="bench_deep", floor=8.0,
               loss_rtol=1e-3,
               torch=lambda rec, n: train_mlp(rec, n, activations=["tanh"] * 16 + [None], loss="mse", batch=32,
                                              epochs=8, sgd=dict(lr=0.01))),
    "w6": dict(title="fashion-mnist 784-256-128-10 relu, softmax ce, adam, batch 128, one epoch",
               binary="bench_fashion_epoch", floor=1.5, loss_rtol=1e-3,
               torch=lambda rec, n: train_fashion_epoch(rec, n, batch=128)),
    # An epoch takes ~15 s: one timed training per round (after the warm-up), three rounds. Its
    # losses agree less closely than W6's: ctnn's Winograd and PyTorch's convolutions round
    # differently, and 938 Adam steps in float32 carry that to ~0.2% with other BLAS kernels
    # (docs/benchmarks.md); the float64 fixtures are where the arithmetic is checked.
    "w7": dict(title="fashion-mnist cnn conv32-pool-conv64-pool-128-10, softmax ce, adam, batch 64, one epoch",
               binary="bench_fashion_cnn_epoch", floor=1.5, loss_rtol=5e-3, repeats=1, rounds=3,
               torch=lambda rec, n: train_fashion_cnn_epoch(rec, n, batch=64)),
}


# --- the ctnn side -------------------------------------------------------------------------------

def parse_line(line):
    return dict(kv.split("=", 1) for kv in line.split()[1:])


# OPENBLAS_CORETYPE for ctnn's programs alone (--coretype), "" for OpenBLAS's own choice.
CTNN_CORETYPE = ""


def ctnn_environment(**extra):
    """The environment of ctnn's programs: as this script was started (OPENBLAS_CORETYPE was
    set here for PyTorch alone), with --coretype's OPENBLAS_CORETYPE if given."""
    env = dict(os.environ, **extra)
    env.pop("OPENBLAS_CORETYPE", None)
    outer = os.environ.get("CTNN_BENCH_OUTER_CORETYPE", os.environ.get("OPENBLAS_CORETYPE", ""))
    if CTNN_CORETYPE or outer:
        env["OPENBLAS_CORETYPE"] = CTNN_CORETYPE or outer
    return env


def run_ctnn(binary, repeats, dump=None, threads=1):
    """[(ms per step, final loss, CPU ms per step)], and the FLOPs per step the program counts."""
    cmd = [binary, "--repeats", str(repeats), "--threads", str(threads)] + (["--dump", dump] if dump else [])
    env = ctnn_environment(OPENBLAS_NUM_THREADS=str(threads))
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    results, flops = [], None
    for line in out.splitlines():
        if line.startswith("bench "):
            fields = parse_line(line)
            results.append((float(fields["ms_per_step"]), float(fields["final_loss"]),
                            float(fields["cpu_ms_per_step"])))
            flops = float(fields["flops_per_step"])
    return results, flops


def yardstick(build, program, repeats):
    """The `bench` lines of a yardstick program, as fields: bench_sgemm_roofline (one large sgemm
    by OpenBLAS, then by ctnn's own kernels; the faster is the roofline) or bench_fma_peak (one core's FMAs at the widest
    vector width the CPU runs, no BLAS)."""
    out = subprocess.run([os.path.join(build, "benchmarks", program), "--repeats", str(repeats)],
                         check=True, capture_output=True, text=True, env=ctnn_environment()).stdout
    lines = [l for l in out.splitlines() if l.startswith("bench ")]
    for line in lines:
        print(line)
    return [parse_line(line) for line in lines]


# --- W5, compile time ----------------------------------------------------------------------------

COMPILE_UNITS = [("xtensor only", "xtensor_only.cpp"), ("seed example", "seed_mlp.cpp"),
                 ("seed adam", "seed_adam.cpp"), ("every optimizer", "every_optimizer.cpp"),
                 ("lstm 2 layers", "lstm2.cpp"),
                 ("depth 2", "depth_2.cpp"), ("depth 8", "depth_8.cpp"), ("depth 32", "depth_32.cpp")]


def compile_commands(build):
    """The compiler command CMake records for each W5 unit (target bench_compile_time, -O2)."""
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = json.load(f)
    found = {}
    for label, name in COMPILE_UNITS:
        entry = next((e for e in entries if os.path.basename(e["file"]) == name
                      and "bench_compile_time" in e.get("output", e.get("command", ""))), None)
        if entry is None:
            raise SystemExit(f"bench.py: no compile command for {name} in {build}/compile_commands.json "
                             "(re-run cmake on the build directory)")
        args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
        found[label] = (entry["directory"], args)
    return found


def time_compile(directory, args):
    """(CPU seconds user+sys, wall seconds, peak MB) of one compile, output to a temporary file."""
    with tempfile.TemporaryDirectory() as tmp:
        args = list(args)
        args[args.index("-o") + 1] = os.path.join(tmp, "unit.o")
        report = os.path.join(tmp, "time.txt")
        subprocess.run(["/usr/bin/time", "-v", "-o", report] + args, cwd=directory, check=True,
                       capture_output=True, text=True)
        text = open(report).read()
    field = lambda pattern: re.search(pattern, text).group(1)  # noqa: E731
    user, system = float(field(r"User time \(seconds\): ([\d.]+)")), float(field(r"System time \(seconds\): ([\d.]+)"))
    wall = field(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)")
    wall_s = sum(float(p) * 60 ** i for i, p in enumerate(reversed(wall.split(":"))))
    return user + system, wall_s, int(field(r"Maximum resident set size \(kbytes\): (\d+)")) / 1024


# --- W8, data-parallel training over MPI ------------------------------------------------------------

MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,vader"]
W6_PARAMETERS = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
# "a 10x wider model": W6's hidden layers 10x as wide (784-2560-1280-10)
WIDE_PARAMETERS = 784 * 2560 + 2560 + 2560 * 1280 + 1280 + 1280 * 10 + 10


def ddp_epoch_worker(rank, world, port, records, per_rank, repeats, results):
    """One rank of PyTorch's W8: DistributedDataParallel (gloo, loopback) over W6's model from
    the dump, Adam lr 1e-3, one epoch in order, each rank its slice of every world * per_rank rows
    (as ctnn's fit); rank 0 puts the median epoch seconds and the last loss into `results`."""
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    root = "/usr/share/datasets/fashion-mnist"
    x = read_idx_gz(f"{root}/train-images-idx3-ubyte.gz").reshape(60000, 784).to(torch.float32) / 255.0
    y = read_idx_gz(f"{root}/train-labels-idx1-ubyte.gz").long()
    rows, step_rows = x.shape[0], world * per_rank
    seconds, loss = [], None
    for r in range(repeats + 1):  # the first is a warm-up
        model = DistributedDataParallel(build_mlp(records, ["relu", "relu", None]))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()
        dist.barrier()
        start = time.perf_counter()
        weighted = torch.zeros(2)
        for first in range(0, rows, step_rows):
            n = min(step_rows, rows - first)
            lo, hi = first + n * rank // world, first + n * (rank + 1) // world
            optimizer.zero_grad()
            value = loss_fn(model(x[lo:hi]), y[lo:hi])
            value.backward()
            optimizer.step()
            weighted += torch.tensor([value.item() * (hi - lo), hi - lo])
        dist.barrier()
        took = time.perf_counter() - start
        dist.all_reduce(weighted)
        if r > 0:
            seconds.append(took)
            loss = float(weighted[0] / weighted[1])
    if rank == 0:
        results.put((statistics.median(seconds), loss))
    dist.destroy_process_group()


def run_ddp(records, world, per_rank, repeats):
    """(samples/s, final loss) of PyTorch's W8 on `world` processes."""
    import socket
    import torch.multiprocessing as mp
    with socket.socket() as probe:  # a free port for gloo's rendezvous
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    context = mp.get_context("spawn")
    results = context.SimpleQueue()
    mp.start_processes(ddp_epoch_worker, args=(world, port, records, per_rank, repeats, results), nprocs=world,
                       join=True, start_method="spawn")
    seconds, loss = results.get()
    return 60000 / seconds, loss


def run_w8(build, rounds, repeats, ranks):
    """W8: W6 on `ranks` MPI ranks against 1 rank, interleaved, and PyTorch's DistributedDataParallel
    (gloo) on the same; the allreduce's α-β fit and the projection of docs/distributed.md. True
    unless the throughput floor fails."""
    binary = os.path.join(build, "benchmarks", "bench_fashion_epoch_mpi")
    if not os.path.exists(binary):
        print(f"\nW8 skipped: {binary} not built (ctnn::mpi needs MPI: apt-get install libopenmpi-dev openmpi-bin)")
        return True
    runs = {(n, w): [] for n in (1, ranks) for w in ("w8", "w8_strong")}
    sizes = {}
    for _ in range(rounds):
        for n in (1, ranks):
            out = subprocess.run(MPIRUN + ["-np", str(n), binary, "--repeats", str(repeats)], check=True,
                                 capture_output=True, text=True, env=ctnn_environment(OPENBLAS_NUM_THREADS="1")).stdout
            for line in out.splitlines():
                if not line.startswith("bench "):
                    continue
                f = parse_line(line)
                if f["workload"] != "allreduce":
                    runs[(n, f["workload"])].append(f)
                elif n == ranks:
                    sizes.setdefault(int(f["bytes"]), []).append(float(f["us"]))
    med = {k: {key: statistics.median(float(r[key]) for r in v)
               for key in ("ms", "samples_per_s", "allreduce_ms", "overlappable_ms")}
           for k, v in runs.items()}
    # PyTorch's DistributedDataParallel on the same problem, the same initial weights
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "data.txt")
        run_ctnn(os.path.join(build, "benchmarks", "bench_fashion_epoch"), 1, dump=dump)
        records = read_records(dump)
    torch_runs = {(n, w): [] for n in (1, ranks) for w in ("w8", "w8_strong")}
    for _ in range(max(1, rounds // 2)):
        for w in ("w8", "w8_strong"):
            for n in (1, ranks):
                torch_runs[(n, w)].append(run_ddp(records, n, 128 // n if w == "w8_strong" else 128, repeats))
    torch_med = {k: statistics.median(r[0] for r in v) for k, v in torch_runs.items()}
    print(f"\nW8: W6 data-parallel over MPI on {ranks} ranks against 1 (this machine, loopback; medians of {rounds} "
          f"rounds of {repeats})")
    print(f"{'form':<10}{'rows/rank':>10}{'ranks':>6}{'ms/step':>9}{'samples/s':>11}{'allreduce ms':>13}"
          f"{'share':>7}{'final loss':>12}{'torch samples/s':>16}{'torch loss':>12}{'ctnn/torch':>11}")
    for w in ("w8", "w8_strong"):
        for n in (1, ranks):
            m, last = med[(n, w)], runs[(n, w)][-1]
            share = m["allreduce_ms"] / m["ms"]
            theirs = torch_med[(n, w)]
            print(f"{w:<10}{last['rows_per_rank']:>10}{n:>6}{m['ms']:>9.4f}{m['samples_per_s']:>11.0f}"
                  f"{m['allreduce_ms']:>13.4f}{share:>7.3f}{float(last['final_loss']):>12.6f}"
                  f"{theirs:>16.0f}{torch_runs[(n, w)][-1][1]:>12.6f}{m['samples_per_s'] / theirs:>10.2f}x")
        ratio = med[(ranks, w)]["samples_per_s"] / med[(1, w)]["samples_per_s"]
        torch_ratio = torch_med[(ranks, w)] / torch_med[(1, w)]
        print(f"bench workload={w} ranks={ranks} throughput_ratio={ratio:.3f} torch_throughput_ratio={torch_ratio:.3f} "
              f"speedup_over_torch={med[(ranks, w)]['samples_per_s'] / torch_med[(ranks, w)]:.2f}")
    hidden = med[(ranks, "w8")]["overlappable_ms"]
    print(f"overlap: none built; the most it could hide is the sum of every gradient but the first layer's "
          f"(formed last), {hidden:.4f} ms of a {med[(ranks, 'w8')]['ms']:.4f} ms step "
          f"({100 * hidden / med[(ranks, 'w8')]['ms']:.1f}%)")
    print(f"bench workload=w8 overlapped_share=0 overlappable_ms={hidden:.4f}")
    # α-β: the ring allreduce of n bytes on p ranks takes 2(p-1)α + 2(p-1)/p·n·β
    p = ranks
    points = sorted((b, statistics.median(us)) for b, us in sizes.items())
    xs = [2 * (p - 1) / p * b for b, _ in points]
    ys = [us * 1e-6 for _, us in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    beta = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    alpha = points[0][1] * 1e-6 / (2 * (p - 1))  # the smallest message: latency alone
    print(f"allreduce on {p} ranks (ring: reduce-scatter + all-gather), median us by size: "
          + ", ".join(f"{b} B {us:.1f}" for b, us in points))
    print(f"alpha-beta fit: alpha = {alpha * 1e6:.3f} us per message, beta = {beta * 1e9:.4f} ns/B "
          f"({1e-9 / beta:.2f} GB/s)")
    print(f"bench workload=w8 alpha_us={alpha * 1e6:.4f} beta_ns_per_byte={beta * 1e9:.5f}")
    # projection: 100 Gb/s network, alpha 5 us per message (assumed), compute per step as measured
    # on one rank here, scaled by parameters for the wide model (the same GFLOP/s assumed)
    net_alpha, net_beta = 5e-6, 8 / 100e9
    step = med[(1, "w8")]["ms"] * 1e-3
    print("projection, 100 Gb/s network (beta 0.08 ns/B), alpha 5 us per message (assumed), W6's batch of 128 per "
          "rank, no overlap: efficiency = compute / (compute + allreduce)")
    print(f"{'model':<12}{'params':>10}{'step ms':>9}{'ranks':>7}{'ring ms':>9}{'eff':>7}{'tree ms':>9}{'eff':>7}")
    for label, params in (("W6", W6_PARAMETERS), ("W6 x10 wide", WIDE_PARAMETERS)):
        compute = step * params / W6_PARAMETERS
        for n in (8, 64, 512):
            volume = 2 * (n - 1) / n * 4 * params * net_beta
            ring = 2 * (n - 1) * net_alpha + volume
            tree = 2 * math.log2(n) * net_alpha + volume  # recursive halving and doubling (Rabenseifner)
            print(f"{label:<12}{params:>10}{compute * 1e3:>9.2f}{n:>7}{ring * 1e3:>9.3f}{compute / (compute + ring):>7.2f}"
                  f"{tree * 1e3:>9.3f}{compute / (compute + tree):>7.2f}")
    print("floor (issue 17):")
    return floor_line("w8.throughput_2_ranks", med[(ranks, "w8")]["samples_per_s"] / med[(1, "w8")]["samples_per_s"],
                      1.6, at_most=False)


# --- the report ----------------------------------------------------------------------------------

def floor_line(key, measured, bound, at_most):
    ok = measured <= bound if at_most else measured >= bound
    relation = "<=" if at_most else ">="
    print(f"  {key:<28}{measured:>9.3f} {relation} {bound:<6g}{'PASS' if ok else 'FAIL':>6}")
    print(f"bench floor={key} measured={measured:.3f} bound={relation}{bound:g} result={'PASS' if ok else 'FAIL'}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--compile-rounds", type=int, default=5)
    parser.add_argument("--no-compile", action="store_true", help="skip W5 (compile time)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a floor fails")
    parser.add_argument("--parallel", default="w2,w6",
                        help="workloads also run by ctnn on every core (set_blas_threads), '' for none")
    parser.add_argument("--mpi-ranks", type=int, default=2,
                        help="W8: ranks of the data-parallel run against 1 rank (0: skip W8)")
    parser.add_argument("--coretype", default="",
                        help="OPENBLAS_CORETYPE for ctnn's side only (Prescott: OpenBLAS's generic kernels, as on a "
                             "CPU it does not recognise)")
    parser.add_argument("--pytorch-own-core", action="store_true",
                        help="PyTorch keeps OpenBLAS's own choice of kernels, even where narrower than the CPU's")
    args = parser.parse_args()
    global CTNN_CORETYPE
    CTNN_CORETYPE = args.coretype

    info = {}
    for line in open("/proc/cpuinfo"):
        key, _, value = line.partition(":")
        info.setdefault(key.strip(), value.strip())
    cpu = f"{info.get('model name', '?')} (family {info.get('cpu family', '?')} model {info.get('model', '?')})"
    print(f"machine: {cpu}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
          f"python {platform.python_version()}, torch {torch.__version__}, 1 thread"
          + (f"; ctnn's side with OPENBLAS_CORETYPE={args.coretype}" if args.coretype else ""))
    own, suited = os.environ["CTNN_BENCH_OPENBLAS_OWN_CORE"], os.environ["CTNN_BENCH_PYTORCH_CORE"]
    outer = os.environ["CTNN_BENCH_OUTER_CORETYPE"]
    print(f"OpenBLAS's own kernels here: {own or '?'}"
          + (f" (the environment sets OPENBLAS_CORETYPE={outer}: ctnn's programs keep it)" if outer else "")
          + "; PyTorch runs with "
          + (f"OPENBLAS_CORETYPE={suited}, which suits this CPU better" if suited else "OpenBLAS's own choice"))
    roofline = yardstick(args.build, "bench_sgemm_roofline", 20)
    # the roofline: the faster of the two 512^3 products (OpenBLAS's in ctnn's environment, ctnn's)
    own_gemm = roofline[1]
    peak = max(float(r["gflops"]) for r in roofline)
    fma = float(yardstick(args.build, "bench_fma_peak", 5)[0]["gflops"])
    print(f"ctnn's product kernels: {own_gemm['kernels']}, 512^3 at {float(own_gemm['gflops']):.1f} GFLOP/s"
          + (f" (CTNN_ISA={os.environ['CTNN_ISA']})" if os.environ.get("CTNN_ISA") else ""))

    ok, floors_ok, rows = True, True, []
    for name in filter(None, args.workloads.split(",")):  # "" runs W5 alone
        w = WORKLOADS[name]
        binary = os.path.join(args.build, "benchmarks", w["binary"])
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data.txt")
            _, flops = run_ctnn(binary, 1, dump=data)
            records = read_records(data)
        ours, theirs = [], []
        repeats = w.get("repeats", args.repeats)
        for _ in range(min(args.rounds, w.get("rounds", args.rounds))):
            ours += run_ctnn(binary, max(repeats, w.get("ctnn_repeats", 0)))[0]
            theirs += w["torch"](records, repeats)
        ms_ours, cpu_ours = (statistics.median(r[i] for r in ours) for i in (0, 2))
        ms_theirs, cpu_theirs = (statistics.median(r[i] for r in theirs) for i in (0, 2))
        loss_ours, loss_theirs = ours[-1][1], theirs[-1][1]
        agree = abs(loss_ours - loss_theirs) <= w["loss_rtol"] * max(abs(loss_theirs), 1e-12)
        ok &= agree
        rows.append((name, w, flops, ms_ours, ms_theirs, cpu_ours, cpu_theirs, loss_ours, loss_theirs, agree))
        for system, ms, cpu_ms, loss in (("ctnn", ms_ours, cpu_ours, loss_ours),
                                         ("pytorch", ms_theirs, cpu_theirs, loss_theirs)):
            print(f"bench workload={name} system={system} ms_per_step={ms:.6f} final_loss={loss:.7g} "
                  f"gflops={flops / ms * 1e-6:.3f} cpu_ms_per_step={cpu_ms:.6f}")
        print(f"bench workload={name} speedup={ms_theirs / ms_ours:.2f} cpu_speedup={cpu_theirs / cpu_ours:.2f} "
              f"losses_agree={int(agree)}")

    print(f"\nsgemm roofline (the faster of OpenBLAS and ctnn's gemm, 1 thread, 512^3, best of 20): {peak:.1f} "
          f"GFLOP/s; FMA peak (1 core, "
          f"widest ISA, no BLAS): {fma:.1f} GFLOP/s; load average now {os.getloadavg()[0]:.2f}")
    print("medians of wall-clock ms per step; GFLOP/s = 6 * parameters * batch / time; "
          "cpu x = the speed-up in CPU time")
    print(f"{'workload':<9}{'ctnn ms':>10}{'torch ms':>10}{'speed-up':>10}{'cpu x':>8}{'ctnn GF/s':>11}"
          f"{'torch GF/s':>12}{'ctnn %roof':>11}{'ctnn %fma':>10}{'ctnn loss':>12}{'torch loss':>12}")
    for name, w, flops, ms_ours, ms_theirs, cpu_ours, cpu_theirs, loss_ours, loss_theirs, agree in rows:
        gf_ours, gf_theirs = flops / ms_ours * 1e-6, flops / ms_theirs * 1e-6
        print(f"{name:<9}{ms_ours:>10.4g}{ms_theirs:>10.4g}{ms_theirs / ms_ours:>9.2f}x{cpu_theirs / cpu_ours:>7.2f}x"
              f"{gf_ours:>11.2f}{gf_theirs:>12.2f}{100 * gf_ours / peak:>10.1f}%{100 * gf_ours / fma:>9.1f}%"
              f"{loss_ours:>12.6g}{loss_theirs:>12.6g}"
              f"{'' if agree else '  LOSSES DIFFER'}")
    print("floors (issues 6, 15 and 16), on wall-clock medians:")
    for name, w, flops, ms_ours, ms_theirs, *_ in rows:
        floors_ok &= floor_line(f"{name}.speedup", ms_theirs / ms_ours, w["floor"], at_most=False)
        if "roofline_floor" in w:
            floors_ok &= floor_line(f"{name}.roofline_fraction", flops / ms_ours * 1e-6 / peak,
                                    w["roofline_floor"], at_most=False)
        if "fma_floor" in w:
            floors_ok &= floor_line(f"{name}.fma_peak_fraction", flops / ms_ours * 1e-6 / fma,
                                    w["fma_floor"], at_most=False)

    # Optional parallelism: ctnn alone, one thread against every core, interleaved.
    cores = os.cpu_count() or 1
    parallel = [n for n in args.parallel.split(",") if n and n in args.workloads.split(",")]
    if parallel and cores > 1:
        print(f"\nctnn on {cores} cores (set_blas_threads({cores})) against 1 thread, medians of ms per step")
        print(f"{'workload':<9}{'1 thread':>10}{f'{cores} threads':>11}{'speed-up':>10}{'final losses':>26}")
        for name in parallel:
            binary = os.path.join(args.build, "benchmarks", WORKLOADS[name]["binary"])
            one, many = [], []
            for _ in range(args.rounds):
                one += run_ctnn(binary, args.repeats)[0]
                many += run_ctnn(binary, args.repeats, threads=cores)[0]
            ms_one, ms_many = (statistics.median(r[0] for r in runs) for runs in (one, many))
            print(f"{name:<9}{ms_one:>10.4g}{ms_many:>11.4g}{ms_one / ms_many:>9.2f}x"
                  f"{one[-1][1]:>13.7g}{many[-1][1]:>13.7g}")
            print(f"bench workload={name} system=ctnn threads={cores} ms_per_step={ms_many:.6f} "
                  f"parallel_speedup={ms_one / ms_many:.2f}")

    if args.mpi_ranks > 1:
        floors_ok &= run_w8(args.build, args.rounds, args.repeats, args.mpi_ranks)

    if not args.no_compile:
        units = compile_commands(args.build)
        measured = {label: [] for label in units}
        for _ in range(args.compile_rounds):  # interleaved, so a busy moment hits every unit alike
            for label, (directory, cmd) in units.items():
                measured[label].append(time_compile(directory, cmd))
        print(f"\nW5 compile time, -O2, median of {args.compile_rounds} (CPU s = user + sys of the compiler)")
        print(f"{'unit':<15}{'CPU s':>8}{'wall s':>8}{'peak MB':>9}{'vs xtensor':>12}")
        med = {label: tuple(statistics.median(m[i] for m in runs) for i in range(3))
               for label, runs in measured.items()}
        base = med["xtensor only"][0]
        for label, (cpu_s, wall_s, mb) in med.items():
            print(f"{label:<15}{cpu_s:>8.2f}{wall_s:>8.2f}{mb:>9.0f}{cpu_s / base:>11.2f}x")
            print(f"bench workload=w5 unit={label.replace(' ', '_')} cpu_seconds={cpu_s:.3f} "
                  f"wall_seconds={wall_s:.3f} peak_mb={mb:.0f}")
        print("floors (issue 6):")
        floors_ok &= floor_line("w5.seed_over_xtensor_only", med["seed example"][0] / base, 1.5, at_most=True)
        floors_ok &= floor_line("w5.depth32_over_depth2", med["depth 32"][0] / med["depth 2"][0], 3.0, at_most=True)
        print("floors (issue 13, layers as expressions):")
        floors_ok &= floor_line("w5.seed_over_xtensor_only.issue13", med["seed example"][0] / base, 1.3, at_most=True)
        floors_ok &= floor_line("w5.seed_adam_over_xtensor_only", med["seed adam"][0] / base, 1.6, at_most=True)
        floors_ok &= floor_line("w5.lstm2_over_xtensor_only", med["lstm 2 layers"][0] / base, 1.6, at_most=True)

    if not ok:
        print("bench.py: final losses differ: the comparison is void", file=sys.stderr)
        return 1
    return 1 if (args.strict and not floors_ok) else 0


if __name__ == "__main__":
    sys.exit(main())
