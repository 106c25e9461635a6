#!/usr/bin/env python3
"""JTM on MovieLens from a pandas DataFrame, against the most-popular floor and JTM-H.

    python3 examples/movielens.py [--data DIR] [--quick]

DIR holds MovieLens' ratings.csv and movies.csv (default: ../shared/data/movielens-latest-small
beside the repository). Each rating is a behaviour; a movie's category is its first genre, as
`treerec prepare --format movielens` reads it. Every model trains to convergence on 61
validation users (docs/TRAINING.md), so a full run takes a few minutes on two cores; --quick
trains 1 epoch per round and 2 rounds (a smoke test: its numbers mean little).
"""

import argparse
import os
import sys
import time

import pandas as pd

import treerec

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "movielens-latest-small"))
    ap.add_argument("--quick", action="store_true", help="1 epoch per round, 2 rounds")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    ratings = pd.read_csv(os.path.join(args.data, "ratings.csv"))
    movies = pd.read_csv(os.path.join(args.data, "movies.csv"))
    movies["genre"] = movies["genres"].str.split("|").str[0]
    log = ratings.merge(movies[["movieId", "genre"]], on="movieId", how="left")
    log["genre"] = log["genre"].fillna("(none)")

    ds = treerec.Dataset.from_frame(log, user="userId", item="movieId", category="genre", time="timestamp",
                                    valid_users=0.1, test_users=0.1, split_seed=1)
    print(ds)
    tree = treerec.Tree.from_categories(ds)
    budget = dict(epochs=1) if args.quick else {}
    quiet = dict(progress=False) if args.quick else {}

    t0 = time.time()
    jtm_h = treerec.train(ds, tree, "jtm-h", seed=args.seed, **budget, **quiet)
    print(f"JTM-H on the category tree: {len(jtm_h.history)} epochs, {time.time() - t0:.0f} s")
    t0 = time.time()
    run = treerec.jtm(ds, tree, rounds=2 if args.quick else 3, seed=args.seed, **budget, **quiet)
    for r in run.rounds:
        learned = (f", then tree learning: objective {r['objective_old']:.4g} -> {r['objective_new']:.4g}, "
                   f"{r['items_moved']} items moved" if r["objective_old"] else "")
        print(f"JTM round {r['round']}: {r['epochs']} epochs, validation recall@200 "
              f"{100 * r['recall@200']:.2f} %{learned}")
    print(f"JTM: best round {run.best_round}, {time.time() - t0:.0f} s")

    rows = {
        "Most popular (floor)": treerec.evaluate_popular(ds, "test", k=200),
        "JTM-H (category tree)": treerec.evaluate(jtm_h, "test", k=200),
        f"JTM (round {run.best_round})": treerec.evaluate(run.model, "test", k=200),
    }
    print(f"\nTest users: {rows['JTM-H (category tree)']['users']}; one seed, so differences of a point or "
          "two are within noise (docs/RESULTS.md has three seeds with intervals).")
    print(f"{'method':26} {'recall@200':>10} {'precision@200':>14}")
    for name, m in rows.items():
        print(f"{name:26} {100 * m['recall@200']:9.2f}% {100 * m['precision@200']:13.2f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
