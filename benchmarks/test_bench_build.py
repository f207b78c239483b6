"""Benchmark: one index for 10,000 cities x 40 indicators, entropy weights, geometric aggregation.

``pytest benchmarks/test_bench_build.py`` (``CITYMODEL_BENCH_SMOKE=1``: 1,000 cities). Besides the
full ``build`` (with its xarray result), the numerical core ``compute`` and the floor (one
normalisation + one GEMM + one argsort on the same sizes) are measured in the same run, so the
ratios are comparable on a noisy machine. No timed assertions.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from citymodel import Framework
from citymodel.build import build, compute
from citymodel.datasets.synthetic import make_cities
from citymodel.spec import IndexSpec

pytest.importorskip("pytest_benchmark")

SMOKE = os.environ.get("CITYMODEL_BENCH_SMOKE", "") not in ("", "0")
N_CITIES = 1_000 if SMOKE else 10_000
FW = Framework.from_tree({"INDEX": {f"P{p}": [f"P{p}_x{j:02d}" for j in range(10)] for p in range(1, 5)}})
SPEC = IndexSpec.from_dict({"normalise": {"method": "minmax", "range": [1, 100]},
                            "weights": {"method": "entropy"}, "aggregate": {"method": "geometric"}})


@pytest.fixture(scope="module")
def panel():
    return make_cities(N_CITIES, FW, seed=0)


def test_bench_build_entropy_geometric(benchmark, panel):
    ds = benchmark(build, panel, FW, SPEC)
    assert ds.sizes["city"] == N_CITIES and np.isfinite(ds.score).all()


def test_bench_compute_core_entropy_geometric(benchmark, panel):
    X = np.asarray(panel.values)
    cities = [str(c) for c in panel.city.values]
    res = benchmark(compute, X, FW, SPEC, cities=cities)
    assert res.scores.shape == (N_CITIES, 45)


def test_bench_floor_normalise_gemm_argsort(benchmark, panel):
    X = np.asarray(panel.values)
    w = np.full(40, 1 / 40)

    def floor():
        mn, mx = X.min(0), X.max(0)
        N = (X - mn) / (mx - mn) * 99 + 1
        s = np.exp(np.log(N) @ w)
        return np.argsort(-s)

    benchmark(floor)
