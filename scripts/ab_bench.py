#!/usr/bin/python3
"""A/B of ctnn against an older commit: each benchmark program is built twice, from BASE's tree
and from the working tree (each its own benchmarks/<name>.cpp and include/, the same compiler
flags), and the two are run in alternation, one thread each. Prints, per workload, the median
ms per step of each side, the median of the per-round ratios (new / base) and whether the final
losses agree. Timings are never asserted: this is how a change's speed claim is measured.

usage: scripts/ab_bench.py BASE [--rounds N] [--programs seed_mlp,mlp,rnn,deep,gated]
                                 [--coretype NAME]   (OPENBLAS_CORETYPE for both sides)
                                 [--repeats N]       (timed runs per program per round, their median
                                                      taken: a W1 training is a millisecond)
A program missing at BASE is built from the working tree's source against BASE's headers.
"""
import argparse
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
FLAGS = ["-DXTENSOR_USE_XSIMD", "-O3", "-DNDEBUG", "-mavx2", "-mfma", "-std=gnu++20"]
LINE = re.compile(r"bench workload=(\S+) system=ctnn ms_per_step=(\S+) final_loss=(\S+)")


def build(tree, program, out):
    source = tree / "benchmarks" / f"{program}.cpp"
    if not source.exists():
        source = ROOT / "benchmarks" / f"{program}.cpp"
    command = ["g++", *FLAGS, f"-I{tree / 'include'}", f"-I{source.parent}", str(source), "-o", str(out), "-lopenblas", "-lz"]
    subprocess.run(command, check=True)


def run(binary, env, repeats):
    text = subprocess.run([str(binary), "--repeats", str(repeats)], check=True, capture_output=True, text=True,
                          env=env).stdout
    runs = {}
    for m in LINE.finditer(text):
        runs.setdefault(m.group(1), []).append((float(m.group(2)), m.group(3)))
    return {workload: (statistics.median(ms for ms, _ in r), r[-1][1]) for workload, r in runs.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--programs", default="seed_mlp,mlp,rnn,deep,gated")
    parser.add_argument("--coretype")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    if args.coretype:
        env["OPENBLAS_CORETYPE"] = args.coretype
    programs = args.programs.split(",")
    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        base_tree = scratch / "base"
        base_tree.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.base, "include", "benchmarks"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base_tree)], input=archive, check=True)
        binaries = {}
        for program in programs:
            for side, tree in (("base", base_tree), ("new", ROOT)):
                binaries[side, program] = scratch / f"{side}_{program}"
                build(tree, program, binaries[side, program])
                print(f"built {side} {program}", file=sys.stderr)
        times = {}
        losses = {}
        for r in range(args.rounds):
            for program in programs:
                order = ("base", "new") if r % 2 == 0 else ("new", "base")
                for side in order:
                    for workload, (ms, loss) in run(binaries[side, program], env, args.repeats).items():
                        times.setdefault((workload, side), []).append(ms)
                        losses.setdefault((workload, side), set()).add(loss)
    print(f"A/B against {args.base}, {args.rounds} rounds of {args.repeats} run(s), OPENBLAS_CORETYPE={args.coretype or '(default)'}")
    print("workload     base ms/step   new ms/step   new/base (median of rounds)   final losses")
    for workload in dict.fromkeys(w for w, _ in times):
        if (workload, "base") not in times or (workload, "new") not in times:
            print(f"{workload:<12} printed by one side only (a workload added or renamed): not compared")
            continue
        base, new = times[workload, "base"], times[workload, "new"]
        ratio = statistics.median(n / b for n, b in zip(new, base))
        same = "equal" if losses[workload, "base"] == losses[workload, "new"] else \
            f"{sorted(losses[workload, 'base'])} vs {sorted(losses[workload, 'new'])}"
        print(f"{workload:<12} {statistics.median(base):>12.4f} {statistics.median(new):>13.4f} {ratio:>12.3f}"
              f"{'':>19}{same}")


if __name__ == "__main__":
    main()
