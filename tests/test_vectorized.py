"""The vectorised engine gives the reference engine's answers (identical ranks, scores to 1e-12)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citymodel import Framework
from citymodel.datasets.synthetic import make_cities
from citymodel.uncertainty.engine import run_sensitivity, run_uncertainty
from citymodel.uncertainty.space import Bootstrap, Choice, Exclusion, ScenarioSpace, WeightNoise

NORMS = [{"method": "minmax", "range": [1, 100]}, {"method": "percentile"}, {"method": "rank"},
         {"method": "zscore", "mean": 10, "sd": 2}]
WEIGHTS = ["meta", "equal", "entropy", "critic", "cv", "pca"]
AGGS = ["arithmetic", "geometric", "harmonic", {"method": "generalised", "p": 2}]


def assert_same(a, b):
    ra, rb = a.runs, b.runs
    np.testing.assert_array_equal(ra["rank"].values, rb["rank"].values)
    np.testing.assert_array_equal(ra["failure"].values, rb["failure"].values)
    # scores agree to rounding: within 1e-12 of each scenario's largest |score| (the engines may
    # sum in different orders; ranks stay identical because near-ties are re-evaluated exactly)
    sa, sb = ra.score.values, rb.score.values
    np.testing.assert_array_equal(np.isfinite(sa), np.isfinite(sb))
    scale = np.nanmax(np.abs(sa), axis=1, keepdims=True, initial=0.0)
    assert np.all(np.abs(np.nan_to_num(sa - sb)) <= 1e-12 * scale)
    if "tier_code" in ra:
        np.testing.assert_array_equal(ra.tier_code.values, rb.tier_code.values)
    rank_stats = [v for v in a.stats.data_vars if not v.startswith("score_")]
    xr.testing.assert_allclose(a.stats[rank_stats], b.stats[rank_stats], rtol=1e-12)
    xr.testing.assert_allclose(a.stats[["score_mean", "score_sd"]], b.stats[["score_mean", "score_sd"]],
                               rtol=1e-12, atol=1e-12 * float(np.nanmax(np.abs(sa), initial=1.0)))


@st.composite
def cases(draw):
    n_pillars = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 3)) for _ in range(n_pillars)]
    fw = Framework.from_tree({"I": {f"P{p}": [f"x{p}{j}" for j in range(k)] for p, k in enumerate(sizes)}})
    n = draw(st.integers(8, 20))
    da = make_cities(n, fw, seed=draw(st.integers(0, 1000)), missing=draw(st.sampled_from([0.0, 0.05])))
    if draw(st.booleans()):  # ties: duplicate some cities' data
        da.values[1] = da.values[0]
    factors = [Choice("norm", "normalise", draw(st.lists(st.sampled_from(NORMS), min_size=2, max_size=3,
                                                         unique_by=repr))),
               Choice("w", "weights", draw(st.lists(st.sampled_from(WEIGHTS), min_size=2, max_size=3, unique=True))),
               Choice("agg", "aggregate", draw(st.lists(st.sampled_from(AGGS), min_size=2, max_size=3,
                                                        unique_by=repr)))]
    if draw(st.booleans()):
        factors.append(WeightNoise("noise", level=2, replicates=7))
        if not any(a == "meta" for a in factors[1].alternatives):
            factors[1] = Choice("w", "weights", ["meta", *factors[1].alternatives[:2]])
    if draw(st.booleans()) and len(fw.indicators) > 1:
        factors.append(Exclusion())
    if draw(st.booleans()):
        factors.append(Bootstrap(replicates=5))
    ties = draw(st.sampled_from(["min", "average", "max", "dense", "ordinal"]))
    spec = {"impute": {"method": "mean"}, "rank": {"ties": ties},
            "tiers": draw(st.sampled_from([{"method": "none"}, {"method": "quantile", "k": 3},
                                           {"method": "rank_bands", "cutoffs": [2, 5]}]))}
    return da, fw, ScenarioSpace(factors, seed=draw(st.integers(0, 99))), spec


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases(), st.integers(0, 2**16))
def test_vectorised_equals_reference_on_random_frameworks_methods_ties_and_gaps(case, seed):
    da, fw, space, spec = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = run_uncertainty(da, fw, space, 24, spec=spec, seed=seed, engine="reference", sampler="mc")
        vec = run_uncertainty(da, fw, space, 24, spec=spec, seed=seed, engine="vectorized", sampler="mc")
        lean = run_uncertainty(da, fw, space, 24, spec=spec, seed=seed, engine="vectorized", sampler="mc",
                               keep="stats", chunk=7)
    assert np.isfinite(ref.runs.score.values).any()  # not a comparison of failures only
    assert_same(ref, vec)
    # keep="stats" takes tie-free rows as sort orders (never a rank matrix): same rank statistics
    rank_stats = [v for v in vec.stats.data_vars if not v.startswith("score_")]
    xr.testing.assert_equal(vec.stats[rank_stats], lean.stats[rank_stats])
    scale = float(np.nanmax(np.abs(vec.runs.score.values), initial=1.0))  # sums in another order
    xr.testing.assert_allclose(vec.stats, lean.stats.drop_vars("failure"), rtol=1e-12, atol=1e-12 * scale)


def test_chunked_equals_unchunked():
    fw = Framework.from_tree({"I": {"P": ["a", "b", "c"], "Q": ["d", "e"]}})
    da = make_cities(30, fw, seed=2)
    space = ScenarioSpace([Choice("norm", "normalise", NORMS[:2]), Choice("w", "weights", ["meta", "entropy"]),
                           WeightNoise("noise", level=1, replicates=9), Bootstrap(replicates=6)])
    whole = run_uncertainty(da, fw, space, 64, seed=3, chunk=64)
    parts = run_uncertainty(da, fw, space, 64, seed=3, chunk=7)
    xr.testing.assert_identical(whole.runs, parts.runs)
    xr.testing.assert_allclose(whole.stats, parts.stats, rtol=1e-12)
    lean = run_uncertainty(da, fw, space, 64, seed=3, chunk=5, keep="stats")
    xr.testing.assert_allclose(whole.stats, lean.stats.drop_vars("failure"), rtol=1e-12)


def test_sensitivity_indices_identical_across_engines():
    fw = Framework.from_tree({"I": {"P": ["a", "b", "c"], "Q": ["d", "e"]}})
    da = make_cities(25, fw, seed=4)
    space = ScenarioSpace([Choice("norm", "normalise", NORMS[:2]), Choice("agg", "aggregate", AGGS[:2]),
                           WeightNoise("noise", level=2, replicates=9)])
    a = run_sensitivity(da, fw, space, 16, seed=1, bootstrap=20, engine="reference")
    b = run_sensitivity(da, fw, space, 16, seed=1, bootstrap=20, engine="vectorized")
    xr.testing.assert_allclose(a.indices, b.indices, rtol=1e-10)


def test_unknown_engine_lists_valid_ones():
    fw = Framework.from_tree({"I": {"P": ["a", "b"]}})
    with pytest.raises(ValueError, match="valid engines are: reference, vectorized"):
        run_uncertainty(make_cities(10, fw, seed=0), fw,
                        ScenarioSpace([Choice("n", "normalise", NORMS[:2])]), 8, engine="numba")


def test_chunk_size_follows_the_memory_budget():
    from citymodel.uncertainty.engine import chunk_size, parse_memory

    fw = Framework.from_tree({"I": {"P": ["a", "b", "c"], "Q": ["d", "e"]}})
    assert parse_memory("1GB") == 10**9 and parse_memory("512 MiB") == 512 * 2**20 and parse_memory(1000) == 1000
    small, big = chunk_size(5000, fw, "100MB"), chunk_size(5000, fw, "1GB")
    assert 1 <= small < big and big * 8 * 5000 * (8 + 6 + 8) <= 10**9
    with pytest.raises(ValueError, match="cannot read max_memory"):
        parse_memory("lots")


def test_dask_scheduler_is_bitwise_identical_to_in_memory():
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    fw = Framework.from_tree({"I": {"P": ["a", "b", "c"], "Q": ["d", "e"]}})
    da = make_cities(40, fw, seed=5)
    space = ScenarioSpace([Choice("norm", "normalise", NORMS[:2]), Choice("w", "weights", ["meta", "entropy"]),
                           WeightNoise("noise", level=1, replicates=9), Bootstrap(replicates=6)])
    mem = run_uncertainty(da, fw, space, 64, seed=9, chunk=16)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        dsk = run_uncertainty(da, fw, space, 64, seed=9, chunk=16, scheduler="dask", client=client)
        # keep="stats": workers return chunk statistics, merged in order on the client
        lean_mem = run_uncertainty(da, fw, space, 64, seed=9, chunk=16, keep="stats")
        lean_dsk = run_uncertainty(da, fw, space, 64, seed=9, chunk=16, keep="stats", scheduler="dask",
                                   client=client)
        sa_mem = run_sensitivity(da, fw, space, 8, seed=9, bootstrap=10, chunk=16)
        sa_dsk = run_sensitivity(da, fw, space, 8, seed=9, bootstrap=10, chunk=16, scheduler="dask", client=client)
    xr.testing.assert_identical(mem.runs, dsk.runs)
    xr.testing.assert_identical(mem.stats, dsk.stats)
    xr.testing.assert_identical(lean_mem.stats, lean_dsk.stats)
    xr.testing.assert_identical(sa_mem.indices, sa_dsk.indices)


# ---------------------------------------------------------------------------------------------
# bootstrap entropy weights from count-weighted sums (no resampled copy of the data)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("prenorm", ["minmax", "none"])
@pytest.mark.parametrize("candidates", [8, 1])
def test_count_weighted_bootstrap_entropy_equals_kernel_on_resampled_rows(monkeypatch, prenorm, candidates):
    import citymodel.uncertainty.vectorized as vec
    from citymodel.methods.weights import entropy_weights

    monkeypatch.setattr(vec, "_MIN_CANDIDATES", candidates)  # 1: most resamples miss it -> direct
    rng = np.random.default_rng(0)
    M = 60
    X = np.column_stack([rng.lognormal(size=M) * 30 + 1, rng.random(M), 5 + 0.1 * rng.random(M)])
    boot = rng.integers(0, M, size=(40, M))
    C = vec._counts(boot, M)
    np.testing.assert_array_equal(C.sum(axis=1), M)
    ref = np.stack([entropy_weights(X[b], prenorm=prenorm) for b in boot])
    kids = ["a", "b", "c"]
    leaf = vec._leaf_entropy_counts(X, vec._leaf_entropy_table(X, prenorm, kids), C, kids)
    vals = vec._value_entropy_counts(np.broadcast_to(X.T, (40, 3, M)).copy(), C, prenorm, kids)
    # absolute error in a weight is what moves a score; the third column is nearly uniform, so
    # its weight (~3e-5 with prenorm "none") is ill-conditioned in both computations
    np.testing.assert_allclose(leaf, ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(vals, ref, rtol=1e-12, atol=1e-14)


def test_count_weighted_entropy_raises_on_a_constant_resample():
    import citymodel.uncertainty.vectorized as vec
    from citymodel.errors import DataError

    X = np.array([[1.0, 2.0], [1.0, 5.0], [3.0, 1.0]])
    C = np.array([[2.0, 1.0, 0.0]])  # resample {0, 0, 1}: column a is constant (1, 1, 1)
    with pytest.raises(DataError, match="a is constant"):
        vec._leaf_entropy_counts(X, vec._leaf_entropy_table(X, "minmax", ["a", "b"]), C, ["a", "b"])
    with pytest.raises(DataError, match="a is constant"):
        vec._value_entropy_counts(X.T[None].copy(), C, "minmax", ["a", "b"])
