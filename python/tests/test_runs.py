"""The GIL during training, Ctrl-C, joint learning and experiments."""

import _thread
import threading
import time

import pytest

import treerec
from conftest import SMALL


@pytest.fixture(scope="module")
def ds(log):
    return treerec.Dataset.from_frame(log, user="user", item="item", category="genre", time="ts")


def test_training_releases_the_gil(ds):
    count = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    start = time.perf_counter()
    treerec.train(ds, None, "jtm-h", progress=False, valid_users=30, **dict(SMALL, epochs=3))
    seconds = time.perf_counter() - start
    stop.set()
    t.join()
    # With the GIL held through training the thread would count almost nothing (it could run only
    # while the module checks for Ctrl-C, every 0.2 s); free, it counts millions per second.
    assert seconds > 0.2 and count[0] > 10_000


def test_ctrl_c_stops_at_a_checkpoint_and_resume_finishes_the_same_model(ds, tmp_path):
    params = dict(SMALL, epochs=3, checkpoint_every=1000)
    whole = treerec.train(ds, None, "tdm", progress=False, valid_users=30, **params)
    out = tmp_path / "m.trm"
    seen = []

    def interrupt_after_10_batches(e):
        seen.append(e)
        if len(seen) == 10:
            _thread.interrupt_main()  # what Ctrl-C does: KeyboardInterrupt in the main thread

    import treerec._api as api

    with pytest.raises(KeyboardInterrupt):
        # every batch reaches the callback: no rate limit in this test's train call
        api._treerec.train(ds._core, treerec.Tree.from_categories(ds)._core, "tdm", params, str(out), False, 30,
                           None, interrupt_after_10_batches)
    assert (tmp_path / "m.trm.ckpt").exists() and not out.exists()
    with pytest.raises(treerec.Error, match="resume=True"):
        treerec.train(ds, None, "tdm", out=out, progress=False, valid_users=30, **params)
    resumed = treerec.train(ds, None, "tdm", out=out, resume=True, progress=False, valid_users=30, **params)
    assert resumed.parameters_fingerprint == whole.parameters_fingerprint


def test_jtm_rounds_and_best_round(ds, tmp_path):
    run = treerec.jtm(ds, out=tmp_path / "jtm", rounds=2, progress=False, log=lambda line: None, valid_users=30,
                      **SMALL)
    assert [r["round"] for r in run.rounds] == [1, 2] and run.best_round in (1, 2)
    assert run.rounds[0]["objective_new"] >= run.rounds[0]["objective_old"]
    items, _ = run.model.retrieve(ds.history(ds.users("test")[0]), k=10)
    assert len(items) == 10 and run.model.tree is run.tree
    assert (tmp_path / "jtm" / "best.model").exists()


def test_ctrl_c_in_jtm_saves_the_round_checkpoint_and_resume_finishes_the_same(ds, tmp_path):
    params = dict(SMALL, rounds=2, valid_users=30, checkpoint_every=1000)
    whole = treerec.jtm(ds, out=tmp_path / "whole", progress=False, log=lambda line: None, **params)
    events = []

    def interrupt_at_the_first_batch(e):
        events.append(e)
        if len(events) == 1:
            _thread.interrupt_main()

    folder = tmp_path / "stopped"
    with pytest.raises(KeyboardInterrupt):
        treerec.jtm(ds, out=folder, progress=interrupt_at_the_first_batch, log=lambda line: None, **params)
    # the library stopped at its next batch and wrote the checkpoint (before session 21 the run was
    # unwound without one)
    assert (folder / "round-1" / "model.ckpt").exists() and not (folder / "round-1" / "model").exists()
    resumed = treerec.jtm(ds, out=folder, resume=True, progress=False, log=lambda line: None, **params)
    assert resumed.best_round == whole.best_round
    assert resumed.model.parameters_fingerprint == whole.model.parameters_fingerprint


def test_experiment_from_a_dict(tmp_path):
    config = {
        "name": "tiny",
        "run": ["popular", "tdm"],
        "seeds": [1],
        "top": 50,
        "reference": "tdm",
        "pairs": [],
        "dataset": {"source": "generated", "valid_users": 20, "test_users": 20},
        "generate": {"items": 300, "users": 150, "records": 6000, "seed": 3},
        "methods": {"tdm": {"epochs": 1, "batch_size": 64, "embedding_dim": 8}},
    }
    lines = []
    results = treerec.experiment(config, tmp_path / "exp", log=lines.append)
    names = [m["name"] for m in results["methods"]]
    assert names == ["popular", "tdm"] and lines
    assert (tmp_path / "exp" / "summary.md").exists()
    with pytest.raises(treerec.Error, match="unknown method 'nosuch'"):
        treerec.experiment(dict(config, run=["nosuch"]), tmp_path / "exp2")


def test_tqdm_bars_when_tqdm_is_installed(ds, capsys):
    pytest.importorskip("tqdm")
    treerec.train(ds, None, "tdm", valid_users=30, **SMALL)  # progress=None: tqdm
    err = capsys.readouterr().err
    assert "tdm epoch 1/2: loss" in err
