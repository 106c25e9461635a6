#!/usr/bin/env python3
"""New items without a rebuild, measured (docs/RESULTS.md, "New items without a rebuild").

A log is split by time: the records before the time that leaves the last `--new-share` of the
records after it are the old log; the whole log is the new one. Items first seen after that
time are new. Three ways to a model of the new log, each trained to convergence (early stopping
on the new dataset's validation users):

  full retrain   tree init on the new dataset, train JTM-H from scratch;
  add-items      the old dataset's tree and converged JTM-H model, `treerec tree add-items` on the
                 new dataset (prepared with --extend), then `train --init-model` (fine-tune);
  add-items, no fine-tune   the extended model as add-items writes it (what serve could load at once).

All are measured on the same test users of the new dataset (first half of the sequence as
features, the distinct items of the second half as truth, ALGORITHMS §2.6), with recall@200 over
all of them and over "the new items' users" (those whose truth holds a new item), and the
most-popular floor. The test users never train a model: the old log leaves them out. Paired
differences against the full retrain: mean over seeds, and a bootstrap over users (10,000
resamples) of the seed-averaged per-user recall.

  PYTHONPATH=build/python /usr/bin/python3 scripts/add_items_eval.py --dataset movielens --out /tmp/add-items-ml
  PYTHONPATH=build/python /usr/bin/python3 scripts/add_items_eval.py --dataset ciao --out /tmp/add-items-ciao
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

import numpy as np

import treerec

HERE = os.path.dirname(os.path.abspath(__file__))
CLI = os.environ.get("TREEREC_CLI", os.path.join(HERE, "..", "build", "treerec"))
DATA = os.path.join(HERE, "..", "..", "shared", "data")


def records(name):
    """(user, item, category, time) of a real log under ../shared/data."""
    if name == "movielens":
        root = os.path.join(DATA, "movielens-latest-small")
        genre = {}
        with open(os.path.join(root, "movies.csv"), newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                genre[r["movieId"]] = r["genres"].split("|")[0]
        with open(os.path.join(root, "ratings.csv"), newline="") as f:
            return [(r["userId"], r["movieId"], genre[r["movieId"]], int(r["timestamp"])) for r in csv.DictReader(f)]
    if name == "ciao":
        with open(os.path.join(DATA, "ciao", "ciao_ratings.csv"), newline="") as f:
            return [(r["user_id"], r["item_id"], r["category_id"], int(r["timestamp"])) for r in csv.DictReader(f)]
    sys.exit(f"unknown dataset {name}")


def write_log(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["user", "item", "category", "time"])
        w.writerows(rows)


def run(args, log, output=None):
    """Runs the CLI; with `output`, only when that file is missing (a rerun resumes), and the
    seconds the first run took (recorded beside it)."""
    if output and os.path.exists(output) and os.path.exists(output + ".seconds"):
        with open(output + ".seconds") as f:
            return float(f.read()), None
    t0 = time.time()
    r = subprocess.run([CLI] + args, capture_output=True, text=True)
    with open(log, "a") as f:
        f.write("$ treerec " + " ".join(args) + "\n" + r.stderr + "\n")
    if r.returncode != 0:
        sys.exit(f"treerec {' '.join(args)} failed:\n{r.stderr}")
    seconds = time.time() - t0
    if output:
        with open(output + ".seconds", "w") as f:
            f.write(str(seconds))
    return seconds, r


def epochs_of(model):
    _, r = run(["stats", model, "--json"], os.devnull)
    return json.loads(r.stdout)["epochs"]


def recall_per_user(lists_path, truth):
    out = {}
    with open(lists_path) as f:
        for line in f:
            j = json.loads(line)
            t = truth[j["user"]]
            out[j["user"]] = len(t & set(j["items"][:200])) / len(t)
    return out


def bootstrap(diff, rng, n=10000):
    idx = rng.integers(0, len(diff), size=(n, len(diff)))
    means = diff[idx].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", required=True, choices=["movielens", "ciao"])
    p.add_argument("--out", required=True)
    p.add_argument("--new-share", type=float, default=0.1, help="share of the records after the split time")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--test-users", default="0.3")
    p.add_argument("--train", default="--method jtm-h --epochs 30 --patience 3",
                   help="training flags shared by every arm")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    log = os.path.join(a.out, "commands.log")
    rows = records(a.dataset)
    rows.sort(key=lambda r: r[3])
    cut = rows[int(len(rows) * (1 - a.new_share))][3]
    new_log = os.path.join(a.out, "new.csv")
    write_log(new_log, rows)
    csv_flags = ["--format", "csv", "--user-col", "user", "--item-col", "item", "--category-col", "category",
                 "--time-col", "time"]
    split = ["--valid-users", "0.1", "--test-users", a.test_users, "--split-seed", "1"]

    # The new dataset's test users, so that the old log can leave them out.
    probe = os.path.join(a.out, "probe.trd")
    run(["prepare", "--input", new_log, "--out", probe] + csv_flags + split, log)
    # Raw ids as text everywhere (the module gives numeric ids as numbers).
    test_users = {str(u) for u in treerec.Dataset.load(probe).users("test")}
    old_rows = [r for r in rows if r[3] < cut and r[0] not in test_users]
    old_log = os.path.join(a.out, "old.csv")
    write_log(old_log, old_rows)
    old_data, new_data = os.path.join(a.out, "old.trd"), os.path.join(a.out, "new.trd")
    run(["prepare", "--input", old_log, "--out", old_data] + csv_flags + ["--valid-users", "0.1", "--test-users", "0"],
        log)
    run(["prepare", "--input", new_log, "--out", new_data, "--extend", old_data] + csv_flags + split, log)
    old_d, new_d = treerec.Dataset.load(old_data), treerec.Dataset.load(new_data)
    if {str(u) for u in new_d.users("test")} != test_users:
        sys.exit("the extended dataset split its users otherwise than the probe")
    new_items = {str(i) for i in new_d.item_ids[old_d.num_items:]}

    # Truth of every test user; the new items' users; the most-popular floor.
    truth = {}
    for u in new_d.users("test"):
        seq = [str(i) for i in new_d.history(u, split_half=False)]
        truth[str(u)] = set(seq[len(seq) // 2:])
    counts = {}
    for u in new_d.users("train"):
        for i in new_d.history(u, split_half=False):
            counts[str(i)] = counts.get(str(i), 0) + 1
    popular = set(sorted(counts, key=lambda i: (-counts[i], i))[:200])
    users = sorted(truth)
    new_users = [u for u in users if truth[u] & new_items]

    old_tree, cat_tree = os.path.join(a.out, "old.tree"), os.path.join(a.out, "new-category.tree")
    run(["tree", "init", old_data, "--out", old_tree], log)
    run(["tree", "init", new_data, "--out", cat_tree], log)
    train = a.train.split()
    per_arm = {"full retrain": [], "add-items + fine-tune": [], "add-items, no fine-tune": []}
    facts = {"full retrain": [], "add-items + fine-tune": [], "add-items, no fine-tune": []}
    for seed in a.seeds:
        s = ["--seed", str(seed)]
        d = os.path.join(a.out, f"seed{seed}")
        os.makedirs(d, exist_ok=True)
        f = lambda name: os.path.join(d, name)
        t_old, _ = run(["train", old_data, "--tree", old_tree, "--out", f("old.trm")] + train + s, log, f("old.trm"))
        t_add, _ = run(["tree", "add-items", old_tree, "--dataset", new_data, "--model", f("old.trm"), "--out",
                        f("added.tree"), "--model-out", f("added.trm")] + s, log, f("added.trm"))
        t_tune, _ = run(["train", new_data, "--tree", f("added.tree"), "--out", f("tuned.trm"), "--init-model",
                         f("added.trm")] + train + s, log, f("tuned.trm"))
        t_full, _ = run(["train", new_data, "--tree", cat_tree, "--out", f("full.trm")] + train + s, log, f("full.trm"))
        arms = {"full retrain": (f("full.trm"), cat_tree, t_full, epochs_of(f("full.trm"))),
                "add-items + fine-tune": (f("tuned.trm"), f("added.tree"), t_add + t_tune, epochs_of(f("tuned.trm"))),
                "add-items, no fine-tune": (f("added.trm"), f("added.tree"), t_add, 0)}
        for arm, (model, tree, seconds, epochs) in arms.items():
            lists = f(arm.replace(" ", "_").replace(",", "").replace("+", "and") + ".jsonl")
            run(["retrieve", new_data, "--model", model, "--tree", tree, "--split", "test", "--out", lists], log)
            per_arm[arm].append(recall_per_user(lists, truth))
            facts[arm].append({"seconds": seconds, "epochs": epochs})
        facts.setdefault("old model", []).append({"seconds": t_old, "epochs": epochs_of(f("old.trm"))})

    rng = np.random.default_rng(7)
    pop = {u: len(truth[u] & popular) / len(truth[u]) for u in users}
    result = {"dataset": a.dataset, "records": len(rows), "old_records": len(old_rows), "cut_time": cut,
              "items": new_d.num_items, "new_items": len(new_items), "test_users": len(users),
              "new_items_users": len(new_users), "seeds": a.seeds, "arms": {}}
    ref = "full retrain"
    for arm in per_arm:
        entry = {"facts": facts[arm]}
        for label, group in (("all", users), ("new_items_users", new_users)):
            by_seed = [float(np.mean([r[u] for u in group])) for r in per_arm[arm]]
            mean_user = np.array([np.mean([r[u] for r in per_arm[arm]]) for u in group])
            ref_user = np.array([np.mean([r[u] for r in per_arm[ref]]) for u in group])
            entry[label] = {"recall@200": float(np.mean(by_seed)), "by_seed": by_seed,
                            "minus_full_retrain": float(np.mean(mean_user - ref_user)),
                            "interval": bootstrap(mean_user - ref_user, rng) if arm != ref else [0.0, 0.0]}
        per_arm_summary = entry
        result["arms"][arm] = per_arm_summary
    result["popular"] = {label: float(np.mean([pop[u] for u in group]))
                         for label, group in (("all", users), ("new_items_users", new_users))}
    result["old_model"] = facts["old model"]
    with open(os.path.join(a.out, "result.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
