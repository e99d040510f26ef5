"""NumPy reads what ctnn's save_npz and save_npy write.

Usage: check_npz.py CTNN_TESTS DIR. Runs the ctnn_tests "[npz]" cases with CTNN_NPZ_EXPORT_DIR=DIR,
which leave model.npz, cube.npy and expected.txt (name, descr, shape, values) there, then loads
the files with numpy.load and compares every key, dtype, shape and value exactly.
"""
import os
import subprocess
import sys

import numpy as np


def main():
    binary, directory = sys.argv[1], sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    env = dict(os.environ, CTNN_NPZ_EXPORT_DIR=directory)
    subprocess.run([binary, "[npz]"], env=env, check=True)

    expected = {}
    with open(os.path.join(directory, "expected.txt")) as f:
        for line in f:
            name, descr, shape, *values = line.split(" ")
            shape = tuple(int(d) for d in shape.strip("()").split(",") if d)
            expected[name] = (np.dtype(descr), shape, [float(v) for v in values])

    failures = []
    arrays = dict(np.load(os.path.join(directory, "model.npz")))
    arrays["cube"] = np.load(os.path.join(directory, "cube.npy"))
    if set(arrays) != set(expected):
        failures.append(f"keys {sorted(arrays)} != expected {sorted(expected)}")
    for name, (dtype, shape, values) in expected.items():
        a = arrays.get(name)
        if a is None:
            continue
        if a.dtype != dtype or a.shape != shape:
            failures.append(f"{name}: {a.dtype} {a.shape}, expected {dtype} {shape}")
        elif not np.array_equal(a.ravel(), np.array(values, dtype=np.float64).astype(dtype)):
            failures.append(f"{name}: values differ: {a.ravel()} vs {values}")
    for f in failures:
        print("FAIL", f)
    print(f"checked {len(expected)} arrays with numpy {np.__version__}: "
          + ("ok" if not failures else f"{len(failures)} failures"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
