"""The module and the CLI give the same dataset, model and lists for the same seed, bit for bit."""

import json
import os
import subprocess

import numpy as np
import pytest

import treerec
from conftest import SMALL


def run(cli, *args):
    r = subprocess.run([cli, *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_same_model_metrics_and_lists_as_the_cli(log, cli, tmp_path):
    csv = tmp_path / "log.csv"
    log.to_csv(csv, index=False)
    d, t, m = tmp_path / "d.trec", tmp_path / "t.tree", tmp_path / "m.trm"
    run(cli, "prepare", "--input", csv, "--out", d, "--format", "csv", "--user-col", "user", "--item-col", "item",
        "--category-col", "genre", "--time-col", "ts")
    run(cli, "tree", "init", d, "--out", t)
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in SMALL.items()]
    run(cli, "train", d, "--tree", t, "--method", "jtm-h", "--out", m, "--valid-users", 30, *flags)

    ds = treerec.Dataset.from_frame(log, user="user", item="item", category="genre", time="ts")
    cli_ds = treerec.Dataset.load(d)
    assert ds.item_ids.tolist() == cli_ds.item_ids.tolist() and ds.user_ids.tolist() == cli_ds.user_ids.tolist()
    for split in ("train", "valid", "test"):
        assert ds.users(split).tolist() == cli_ds.users(split).tolist()
    tree = treerec.Tree.from_categories(ds)
    assert tree.assignment_fingerprint == treerec.Tree.load(t).assignment_fingerprint
    model = treerec.train(ds, tree, "jtm-h", out=tmp_path / "py.trm", progress=False, valid_users=30, **SMALL)
    cli_model = treerec.Model.load(m, cli_ds, treerec.Tree.load(t))
    assert model.parameters_fingerprint == cli_model.parameters_fingerprint
    assert f"{model.parameters_fingerprint:016x}" in run(cli, "stats", m)  # the CLI's own view of its model

    got = treerec.evaluate(model, "test", k=200)
    want = json.loads(run(cli, "evaluate", d, "--model", m, "--tree", t, "--split", "test", "--json"))
    want = want.get("metrics", want)
    for key in ("users", "recall@200", "precision@50", "f1@10", "popular_overlap", "coverage"):
        assert got[key] == want[key], key
    got = treerec.evaluate(model, "test", k=200, exclude_seen=True)
    want = json.loads(run(cli, "evaluate", d, "--model", m, "--tree", t, "--split", "test", "--exclude-seen", "--json"))
    assert want["exclude_seen"] and got["recall@200"] == want["recall@200"]

    out = tmp_path / "lists.jsonl"
    run(cli, "retrieve", d, "--model", m, "--tree", t, "--split", "test", "--out", out, "--top", 50)
    lines = [json.loads(x) for x in open(out)]
    users = ds.users("test")
    batch = model.retrieve([ds.history(u) for u in users], k=50)
    assert [str(u) for u in users] == [x["user"] for x in lines]
    for q, line in enumerate(lines):
        assert [str(i) for i in batch[q][0]] == line["items"]
        assert batch[q][1].tolist() == np.array(line["scores"], dtype=np.float32).tolist()

    # A business rule inside the search, from Python and from the CLI.
    genre = dict(zip(log["item"], log["genre"]))
    run(cli, "retrieve", d, "--model", m, "--tree", t, "--split", "test", "--out", out, "--top", 50, "--beam", 20,
        "--categories", "g1,g3", "--exclude-items", 5001)
    lines = [json.loads(x) for x in open(out)]
    batch = model.retrieve([ds.history(u) for u in users], k=50, beam=20, categories=["g1", "g3"], filter_items=[5001])
    for q, line in enumerate(lines):
        assert [str(i) for i in batch[q][0]] == line["items"]
        assert len(line["items"]) == 50
        assert all(genre[int(i)] in ("g1", "g3") and int(i) != 5001 for i in line["items"])
    with pytest.raises(treerec.Error, match="categories: the dataset has no category 'g9'"):
        model.retrieve(ds.history(users[0]), k=10, categories=["g9"])


def test_baselines_match_the_cli(log, cli, tmp_path):
    csv = tmp_path / "log.csv"
    log.to_csv(csv, index=False)
    d = tmp_path / "d.trec"
    run(cli, "prepare", "--input", csv, "--out", d, "--format", "csv", "--user-col", "user", "--item-col", "item",
        "--category-col", "genre", "--time-col", "ts")
    ds = treerec.Dataset.from_frame(log, user="user", item="item", category="genre", time="ts")
    for method, params in (("itemcf", dict(neighbours=20)),
                           ("youtube", dict(epochs=2, batch_size=64, embedding_dim=8, seed=3))):
        m = tmp_path / f"{method}.trm"
        flags = [f"--{k.replace('_', '-')}={v}" for k, v in params.items()]
        validate = {"valid_users": 30} if method == "youtube" else {}  # both refuse it for itemcf: no epochs
        if validate:
            flags += ["--valid-users", 30]
        run(cli, "train", d, "--method", method, "--out", m, *flags)
        model = treerec.train(ds, None, method, progress=False, **validate, **params)
        assert model.tree is None and model.method == method
        got = treerec.evaluate(model, "test", k=50)
        want = json.loads(run(cli, "evaluate", d, "--model", m, "--split", "test", "--top", 50, "--json"))
        want = want.get("metrics", want)
        for key in ("users", "recall@50", "precision@10", "coverage"):
            assert got[key] == want[key], (method, key)
        got = treerec.evaluate(model, "test", k=50, exclude_seen=True)
        want = json.loads(run(cli, "evaluate", d, "--model", m, "--split", "test", "--top", 50, "--exclude-seen",
                              "--json"))
        assert got["recall@50"] == want["recall@50"], method
        # the CLI's file loads in Python and ranks the same; save/load keeps it
        cli_model = treerec.Model.load(m, ds)
        user = ds.users("test")[0]
        a = model.retrieve(ds.history(user), k=20, exclude=[ds.history(user)[-1]])
        b = cli_model.retrieve(ds.history(user), k=20, exclude=[ds.history(user)[-1]])
        assert a[0].tolist() == b[0].tolist() and len(a[0]) == 20 and ds.history(user)[-1] not in a[0]
        model.save(tmp_path / f"{method}-py.trm")
        again = treerec.Model.load(tmp_path / f"{method}-py.trm", ds)
        assert again.retrieve(ds.history(user), k=20)[0].tolist() == model.retrieve(ds.history(user), k=20)[0].tolist()
