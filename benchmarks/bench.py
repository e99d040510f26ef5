#!/usr/bin/python3
"""ctnn against PyTorch, side by side, in one run.

Usage (from the repository root, after building): /usr/bin/python3 benchmarks/bench.py [--build build]
[--rounds 5] [--repeats 3]. `make bench` does the building and calls this.

For each workload the ctnn benchmark program writes its data and initial weights, PyTorch
(float32, one thread) trains the very same problem, and the two run interleaved: `rounds`
rounds, each with `repeats` timed trainings per system. Medians are reported; the final losses
of both must agree, else the comparison is void and the script fails.
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402

torch.set_num_threads(1)


def read_records(path):
    records = {}
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if l and not l.startswith("#")]
    for header, values in zip(lines[0::2], lines[1::2]):
        name, rank, *dims = header.split()
        data = [float(v) for v in values.split()]
        records[name] = torch.tensor(data, dtype=torch.float32).reshape([int(d) for d in dims])
    return records


def torch_seed(records, repeats):
    """W1: 10→5 ReLU→1, MSE, SGD lr 0.01, batch 100, 1000 epochs."""
    x, y = records["x"], records["y"]
    results = []
    for r in range(-1, repeats):  # one untimed warm-up run, as on the ctnn side
        model = torch.nn.Sequential(torch.nn.Linear(10, 5), torch.nn.ReLU(), torch.nn.Linear(5, 1))
        with torch.no_grad():
            model[0].weight.copy_(records["w0"]); model[0].bias.copy_(records["b0"])
            model[2].weight.copy_(records["w1"]); model[2].bias.copy_(records["b1"])
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        loss_fn = torch.nn.MSELoss()
        start = time.perf_counter()
        for _ in range(1000):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
        ms = (time.perf_counter() - start) * 1e3
        # The last epoch's loss as ctnn reports it: computed before that epoch's step.
        if r >= 0:
            results.append((ms, loss.item()))
    return results


WORKLOADS = {"seed": ("bench_seed_mlp", torch_seed)}


def run_ctnn(binary, repeats, dump=None):
    cmd = [binary, "--repeats", str(repeats)] + (["--dump", dump] if dump else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    results = []
    for line in out.splitlines():
        fields = dict(kv.split("=", 1) for kv in line.split()[1:])
        results.append((float(fields["ms"]), float(fields["final_loss"])))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    args = parser.parse_args()

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} cores; python {platform.python_version()}, "
          f"torch {torch.__version__}, 1 thread")
    print(f"{'workload':<10}{'ctnn ms':>12}{'torch ms':>12}{'speed-up':>10}{'ctnn loss':>12}{'torch loss':>12}")
    ok = True
    for name in args.workloads.split(","):
        binary_name, torch_fn = WORKLOADS[name]
        binary = os.path.join(args.build, "benchmarks", binary_name)
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data.txt")
            run_ctnn(binary, 1, dump=data)
            records = read_records(data)
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours += run_ctnn(binary, args.repeats)
            theirs += torch_fn(records, args.repeats)
        ms_ours = statistics.median(r[0] for r in ours)
        ms_theirs = statistics.median(r[0] for r in theirs)
        loss_ours, loss_theirs = ours[-1][1], theirs[-1][1]
        agree = abs(loss_ours - loss_theirs) <= 1e-4 * max(abs(loss_theirs), 1e-12)
        ok &= agree
        print(f"{name:<10}{ms_ours:>12.3f}{ms_theirs:>12.3f}{ms_theirs / ms_ours:>9.1f}x"
              f"{loss_ours:>12.6f}{loss_theirs:>12.6f}{'' if agree else '  LOSSES DIFFER'}")
        for system, ms, loss in (("ctnn", ms_ours, loss_ours), ("pytorch", ms_theirs, loss_theirs)):
            print(f"bench workload={name} system={system} ms_median={ms:.4f} final_loss={loss:.6f}")
        print(f"bench workload={name} speedup={ms_theirs / ms_ours:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
