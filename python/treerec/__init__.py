"""treerec from Python: tree-based deep retrieval (TDM, JTM) over the same C++ library as the CLI.

    import treerec
    ds = treerec.Dataset.from_frame(df, user="userId", item="movieId", category="genre", time="timestamp")
    tree = treerec.Tree.from_categories(ds)
    model = treerec.train(ds, tree, method="jtm-h", epochs=30)
    items, scores = model.retrieve([1, 2, 3], k=200)

Parameters have the names of the CLI's flags and the experiment configs' keys (``treerec params``
lists them; docs/PARAMETERS.md). Long computations release the GIL; results do not depend on the
thread count. Errors are ``treerec.Error`` (a ``ValueError``) with the library's message, or
``FileNotFoundError`` for a missing input. docs/PYTHON.md is the guide.
"""

from ._api import (
    Dataset,
    Error,
    Model,
    Retrieval,
    Tree,
    __version__,
    evaluate,
    evaluate_popular,
    experiment,
    jtm,
    train,
)

__all__ = [
    "Dataset",
    "Error",
    "Model",
    "Retrieval",
    "Tree",
    "__version__",
    "evaluate",
    "evaluate_popular",
    "experiment",
    "jtm",
    "train",
]
