"""Benchmark of the synthetic generator: ``make_cities`` for 10,000 cities x 40 indicators.

Run with ``pytest benchmarks/test_bench_synthetic.py`` (needs pytest-benchmark). Set
``CITYMODEL_BENCH_SMOKE=1`` for a quick smoke size (1,000 cities). No timed assertions:
the timings are reported by pytest-benchmark only.
"""

from __future__ import annotations

import os

import pytest

from citymodel import Framework
from citymodel.datasets.synthetic import make_cities

pytest.importorskip("pytest_benchmark")

SMOKE = os.environ.get("CITYMODEL_BENCH_SMOKE", "") not in ("", "0")
N_CITIES = 1_000 if SMOKE else 10_000
#: 4 pillars x 10 indicators
FRAMEWORK_40 = Framework.from_tree(
    {"INDEX": {f"P{p}": [f"P{p}_x{j:02d}" for j in range(10)] for p in range(1, 5)}}
)


def test_bench_make_cities_40_indicators(benchmark):
    da = benchmark(make_cities, N_CITIES, FRAMEWORK_40, 0)
    assert da.sizes == {"city": N_CITIES, "indicator": 40}
    assert da.attrs["synthetic"] == 1


def test_bench_make_cities_40_indicators_missing_and_outliers(benchmark):
    da = benchmark(make_cities, N_CITIES, FRAMEWORK_40, 0, missing=0.05, outliers=0.01)
    assert da.attrs["n_missing"] == round(0.05 * N_CITIES * 40)
