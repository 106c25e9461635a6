#!/usr/bin/env python3
"""Retrieval from Python against the C++ call it wraps (docs/BENCHMARKS.md, "Python").

    PYTHONPATH=build/python /usr/bin/python3 bench/python_bench.py [--users 1000] [--reps 7]

Trains a small JTM-H model on generated data (or loads --dataset/--tree/--model), then times
one batch of --users users' histories, alternating:
  python: model.retrieve(list of raw-id lists, k) -- the whole Python API: raw ids to dense
          ids, the C++ retrieval, dense ids back to raw ids;
  c++:    the C++ retrieval alone, on the same queries already as dense-id arrays (the core
          call model.retrieve makes, without its Python work).
and, apart, the Python layer's own work (raw ids to a dense CSR and the lists back to raw ids).
Prints the medians, the median of the paired ratios python / c++ (the overhead), and the Python
work's median as a share of the C++ call's.
"""

import argparse
import statistics
import time

import numpy as np

import treerec


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--k", type=int, default=200)
    ap.add_argument("--items", type=int, default=20000)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--string-ids", action="store_true", help="items with string ids (\"i123\") instead of integers")
    args = ap.parse_args()

    rng = np.random.default_rng(1)
    n_users, per_user = 3000, 60
    user = np.repeat(np.arange(n_users), per_user)
    group = rng.integers(0, 50, n_users)
    item = np.where(rng.random(user.size) < 0.7, group[user] * (args.items // 50) + rng.integers(0, args.items // 50, user.size),
                    rng.integers(0, args.items, user.size))
    raw = np.char.add("i", item.astype(str)) if args.string_ids else item + 10_000_000
    ds = treerec.Dataset.from_arrays(user, raw, category=item % 50,
                                     time=np.tile(np.arange(per_user), n_users))
    tree = treerec.Tree.from_categories(ds)
    model = treerec.train(ds, tree, "jtm-h", epochs=1, progress=False, valid_users=0)
    histories = [rng.choice(ds.item_ids, size=69, replace=False) for _ in range(args.users)]
    values, offsets = model._csr(histories, None, False, "behaviors", "error")  # dense CSR, built once

    def python_call():
        return model.retrieve(histories, k=args.k, threads=args.threads)

    def cpp_call():
        return model._core.retrieve_codes(values, offsets, args.k, max(args.k, 200), False, None, None, args.threads)

    items = cpp_call()[0]

    def python_work():
        model._csr(histories, None, False, "behaviors", "error")
        return ds.item_ids[items]

    py_times, cpp_times, work_times = [], [], []
    python_call(), cpp_call()  # warm up
    for _ in range(args.reps):
        for f, times in ((python_call, py_times), (cpp_call, cpp_times), (python_work, work_times)):
            t0 = time.perf_counter()
            f()
            times.append(time.perf_counter() - t0)
    py, cpp, work = statistics.median(py_times), statistics.median(cpp_times), statistics.median(work_times)
    ratio = statistics.median(p / c for p, c in zip(py_times, cpp_times))
    assert python_call().items.size == cpp_call()[0].size
    print(f"{ds.num_items} items ({'string' if args.string_ids else 'integer'} ids), {tree.levels} levels, {args.users} users x 69 behaviours, k = {args.k}, "
          f"{args.reps} alternating repetitions")
    print(f"python model.retrieve: median {1000 * py:.1f} ms")
    print(f"c++ retrieval:         median {1000 * cpp:.1f} ms")
    print(f"overhead: median paired ratio {100 * (ratio - 1):+.1f} %; the Python work alone "
          f"{1000 * work:.1f} ms = {100 * work / cpp:.1f} % of the C++ call")


if __name__ == "__main__":
    main()
