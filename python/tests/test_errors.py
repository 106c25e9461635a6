"""Bad input becomes a Python exception with the library's message, naming what was wrong."""

import numpy as np
import pytest

import treerec
from conftest import SMALL


@pytest.fixture(scope="module")
def ds(log):
    return treerec.Dataset.from_frame(log, user="user", item="item", category="genre", time="ts")


def test_treerec_error_is_a_value_error():
    assert issubclass(treerec.Error, ValueError)


def test_bad_frames_name_the_column(log):
    with pytest.raises(KeyError, match="no column 'itm'"):
        treerec.Dataset.from_frame(log, user="user", item="itm")
    bad = log.copy()
    bad.loc[7, "item"] = None
    with pytest.raises(ValueError, match="column 'item' row 7: missing value"):
        treerec.Dataset.from_frame(bad, user="user", item="item")
    bad = log.copy()
    bad["ts"] = bad["ts"].astype(float)
    bad.loc[3, "ts"] = 1.5
    with pytest.raises(ValueError, match="column 'ts' row 3"):
        treerec.Dataset.from_frame(bad, user="user", item="item", time="ts")
    bad = log.copy()
    bad.loc[4, "ts"] = -5
    with pytest.raises(treerec.Error, match="column 'ts' row 4: time -5"):
        treerec.Dataset.from_frame(bad, user="user", item="item", time="ts")
    with pytest.raises(ValueError, match="column 'time' has 2 values, expected 3"):
        treerec.Dataset.from_arrays([1, 2, 3], [4, 5, 6], time=[1, 2])
    with pytest.raises(treerec.Error, match="no user"):  # every user has fewer than 10 records
        treerec.Dataset.from_arrays([1, 2, 3], [4, 5, 6])


def test_datetimes_are_unix_seconds(log):
    a = treerec.Dataset.from_frame(log, user="user", item="item", time="ts")
    dated = log.assign(ts=log["ts"].astype("datetime64[s]"))
    b = treerec.Dataset.from_frame(dated, user="user", item="item", time="ts")
    assert a.stats() == b.stats()


def test_bad_parameters_name_the_parameter(ds):
    with pytest.raises(treerec.Error, match="learning_rate -1: expected a number > 0"):
        treerec.train(ds, None, "tdm", learning_rate=-1, progress=False)
    with pytest.raises(treerec.Error, match="unknown parameter 'learnin_rate'; expected one of: .*learning_rate"):
        treerec.train(ds, None, "tdm", learnin_rate=0.1, progress=False)
    with pytest.raises(treerec.Error, match="unknown training method 'jtm-g'"):
        treerec.train(ds, None, "jtm-g", progress=False)
    with pytest.raises(treerec.Error, match="valid_users"):
        treerec.Dataset.from_frame(ds_frame(), user="user", item="item", valid_users=-1)
    with pytest.raises(treerec.Error, match="tree_seed"):
        treerec.jtm(ds, None, nosuch=1)  # the list names jtm's own keyword for tree learning's seed


def ds_frame():
    import pandas as pd

    return pd.DataFrame({"user": [1] * 12, "item": list(range(12))})


def test_missing_files_are_file_not_found(tmp_path, ds):
    with pytest.raises(FileNotFoundError, match="nosuch.trec"):
        treerec.Dataset.load(tmp_path / "nosuch.trec")
    with pytest.raises(FileNotFoundError):
        treerec.Tree.load(tmp_path / "nosuch.tree")
    with pytest.raises(FileNotFoundError):
        treerec.Dataset.prepare(tmp_path / "nosuch.csv", user_col="u", item_col="i")
    damaged = tmp_path / "damaged.trec"
    damaged.write_bytes(b"TRECDATA" + b"\0" * 40)
    with pytest.raises(treerec.Error, match="damaged.trec"):
        treerec.Dataset.load(damaged)


def test_a_model_of_another_tree_is_refused(ds, tmp_path):
    model = treerec.train(ds, None, "tdm", progress=False, valid_users=0, **SMALL)
    model.save(tmp_path / "m.trm")
    other = treerec.Dataset.from_frame(ds_like(), user="user", item="item", time="ts")
    with pytest.raises(treerec.Error):
        treerec.Model.load(tmp_path / "m.trm", other, treerec.Tree.from_categories(other))


def ds_like():
    from conftest import make_log

    return make_log(users=50, items=60, per_user=20, seed=9)


def test_bad_retrieval_arguments(ds):
    model = treerec.train(ds, None, "tdm", progress=False, valid_users=0, **SMALL)
    with pytest.raises(treerec.Error, match="top"):
        model.retrieve([ds.item_ids[0]], k=0)
    with pytest.raises(treerec.Error, match="offsets"):
        model.retrieve(np.array(ds.item_ids[:3]), offsets=[0, 5])
    with pytest.raises(TypeError):
        model.retrieve(42)


def test_itemcf_refuses_valid_users_as_the_cli_does(ds):
    with pytest.raises(treerec.Error, match="valid_users does not apply to method itemcf"):
        treerec.train(ds, None, "itemcf", progress=False, valid_users=30, neighbours=20)
