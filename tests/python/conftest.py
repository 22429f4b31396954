"""Shared fixtures: the command-line binary the Python results are compared with, and small exact data sets."""
import os
import pathlib

import numpy as np
import pytest

SOURCE_DIR = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("FLOWPRIOR_CLI", str(SOURCE_DIR / "build" / "flowprior"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"the flowprior command line is not at {path} (set FLOWPRIOR_CLI)")
    return path


@pytest.fixture(scope="session")
def source_dir():
    return SOURCE_DIR


def banana(n, seed):
    """Exact banana draws (x1 ~ N(1, 1/2), x2 | x1 ~ N(x1^2, 1/40)) kept inside [-2, 3] x [-1, 8]."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(1.0, np.sqrt(0.5), 4 * n)
    x2 = x1 ** 2 + rng.normal(0.0, np.sqrt(1 / 40), 4 * n)
    keep = (x1 > -2) & (x1 < 3) & (x2 > -1) & (x2 < 8)
    return np.column_stack([x1[keep], x2[keep]])[:n]


@pytest.fixture
def banana_data():
    return banana(600, 7)
