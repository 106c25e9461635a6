"""Shared fixtures: a small generated log as a DataFrame, and the CLI to compare against."""

import os
import shutil

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_log(users=300, items=400, per_user=40, seed=7):
    """Users who prefer one of 8 item groups (category = group), with times in order."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(users):
        group = rng.integers(0, 8)
        own = np.arange(items)[np.arange(items) % 8 == group]
        for r in range(per_user):
            item = rng.choice(own) if rng.random() < 0.7 else rng.integers(0, items)
            rows.append((1000 + u, 5000 + int(item), f"g{int(item) % 8}", 1_600_000_000 + 60 * r + u))
    return pd.DataFrame(rows, columns=["user", "item", "genre", "ts"])


@pytest.fixture(scope="session")
def log():
    return make_log()


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("TREEREC_CLI", os.path.join(ROOT, "build", "treerec"))
    if not os.path.exists(path):
        path = shutil.which("treerec") or ""
    if not path:
        pytest.skip("the treerec CLI is not built (TREEREC_CLI)")
    return path


SMALL = dict(epochs=2, batch_size=64, embedding_dim=8, seed=3)
