"""examples/movielens.py runs end to end (--quick), when the MovieLens data is there."""

import os
import subprocess
import sys

import pytest

from conftest import ROOT

DATA = os.environ.get("TREEREC_DATA_DIR", os.path.join(ROOT, "..", "shared", "data"))


def test_movielens_example_runs():
    data = os.path.join(DATA, "movielens-latest-small")
    if not os.path.exists(os.path.join(data, "ratings.csv")):
        pytest.skip("../shared/data is absent: the MovieLens example is not run")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "movielens.py"), "--data", data, "--quick"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "Most popular (floor)" in r.stdout and "JTM (round" in r.stdout
