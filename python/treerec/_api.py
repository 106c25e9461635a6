"""The Python API over the C++ core (_treerec): raw ids in and out, DataFrames, progress."""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from . import _treerec

__version__: str = _treerec.__version__
Error = _treerec.Error  # a ValueError carrying the library's message

ProgressFn = Callable[[dict], None]


def _existing(path: str | os.PathLike, what: str) -> str:
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{what} {path} does not exist")
    return path


# ---------------------------------------------------------------------------------------------
# Raw ids. The library keeps every raw id as text, as the log readers read it. A column of
# integers gives ids that are written canonically ("7", not "007"), and they come back as
# integers; any other column gives strings, and they come back as strings.


def _is_canonical_int(s: str) -> bool:
    if not s or len(s) > 19:
        return False
    body = s[1:] if s[0] == "-" else s
    return body.isdigit() and body.isascii() and (body == "0" or body[0] != "0") and s != "-0"


class _Ids:
    """Dense id <-> raw id for the users or the items of a dataset."""

    def __init__(self, names: list[str], as_int: bool | None):
        self.names = names
        self.as_int = all(_is_canonical_int(s) for s in names) if as_int is None else as_int
        self._index: Any = None
        if self.as_int:
            self.raw = np.array([int(s) for s in names], dtype=np.int64)
        else:
            self.raw = np.empty(len(names), dtype=object)
            self.raw[:] = names

    def lookup(self, values: np.ndarray) -> np.ndarray:
        """Dense ids (int64) of a flat array of raw ids; -1 for an id that is not one of them."""
        if values.size == 0:
            return np.zeros(0, dtype=np.int64)
        if self.as_int and values.dtype.kind in "iu":
            if not isinstance(self._index, tuple):
                order = np.argsort(self.raw, kind="stable")
                self._index = (self.raw[order], order)
            keys, order = self._index
            pos = np.minimum(np.searchsorted(keys, values.astype(np.int64)), len(keys) - 1)
            return np.where(keys[pos] == values, order[pos], -1)
        texts = [_id_text(v) for v in values.tolist()]
        try:
            import pandas as pd

            if not isinstance(self._index, pd.Index):
                self._index = pd.Index(self.names)
            return np.asarray(self._index.get_indexer(texts), dtype=np.int64)
        except ImportError:
            if not isinstance(self._index, dict):
                self._index = {s: i for i, s in enumerate(self.names)}
            lookup = self._index
            return np.fromiter((lookup.get(t, -1) for t in texts), dtype=np.int64, count=len(texts))

    def dense(self, values: Any, what: str) -> np.ndarray:
        """Dense ids (uint32) of raw ids; KeyError names an unknown one."""
        values = np.asarray(values)
        if values.ndim != 1:
            raise ValueError(f"{what} must be a flat sequence of ids")
        dense = self.lookup(values)
        if (dense < 0).any():
            raise KeyError(f"{what}: unknown id {values[np.argmax(dense < 0)]!r} (not in the dataset)")
        return dense.astype(np.uint32)


def _id_text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, (bool, np.bool_)):
        raise ValueError(f"id {v!r} is a boolean")
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    raise ValueError(f"id {v!r} is neither an integer nor a string")


def _factorize(values: Any, column: str) -> tuple[np.ndarray, list[str], bool]:
    """Codes in order of first appearance, the values' text and whether they are integers."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"column '{column}' must be one-dimensional, got shape {arr.shape}")
    try:
        import pandas as pd

        codes, uniques = pd.factorize(arr, sort=False)
        uniques = np.asarray(uniques)
    except ImportError:
        if arr.dtype.kind == "O":
            seen: dict[Any, int] = {}
            codes = np.fromiter((seen.setdefault(v, len(seen)) if v is not None else -1 for v in arr.tolist()),
                                dtype=np.int64, count=arr.size)
            uniques = np.empty(len(seen), dtype=object)
            uniques[:] = list(seen)
        else:
            uniques, first, inverse = np.unique(arr, return_index=True, return_inverse=True)
            order = np.argsort(first, kind="stable")
            rank = np.empty_like(order)
            rank[order] = np.arange(order.size)
            codes, uniques = rank[inverse], uniques[order]
            if arr.dtype.kind == "f":
                nan = np.isnan(arr)
                codes = np.where(nan, -1, codes)
    codes = np.asarray(codes, dtype=np.int64)
    if (codes < 0).any():
        raise ValueError(f"column '{column}' row {int(np.argmax(codes < 0))}: missing value")
    kind = uniques.dtype.kind
    if kind == "b":
        raise ValueError(f"column '{column}' holds booleans: expected integer or string ids")
    if kind in "iu":
        return codes, [str(int(v)) for v in uniques.tolist()], True
    if kind == "f":
        if not all(float(v).is_integer() for v in uniques.tolist()):
            raise ValueError(f"column '{column}' holds non-integer numbers: expected integer or string ids")
        return codes, [str(int(v)) for v in uniques.tolist()], True
    names = []
    for v in uniques.tolist():
        try:
            names.append(_id_text(v))
        except ValueError as e:
            raise ValueError(f"column '{column}': {e}") from None
    if len(set(names)) != len(names):  # e.g. 7 and "7" in one object column
        raise ValueError(f"column '{column}' holds two values with the same text (such as 7 and '7')")
    return codes, names, all(isinstance(v, (int, np.integer)) for v in uniques.tolist())


def _times(values: Any, column: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"column '{column}' must be one-dimensional, got shape {arr.shape}")
    if arr.dtype.kind == "M":
        if np.isnat(arr).any():
            raise ValueError(f"column '{column}' row {int(np.argmax(np.isnat(arr)))}: missing time")
        return arr.astype("datetime64[s]").astype(np.int64)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.floor(arr))
        if bad.any():
            raise ValueError(f"column '{column}' row {int(np.argmax(bad))}: {arr[np.argmax(bad)]} is not "
                             "a whole number of seconds")
        return arr.astype(np.int64)
    raise ValueError(f"column '{column}' must hold unix times in seconds or datetimes, got {arr.dtype}")


# ---------------------------------------------------------------------------------------------


class Dataset:
    """A prepared dataset: users with at least min_records records, each user's behaviours in time
    order, and a seeded split of the users into train, validation and test (docs/ALGORITHMS.md §2).
    Build one with from_frame, from_arrays or prepare, or load a file of `treerec prepare`."""

    def __init__(self, core: Any, user_ints: bool | None = None, item_ints: bool | None = None):
        self._core = core
        self._user_ints, self._item_ints = user_ints, item_ints
        self._users_ids: _Ids | None = None
        self._items_ids: _Ids | None = None

    @classmethod
    def from_frame(cls, df: Any, user: str, item: str, category: str | None = None, time: str | None = None,
                   behavior: str | None = None, **params: Any) -> "Dataset":
        """From a pandas DataFrame with one row per behaviour. `user` and `item` name the id
        columns (integers or strings); `category`, `time` (unix seconds or datetimes) and
        `behavior` are optional, as in `treerec prepare --format csv`. params: min_records,
        valid_users, test_users (counts or fractions), split_seed, threads."""
        for c in (user, item, category, time, behavior):
            if c is not None and c not in df.columns:
                raise KeyError(f"the DataFrame has no column '{c}' (its columns: {', '.join(map(str, df.columns))})")
        col = lambda c: None if c is None else df[c].to_numpy()  # noqa: E731
        return cls._from(col(user), col(item), col(category), col(time), col(behavior),
                         [user, item, category or "", time or "", behavior or ""], params)

    @classmethod
    def from_arrays(cls, user: Any, item: Any, category: Any = None, time: Any = None, behavior: Any = None,
                    **params: Any) -> "Dataset":
        """From parallel sequences (numpy arrays or lists), one entry per behaviour; as from_frame."""
        return cls._from(user, item, category, time, behavior, ["user", "item", "category", "time", "behavior"],
                         params)

    @classmethod
    def _from(cls, user, item, category, time, behavior, columns, params) -> "Dataset":
        u_codes, u_names, u_ints = _factorize(user, columns[0])
        i_codes, i_names, i_ints = _factorize(item, columns[1])
        n = u_codes.size
        for values, c in ((i_codes, columns[1]), (category, columns[2]), (time, columns[3]), (behavior, columns[4])):
            if values is not None and len(values) != n:
                raise ValueError(f"column '{c}' has {len(values)} values, expected {n} (as many as '{columns[0]}')")
        c_codes, c_names = (None, [])
        if category is not None:
            c_codes, c_names, _ = _factorize(category, columns[2])
        b_codes, b_names = (None, [])
        if behavior is not None:
            b_codes, b_names, _ = _factorize(behavior, columns[4])
        t = None if time is None else _times(time, columns[3])
        core = _treerec.Dataset.from_codes(u_codes, u_names, i_codes, i_names, c_codes, c_names, t, b_codes, b_names,
                                           columns, params)
        return cls(core, u_ints, i_ints)

    @classmethod
    def prepare(cls, path: str | os.PathLike, format: str = "csv", **params: Any) -> "Dataset":
        """Reads a behaviour log as `treerec prepare` does. format: userbehavior, amazon,
        movielens or csv; params: side_file, user_col, item_col, category_col, time_col,
        behavior_col, delimiter, skip_bad_lines, min_records, valid_users, test_users, split_seed."""
        params = dict(params, format=format)
        return cls(_treerec.Dataset.prepare(_existing(path, "the log"), params))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Dataset":
        """A dataset file of `treerec prepare` or Dataset.save."""
        return cls(_treerec.Dataset.load(_existing(path, "the dataset")))

    def save(self, path: str | os.PathLike) -> None:
        self._core.save(os.fspath(path))

    @property
    def num_users(self) -> int:
        return self._core.num_users

    @property
    def num_items(self) -> int:
        return self._core.num_items

    @property
    def num_categories(self) -> int:
        return self._core.num_categories

    @property
    def num_records(self) -> int:
        return self._core.num_records

    def stats(self) -> dict:
        """Sizes, splits, sequence lengths and preparation options (`treerec stats --json`)."""
        return self._core.stats()

    @property
    def _users(self) -> _Ids:
        if self._users_ids is None:
            self._users_ids = _Ids(self._core.user_ids(), self._user_ints)
        return self._users_ids

    @property
    def _items(self) -> _Ids:
        if self._items_ids is None:
            self._items_ids = _Ids(self._core.item_ids(), self._item_ints)
        return self._items_ids

    @property
    def item_ids(self) -> np.ndarray:
        """Every item's raw id, in the dataset's item order."""
        return self._items.raw

    @property
    def user_ids(self) -> np.ndarray:
        return self._users.raw

    def users(self, split: str = "test") -> np.ndarray:
        """The raw ids of the users of a split: "train", "valid" or "test"."""
        return self._users.raw[self._core.users(split)]

    def history(self, user: Any, split_half: bool = True) -> np.ndarray:
        """A user's items (raw ids), oldest first: for a validation or test user with
        split_half, the evaluation features (the last up to 69 items of the first half of its
        sequence, what evaluate() queries with); else the whole sequence."""
        u = int(self._users.dense(np.array([user]), "user")[0])
        dense = self._core.eval_features(u) if split_half else self._core.sequence(u)
        return self._items.raw[dense]

    def __repr__(self) -> str:
        return (f"treerec.Dataset({self.num_users} users, {self.num_items} items, {self.num_categories} categories, "
                f"{self.num_records} records)")


class Tree:
    """The index: a complete binary tree whose leaves hold the items (docs/ALGORITHMS.md §3)."""

    def __init__(self, core: Any, learn_stats: dict | None = None):
        self._core = core
        self.learn_stats = learn_stats  # set on a tree from learn(): objectives, moves, times

    @classmethod
    def from_categories(cls, dataset: Dataset) -> "Tree":
        """The category tree of `treerec tree init`: items sorted by category, split in halves."""
        return cls(_treerec.Tree.from_categories(dataset._core))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Tree":
        return cls(_treerec.Tree.load(_existing(path, "the tree")))

    def save(self, path: str | os.PathLike) -> None:
        self._core.save(os.fspath(path))

    @property
    def num_items(self) -> int:
        return self._core.num_items

    @property
    def levels(self) -> int:
        return self._core.levels

    @property
    def assignment_fingerprint(self) -> int:
        return self._core.assignment_fingerprint

    def learn(self, dataset: Dataset, model: "Model", **params: Any) -> "Tree":
        """Algorithm 2: a new tree learned from `model`, trained on this tree and `dataset`
        (docs/TREE_LEARNING.md). params: gap, assign, assign_candidates, lookahead,
        never_worse, max_samples_per_item, seed, threads. The result's learn_stats holds
        objective_old/new, the gaps and the items moved per level."""
        if model.tree._core.assignment_fingerprint != self._core.assignment_fingerprint:
            raise Error("the model was trained on another tree: learn from the tree it was trained on")
        if model.dataset._core is not dataset._core and model.dataset.num_items != dataset.num_items:
            raise Error("the model was trained on another dataset")
        core, stats = model._core.learn_tree(params)
        return Tree(core, stats)

    def __repr__(self) -> str:
        return f"treerec.Tree({self.num_items} items, {self.levels} levels)"


class Retrieval(Sequence):
    """The lists of a batch: result[q] is (items, scores) of query q, best first; items are
    raw ids. items/scores/offsets hold them all (query q: offsets[q]:offsets[q+1])."""

    def __init__(self, items: np.ndarray, scores: np.ndarray, offsets: np.ndarray):
        self.items, self.scores, self.offsets = items, scores, offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, q):  # type: ignore[override]
        if isinstance(q, slice):
            return [self[i] for i in range(*q.indices(len(self)))]
        if q < 0:
            q += len(self)
        if not 0 <= q < len(self):
            raise IndexError(q)
        a, b = int(self.offsets[q]), int(self.offsets[q + 1])
        return self.items[a:b], self.scores[a:b]


def _is_batch(behaviors: Any) -> bool:
    if isinstance(behaviors, np.ndarray):
        return behaviors.dtype == object and behaviors.size > 0 and not isinstance(behaviors.flat[0], (str, bytes))
    if isinstance(behaviors, (str, bytes)) or not isinstance(behaviors, Iterable):
        raise TypeError("behaviors: expected a sequence of item ids, or a list of such sequences")
    behaviors = list(behaviors) if not isinstance(behaviors, Sequence) else behaviors
    return len(behaviors) > 0 and not isinstance(behaviors[0], (str, bytes)) and isinstance(
        behaviors[0], (Sequence, np.ndarray))


class Model:
    """A trained model with the dataset it retrieves for: a tree method's or the DNN's
    preference model (tdm, jtm-hi, jtm-h, dnn, hsm; `tree` is the tree it retrieves on), or an
    Item-CF or YouTube product-DNN model (`tree` is None)."""

    def __init__(self, core: Any, dataset: Dataset, tree: Tree):
        self._core, self.dataset, self.tree = core, dataset, tree

    @classmethod
    def load(cls, path: str | os.PathLike, dataset: Dataset, tree: Tree | None = None) -> "Model":
        """A model file of `treerec train` or Model.save, checked against the dataset and (for
        a tree method or dnn, which need it) the tree it was trained on."""
        core = _treerec.load_model(_existing(path, "the model"), dataset._core, tree._core if tree else None)
        return cls(core, dataset, tree if core.tree is not None else None)

    def save(self, path: str | os.PathLike) -> None:
        self._core.save(os.fspath(path))

    @property
    def method(self) -> str:
        return self._core.method

    @property
    def history(self) -> list[dict]:
        """One entry per training epoch: loss, seconds, validation metrics."""
        return self._core.history

    @property
    def info(self) -> dict:
        """The training record: method, tree, every option, history."""
        return self._core.info

    @property
    def parameters_fingerprint(self) -> int:
        """XXH3 of every parameter value: equal models have equal fingerprints."""
        return self._core.parameters_fingerprint

    def retrieve(self, behaviors: Any, k: int = 200, *, offsets: Any = None, exclude: Any = None,
                 beam: int | None = None, unknown: str = "error", threads: int = 0,
                 categories: Any = None, exclude_categories: Any = None, filter_items: Any = None):
        """The top k items for one user or a batch (docs/ALGORITHMS.md §6).

        behaviors: one user's items (raw ids, oldest first), or a list of such lists, or a flat
        array of all users' items with `offsets` (user q: behaviors[offsets[q]:offsets[q+1]]).
        exclude: items never to return, in the same shape (unknown ids there are ignored).
        unknown: "error" (KeyError) or "skip" for behaviours that are not items of the dataset.
        categories, exclude_categories, filter_items: a business rule applied inside the search,
        the same for every user (raw category and item ids; docs/ALGORITHMS.md §6): only items
        of `categories` (when given), none of `exclude_categories`, none of `filter_items`;
        k passing items come back whenever the dataset has k. Tree models and dnn only.
        beam: k of beam search (default max(k, 200)). Returns (items, scores) for one user,
        else a Retrieval; items are raw ids, scores the model's (float32), best first. Item-CF
        and YouTube models rank exactly (YouTube by inner product, without the HNSW index)."""
        items_ids = self.dataset._items
        single = offsets is None and not _is_batch(behaviors)
        values, offs = self._csr(behaviors, offsets, single, "behaviors", unknown)
        ex_values = ex_offs = None
        if exclude is not None:  # as behaviors: one list, or one per user (unknown ids ignored)
            ex_values, ex_offs = self._csr(exclude, None, single, "exclude", "skip")
        beam = max(k, 200) if beam is None else beam
        def raw(ids: Any) -> list[str]:  # the dataset's raw ids are text (integers as written)
            return [] if ids is None else [str(x) for x in np.asarray(ids).ravel().tolist()]
        items, scores, out_offsets = self._core.retrieve_codes(values, offs, k, beam, False, ex_values, ex_offs,
                                                               threads, raw(categories), raw(exclude_categories),
                                                               raw(filter_items))
        raw = items_ids.raw[items]
        if single:
            return raw, scores
        return Retrieval(raw, scores, out_offsets)

    def _csr(self, lists: Any, offsets: Any, single: bool, what: str, unknown: str):
        """Dense ids and offsets (CSR) of one list, a list of lists or a flat array with
        offsets; all ids are mapped in one vectorized call."""
        if unknown not in ("error", "skip"):
            raise ValueError(f"unknown={unknown!r}: expected 'error' or 'skip'")
        if offsets is None:
            groups = [np.asarray(g) for g in ([lists] if single else lists)]
            for q, g in enumerate(groups):
                if g.ndim != 1:
                    raise ValueError(f"{what}[{q}] must be a flat sequence of ids")
            lengths = np.fromiter((g.size for g in groups), dtype=np.int64, count=len(groups))
            nonempty = [g for g in groups if g.size]
            flat = np.concatenate(nonempty) if nonempty else np.zeros(0, dtype=np.int64)
            offsets = np.zeros(len(groups) + 1, dtype=np.int64)
            np.cumsum(lengths, out=offsets[1:])
        else:
            flat = np.asarray(lists)
            offsets = np.asarray(offsets, dtype=np.int64)
            if flat.ndim != 1:
                raise ValueError(f"{what} must be a flat array of ids when offsets are given")
        dense = self.dataset._items.lookup(flat)
        missing = dense < 0
        if missing.any():
            if unknown == "error":
                at = int(np.argmax(missing))
                q = max(int(np.searchsorted(offsets, at, side="right")) - 1, 0)
                raise KeyError(f"{what}{'' if single else f'[{q}]'}: unknown id {flat[at]!r} (not in the dataset)")
            kept = np.concatenate([[0], np.cumsum(~missing)])
            offsets = kept[np.clip(offsets, 0, flat.size)]
            dense = dense[~missing]
        return dense.astype(np.uint32), offsets.astype(np.uint64)

    def learn_tree(self, **params: Any) -> Tree:
        """Algorithm 2 on this model's tree: Tree.learn(self.dataset, self, **params)."""
        if self.tree is None:
            raise Error(f"tree learning needs a tree method's model, not {self.method}'s")
        return self.tree.learn(self.dataset, self, **params)

    def __repr__(self) -> str:
        return f"treerec.Model({self.method}, {len(self.history)} epochs, {self.tree!r})"


# ---------------------------------------------------------------------------------------------


def _progress(progress: ProgressFn | bool | None, what: str):
    """A callback for training events: `progress` itself, nothing (False), or a tqdm bar per
    epoch when tqdm is installed (None)."""
    if callable(progress):
        return progress
    if progress is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    state: dict[str, Any] = {}

    def update(e: dict) -> None:
        if e["event"] == "batch":
            bar = state.get("bar")
            if bar is None or state.get("epoch") != e["epoch"]:
                if bar is not None:
                    bar.close()
                bar = state["bar"] = tqdm(total=e["samples"], desc=f"{what} epoch {e['epoch']}/{e['epochs']}",
                                          unit="samples", leave=False, file=sys.stderr)
                state["epoch"] = e["epoch"]
            bar.update(e["done"] - bar.n)
            bar.set_postfix(loss=f"{e['loss']:.5f}")
        elif e["event"] == "epoch":
            bar = state.pop("bar", None)
            if bar is not None:
                bar.close()
            recall = f", validation recall@200 {e['valid_recall@200']:.4f}" if e.get("validated") else ""
            tqdm.write(f"{what} epoch {e['epoch']}/{e['epochs']}: loss {e['loss']:.5f}{recall}", file=sys.stderr)
        elif e["event"] == "log":
            tqdm.write(e["line"], file=sys.stderr)

    return update


def train(dataset: Dataset, tree: Tree | None = None, method: str = "jtm-h", *, out: str | os.PathLike | None = None,
          resume: bool = False, valid_users: int | None = None, init_model: Model | None = None,
          progress: ProgressFn | bool | None = None, **params: Any) -> Model:
    """Trains a model as `treerec train` does: tdm, jtm-hi, jtm-h, dnn or hsm on `tree`
    (default: the category tree), to convergence on `valid_users` validation users (default
    1000); or the baselines without a tree, itemcf (params neighbours, max_history; it has no
    epochs, so no valid_users) and youtube.

    params: the training parameters of `treerec params` (epochs, patience, batch_size,
    learning_rate, seed, threads, ...). out: the model file to write (checkpoints go to
    out + ".ckpt"; without out, a temporary file). Ctrl-C stops at the current batch with a
    checkpoint there (KeyboardInterrupt is raised); resume=True continues it. progress: a
    callable that receives {"event": "batch"|"epoch", ...} dicts, False for none, or None for a
    tqdm bar when tqdm is installed. init_model: warm start (docs/ALGORITHMS.md §8). youtube
    reports only epochs, and Ctrl-C stops it at the end of an epoch without a checkpoint."""
    if method not in _treerec.method_names():
        raise Error(f"unknown training method '{method}'; expected one of: {', '.join(_treerec.method_names())}")
    if method == "itemcf" and valid_users is not None:
        raise Error("valid_users does not apply to method itemcf, which trains no epochs to validate")
    valid_users = 1000 if valid_users is None else valid_users
    treeless = method in ("itemcf", "youtube")
    if treeless and (tree is not None or init_model is not None or resume):
        raise Error(f"{method} trains without a tree, a warm start or a checkpoint")
    tree = None if treeless else (tree or Tree.from_categories(dataset))
    callback = _progress(progress, method)
    init_core = init_model._core if init_model is not None else None
    tree_core = tree._core if tree is not None else None
    if out is not None:
        core = _treerec.train(dataset._core, tree_core, method, params, os.fspath(out), resume, valid_users,
                              init_core, callback)
        return Model(core, dataset, tree)
    with tempfile.TemporaryDirectory(prefix="treerec-") as d:
        core = _treerec.train(dataset._core, tree_core, method, params, os.path.join(d, "model.trm"), resume,
                              valid_users, init_core, callback)
        return Model(core, dataset, tree)


class JointRun:
    """What jtm() returns: the rounds (dicts as rounds.json has them), the best round and its
    model and tree."""

    def __init__(self, result: dict, model: Model, tree: Tree):
        self.rounds: list[dict] = result["rounds"]
        self.best_round: int = result["best_round"]
        self.model, self.tree = model, tree

    def __repr__(self) -> str:
        return f"treerec.JointRun({len(self.rounds)} rounds, best round {self.best_round})"


def jtm(dataset: Dataset, tree: Tree | None = None, *, out: str | os.PathLike | None = None, method: str | None = None,
        resume: bool = False, progress: ProgressFn | bool | None = None, log: Callable[[str], None] | None = None,
        **params: Any) -> JointRun:
    """Algorithm 1, as `treerec jtm`: rounds of training to convergence and tree learning,
    each warm-started from the last; the best round by validation recall.

    params: rounds, relearn ("jtm", or "kmeans" for TDM's re-clustering, "none"), valid_users,
    the training parameters (seed, epochs, ...), tree learning's (gap, assign, lookahead, ...;
    its seed is tree_seed) and kmeans_iterations. out: the run's folder (round-N/, rounds.json,
    best.model, best.tree; a temporary one without it). Ctrl-C stops the run at the next
    training batch, writing its checkpoint (or before tree learning), then raises
    KeyboardInterrupt; resume=True in the same folder continues it to the same result."""
    tree = tree or Tree.from_categories(dataset)
    callback = _progress(progress, "jtm")

    def log_line(e: dict) -> None:
        if log is not None:
            log(e["line"])
        elif callback is not None:
            callback(e)

    def run(folder: str) -> JointRun:
        result = _treerec.jtm(dataset._core, tree._core, folder, method or "", params, resume, log_line, callback)
        if not result.get("finished", True):
            raise Error("the run stopped before its end (max_batches); resume=True continues it")
        best_tree = Tree.load(os.path.join(folder, "best.tree"))
        return JointRun(result, Model.load(os.path.join(folder, "best.model"), dataset, best_tree), best_tree)

    if out is not None:
        return run(os.fspath(out))
    with tempfile.TemporaryDirectory(prefix="treerec-jtm-") as d:
        return run(d)


def _metrics(result: dict, as_frame: bool):
    if not as_frame:
        return result
    import pandas as pd

    cutoffs = sorted({int(k.split("@")[1]) for k in result if k.startswith("recall@")})
    return pd.DataFrame({"precision": [result[f"precision@{m}"] for m in cutoffs],
                         "recall": [result[f"recall@{m}"] for m in cutoffs],
                         "f1": [result[f"f1@{m}"] for m in cutoffs]}, index=pd.Index(cutoffs, name="M"))


def evaluate(model: Model, split: str = "test", k: int = 200, *, beam: int | None = None, max_users: int = 0,
             seed: int = 1, threads: int = 0, exclude_seen: bool = False, as_frame: bool = False):
    """Precision, recall and F1 at 10, 50, 100, 200 (up to k) over the users of a split, each
    queried with the first half of its sequence (docs/ALGORITHMS.md §10), as `treerec evaluate`;
    with exclude_seen, that first half is never in a user's list (production's setting). A dict
    ({"users", "recall@200", ..., "popular_overlap", "coverage"}) or, with as_frame, a
    DataFrame of P/R/F indexed by M."""
    beam = k if beam is None else beam
    return _metrics(model._core.evaluate(split, k, beam, max_users, seed, threads, exclude_seen), as_frame)


def evaluate_popular(dataset: Dataset, split: str = "test", k: int = 200, *, max_users: int = 0, seed: int = 1,
                     exclude_seen: bool = False, as_frame: bool = False):
    """The most-popular floor: every user gets the k items most frequent in train users'
    sequences (without its seen items, with exclude_seen). The same metrics as evaluate()."""
    return _metrics(_treerec.evaluate_popular(dataset._core, split, k, max_users, seed, exclude_seen), as_frame)


def experiment(config: str | os.PathLike | dict, out: str | os.PathLike, *, set: Sequence[str] | None = None,
               threads: int | None = None, log: Callable[[str], None] | None = None) -> dict:
    """Runs an experiment as `treerec experiment` (docs/EXPERIMENTS.md): `config` is a TOML or
    JSON file, or a dict of the same structure; set: overrides as KEY=VALUE (TOML values).
    Returns results.json's content; out holds the report. Rerunning resumes. Ctrl-C stops a
    training at its next batch with a checkpoint (or the experiment before its next method) and
    raises KeyboardInterrupt."""
    import json

    cfg = os.fspath(_existing(config, "the config")) if not isinstance(config, dict) else config

    def log_line(e: dict) -> None:
        (log or (lambda s: print(s, file=sys.stderr)))(e["line"])

    _treerec.experiment(cfg, os.fspath(out), list(set or []), -1 if threads is None else threads, log_line)
    with open(os.path.join(os.fspath(out), "results.json")) as f:
        return json.load(f)
