"""DataFrame -> dataset -> tree -> training -> retrieval, with integer and string ids."""

import numpy as np
import pytest

import treerec
from conftest import SMALL, make_log


@pytest.fixture(scope="module")
def trained(log):
    ds = treerec.Dataset.from_frame(log, user="user", item="item", category="genre", time="ts")
    tree = treerec.Tree.from_categories(ds)
    return ds, tree, treerec.train(ds, tree, "jtm-h", progress=False, valid_users=30, **SMALL)


def test_version():
    assert treerec.__version__.count(".") == 2


def test_frame_to_retrieval_speaks_raw_ids(trained, log):
    ds, tree, model = trained
    assert (ds.num_users, ds.num_items, ds.num_categories) == (300, log["item"].nunique(), 8)
    assert ds.item_ids.dtype == np.int64 and set(ds.item_ids) == set(log["item"])
    assert tree.num_items == ds.num_items
    assert model.method == "jtm-h" and 1 <= len(model.history) <= 2
    user = ds.users("test")[0]
    history = ds.history(user)
    assert set(history) <= set(log.loc[log["user"] == user, "item"])
    items, scores = model.retrieve(history, k=50)
    assert items.dtype == np.int64 and len(items) == 50 and len(set(items)) == 50
    assert set(items) <= set(log["item"])
    assert scores.dtype == np.float32 and np.all(np.diff(scores) <= 0)
    # exclude never returns the excluded items; the rest keep their order
    top = items[:5].tolist()
    items2, _ = model.retrieve(history, k=45, exclude=top)
    assert not set(top) & set(items2)
    assert items2.tolist() == [i for i in items.tolist() if i not in top][:len(items2)]
    metrics = treerec.evaluate(model, "test", k=50)
    floor = treerec.evaluate_popular(ds, "test", k=50)
    assert metrics["users"] == floor["users"] == len(ds.users("test"))
    assert 0 <= metrics["recall@50"] <= 1
    frame = treerec.evaluate(model, "test", k=50, as_frame=True)
    assert list(frame.index) == [10, 50] and frame.loc[50, "recall"] == metrics["recall@50"]


def test_string_ids_round_trip(tmp_path):
    log = make_log(users=120, items=150, per_user=30, seed=2)
    log["user"] = "u-" + log["user"].astype(str)
    log["item"] = "item/" + log["item"].astype(str) + "é"
    ds = treerec.Dataset.from_frame(log, user="user", item="item", category="genre", time="ts")
    assert ds.item_ids.dtype == object and set(ds.item_ids) == set(log["item"])
    model = treerec.train(ds, None, "tdm", progress=False, valid_users=0, **SMALL)
    user = ds.users("test")[0]
    assert isinstance(user, str) and user.startswith("u-")
    items, _ = model.retrieve(ds.history(user), k=20)
    assert all(isinstance(i, str) and i.startswith("item/") for i in items)
    with pytest.raises(KeyError, match="nosuch"):
        model.retrieve(["nosuch"], k=5)
    a, _ = model.retrieve(list(ds.history(user)) + ["nosuch"], k=5, unknown="skip")
    b, _ = model.retrieve(ds.history(user), k=5)
    assert a.tolist() == b.tolist()
    # saved and loaded, the dataset, tree and model give the same lists
    ds.save(tmp_path / "d.trec")
    model.tree.save(tmp_path / "t.tree")
    model.save(tmp_path / "m.trm")
    ds2 = treerec.Dataset.load(tmp_path / "d.trec")
    m2 = treerec.Model.load(tmp_path / "m.trm", ds2, treerec.Tree.load(tmp_path / "t.tree"))
    assert m2.parameters_fingerprint == model.parameters_fingerprint
    assert m2.retrieve(ds2.history(user), k=20)[0].tolist() == items.tolist()


def test_batch_of_1000_users_equals_1000_single_calls(trained):
    ds, _, model = trained
    rng = np.random.default_rng(5)
    histories = [rng.choice(ds.item_ids, size=rng.integers(0, 70), replace=False) for _ in range(1000)]
    batch = model.retrieve(histories, k=30)
    assert len(batch) == 1000
    for q in range(1000):
        items, scores = model.retrieve(histories[q], k=30)
        assert batch[q][0].tolist() == items.tolist()
        # The same items in the same order; a score may differ in its last bits, since a batch's
        # matrix products have other shapes than one query's (docs/PYTHON.md).
        np.testing.assert_allclose(batch[q][1], scores, rtol=1e-5, atol=0)
    # the flat form: one array of all items and offsets
    offsets = np.concatenate([[0], np.cumsum([len(h) for h in histories])])
    flat = model.retrieve(np.concatenate(histories), k=30, offsets=offsets)
    assert flat.items.tolist() == batch.items.tolist() and flat.offsets.tolist() == batch.offsets.tolist()


def test_results_do_not_depend_on_threads(log):
    ds = treerec.Dataset.from_frame(log, user="user", item="item", category="genre", time="ts")
    one = treerec.train(ds, None, "tdm", progress=False, valid_users=30, threads=1, **SMALL)
    two = treerec.train(ds, None, "tdm", progress=False, valid_users=30, threads=2, **SMALL)
    assert one.parameters_fingerprint == two.parameters_fingerprint


def test_tree_learning_never_lowers_its_objective(trained):
    ds, tree, model = trained
    learned = tree.learn(ds, model)
    s = learned.learn_stats
    assert s["objective_new"] >= s["objective_old"]
    assert learned.num_items == tree.num_items and len(s["gaps"]) >= 1
    # a model of the learned tree warm-starts from the old one
    warm = treerec.train(ds, learned, "jtm-h", init_model=model, progress=False, valid_users=30, **SMALL)
    assert warm.tree is learned


def test_progress_callback_sees_batches_and_epochs(log):
    ds = treerec.Dataset.from_frame(log, user="user", item="item", category="genre", time="ts")
    events = []
    treerec.train(ds, None, "dnn", progress=events.append, valid_users=30, **SMALL)
    kinds = {e["event"] for e in events}
    assert kinds == {"batch", "epoch"}
    epochs = [e for e in events if e["event"] == "epoch"]
    assert [e["epoch"] for e in epochs] == list(range(1, len(epochs) + 1))
    assert all("valid_recall@200" in e for e in epochs)
