"""Tests for citymodel.uncertainty.sobol (Sobol' indices, METHODS.md §8.3, tests S1-S3)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from SALib.analyze import sobol as salib_analyze

import citymodel.uncertainty.sobol as sobol_mod
from citymodel.errors import DataError, SpecError
from citymodel.uncertainty import convergence, saltelli_design, sobol_indices

# ---------------------------------------------------------------------------------------------
# reference models and their analytic indices (METHODS.md §8.3)
# ---------------------------------------------------------------------------------------------
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])
ISHIGAMI_S13 = 0.2437
G_A = np.array([0, 1, 4.5, 9, 99, 99, 99, 99])
G_S1 = np.array([0.71619, 0.17905, 0.023676, 0.0071619] + [7.16e-5] * 4)
G_ST = np.array([0.78714, 0.24220, 0.034317, 0.010460] + [1.049e-4] * 4)


def ishigami(u, a=7.0, b=0.1):
    x = -np.pi + 2 * np.pi * u
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def g_function(u, a=G_A):
    return np.prod((np.abs(4 * u - 2) + a) / (1 + a), axis=1)


def test_published_analytic_values_follow_from_the_formulas():
    """The tabulated values in METHODS.md agree with their closed forms (to printed dp)."""
    a, b = 7.0, 0.1
    V = a**2 / 8 + b * np.pi**4 / 5 + b**2 * np.pi**8 / 18 + 0.5
    V1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    V13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    assert V == pytest.approx(13.8446, abs=5e-5)
    assert np.allclose([V1 / V, a**2 / 8 / V, 0], ISHIGAMI_S1, atol=5e-5)
    assert np.allclose([(V1 + V13) / V, a**2 / 8 / V, V13 / V], ISHIGAMI_ST, atol=5e-5)
    Vi = 1 / (3 * (1 + G_A) ** 2)
    VG = np.prod(1 + Vi) - 1
    assert VG == pytest.approx(0.46542, abs=5e-6)
    assert np.allclose(Vi / VG, G_S1, rtol=1e-3)
    assert np.allclose(Vi * np.prod(1 + Vi) / (1 + Vi) / VG, G_ST, rtol=1e-3)


# ---------------------------------------------------------------------------------------------
# SALib parity
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("second_order", [False, True])
def test_indices_equal_SALib_analyze_for_each_of_50_outputs(second_order):
    d, N, R = 4, 256, 200
    des = saltelli_design(N, d, seed=5, second_order=second_order)
    rng = np.random.default_rng(0)
    X = des.X
    Y = (X @ rng.normal(size=(d, 50)) + np.sin(3 * X[:, [0]]) * X[:, [1]] ** 2
         * rng.normal(size=50) + X[:, [2]] * X[:, [3]] * 4 + 5.0)
    res = sobol_indices(Y, des, bootstrap=R, seed=11)
    problem = {"num_vars": d, "names": list("abcd"), "bounds": [[0, 1]] * d}
    for k in range(50):
        ref = salib_analyze.analyze(problem, Y[:, k], calc_second_order=second_order,
                                    num_resamples=R, seed=11, print_to_console=False)
        np.testing.assert_allclose(res.S1[:, k], ref["S1"], rtol=0, atol=1e-10)
        np.testing.assert_allclose(res.ST[:, k], ref["ST"], rtol=0, atol=1e-10)
        # same resampling indices as SALib for the same integer seed -> same CIs
        np.testing.assert_allclose(res.S1_conf[:, k], ref["S1_conf"], rtol=0, atol=1e-10)
        np.testing.assert_allclose(res.ST_conf[:, k], ref["ST_conf"], rtol=0, atol=1e-10)
        if second_order:
            np.testing.assert_allclose(res.S2[:, :, k], ref["S2"], rtol=0, atol=1e-10)
            np.testing.assert_allclose(res.S2_conf[:, :, k], ref["S2_conf"], rtol=0, atol=1e-10)
    assert res.S1.shape == (d, 50) and not res.constant.any()


def test_centre_standardisation_equals_scipy_sobol_indices():
    des = saltelli_design(128, 3, seed=1, layout="blocks")
    X = des.X
    Y = np.stack([X[:, 0] + 3 * X[:, 1] * X[:, 2] + 5, np.exp(X[:, 2]) + X[:, 0]], axis=1)
    yA, yB, yAB, _ = des.split(Y)
    ref = scipy.stats.sobol_indices(
        func={"f_A": yA.T, "f_B": yB.T, "f_AB": np.moveaxis(yAB, 2, 1)}, n=128
    )
    res = sobol_indices(Y, des, standardise="centre", bootstrap=0)
    np.testing.assert_allclose(res.S1.T, ref.first_order, atol=1e-12)
    np.testing.assert_allclose(res.ST.T, ref.total_order, atol=1e-12)


def test_no_standardisation_is_COINr_SA_estimate_formula():
    """COINr: no centring, V = var(c(yA, yB)) with n - 1, blocks [A; B; AB_1..AB_d]."""
    N, d = 64, 3
    des = saltelli_design(N, d, base="random", layout="blocks", seed=2)
    y = ishigami(des.X) + 20.0
    yA, yB = y[:N], y[N:2 * N]
    yAB = y[2 * N:].reshape(d, N)
    V = np.var(np.r_[yA, yB], ddof=1)
    S1 = np.array([np.mean(yB * (yAB[i] - yA)) / V for i in range(d)])
    ST = np.array([np.mean((yA - yAB[i]) ** 2) / (2 * V) for i in range(d)])
    res = sobol_indices(y, des, standardise="none", bootstrap=0)
    np.testing.assert_allclose(res.S1, S1, atol=1e-13)
    np.testing.assert_allclose(res.ST, ST, atol=1e-13)
    # centring changes S1, not ST
    res_s = sobol_indices(y, des, standardise="salib", bootstrap=0)
    assert not np.allclose(res_s.S1, res.S1, atol=1e-3)
    np.testing.assert_allclose(res_s.ST * (2 * N - 1) / (2 * N), res.ST, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# published test cases S1 (Ishigami) and S2 (Sobol' G)
# ---------------------------------------------------------------------------------------------
def test_ishigami_indices_match_analytic_values_within_bootstrap_CI():
    des = saltelli_design(2**14, 3, seed=1)
    res = sobol_indices(ishigami(des.X), des, seed=2)
    # 3 x the 95 % half-width is ~6 standard errors; the CIs are also tight enough to matter.
    assert np.all(res.S1_conf < 0.02) and np.all(res.ST_conf < 0.03)
    assert np.all(np.abs(res.S1 - ISHIGAMI_S1) < 3 * res.S1_conf)
    assert np.all(np.abs(res.ST - ISHIGAMI_ST) < 3 * res.ST_conf)
    assert np.allclose(res.S1, ISHIGAMI_S1, atol=0.02)
    assert np.allclose(res.ST, ISHIGAMI_ST, atol=0.02)


def test_ishigami_second_order_S13_matches_analytic_value():
    des = saltelli_design(2**14, 3, seed=3, second_order=True)
    res = sobol_indices(ishigami(des.X), des, bootstrap=300, seed=4)
    # the Saltelli (2002) S2 estimator is noisy (95 % half-width ~0.025 here), so check both
    # 3 x CI and the absolute 0.02 (SALib's own regression test uses atol 0.05 for S2_13).
    assert res.S2_conf[0, 2] < 0.04
    for (i, j), true in {(0, 2): ISHIGAMI_S13, (0, 1): 0.0, (1, 2): 0.0}.items():
        assert abs(res.S2[i, j] - true) < 3 * res.S2_conf[i, j]
        assert abs(res.S2[i, j] - true) < 0.02
    assert np.isnan(res.S2[2, 0]) and np.isnan(res.S2[1, 1])  # only i < j, as SALib


@pytest.mark.parametrize("estimator", ["saltelli2010", "jansen"])
def test_sobol_G_function_matches_analytic_values_within_bootstrap_CI(estimator):
    des = saltelli_design(2**14, 8, seed=3)
    res = sobol_indices(g_function(des.X), des, estimator=estimator, bootstrap=500, seed=2)
    assert np.all(np.abs(res.S1 - G_S1) < np.maximum(3 * res.S1_conf, 1e-4))
    assert np.all(np.abs(res.ST - G_ST) < np.maximum(3 * res.ST_conf, 1e-4))
    assert np.allclose(res.S1, G_S1, atol=0.02) and np.allclose(res.ST, G_ST, atol=0.02)


# ---------------------------------------------------------------------------------------------
# COINr invariants (test S3) and what holds exactly
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("standardise", ["salib", "centre", "none"])
def test_additive_model_unused_factor_is_exactly_zero_and_indices_are_consistent(standardise):
    des = saltelli_design(1024, 3, seed=8)
    y = des.X[:, 0] + 10 * des.X[:, 1]  # y = X1 + 10 X2, X3 unused (COINr test-sensitivity.R)
    res = sobol_indices(y, des, standardise=standardise, bootstrap=200, seed=1)
    assert res.S1[2] == 0.0 and res.ST[2] == 0.0  # exact: y_AB3 == y_A bit for bit
    assert res.S1.sum() <= 1 + 0.02
    assert np.all(res.ST >= res.S1 - 0.02)
    np.testing.assert_allclose(res.ST, [1 / 101, 100 / 101, 0], atol=0.01)
    np.testing.assert_allclose(res.S1, [1 / 101, 100 / 101, 0], atol=0.02)


def test_identical_alternatives_give_exactly_zero_S_and_ST():
    """A discrete factor whose alternatives give identical outputs has S = ST = 0 exactly."""
    des = saltelli_design(256, 3, seed=4)
    u = des.X
    choice = np.minimum((u[:, 2] * 3).astype(int), 2)  # three 'alternatives'...
    alternatives = np.stack([u[:, 0] ** 2 + u[:, 1]] * 3, axis=1)  # ...that are identical
    y = alternatives[np.arange(len(u)), choice] * np.exp(u[:, 1])
    for estimator in ("saltelli2010", "jansen"):
        res = sobol_indices(y, des, estimator=estimator, bootstrap=0)
        assert res.ST[2] == 0.0
    res = sobol_indices(y, des, bootstrap=100, seed=0)
    assert res.S1[2] == 0.0 and res.S1_conf[2] == 0.0 and res.ST_conf[2] == 0.0


def test_jansen_first_order_of_unused_factor_is_only_approximately_zero():
    des = saltelli_design(1024, 3, seed=8)
    y = des.X[:, 0] + 10 * des.X[:, 1]
    res = sobol_indices(y, des, estimator="jansen", bootstrap=0)
    assert res.ST[2] == 0.0
    assert abs(res.S1[2]) < 0.02


# ---------------------------------------------------------------------------------------------
# vectorisation, chunking and the bootstrap machinery
# ---------------------------------------------------------------------------------------------
def _multi_output(des):
    X = des.X
    base = np.stack([ishigami(X), X[:, 0] * X[:, 1], np.exp(X[:, 2]) - X[:, 1]], axis=1)
    w = np.linspace(0.5, 2.0, 4)
    return base[:, :, None] * w + base[:, ::-1, None] ** 2  # (runs, 3, 4)


@pytest.mark.parametrize("method", ["salib", "percentile", "coinr"])
def test_vectorised_over_outputs_equals_looping_over_outputs(method):
    des = saltelli_design(128, 3, seed=9, second_order=True)
    Y = _multi_output(des)
    res = sobol_indices(Y, des, bootstrap=100, seed=3, bootstrap_method=method)
    assert res.S1.shape == (3, 3, 4) and res.S2.shape == (3, 3, 3, 4)
    for a in range(3):
        for b in range(4):
            one = sobol_indices(Y[:, a, b], des, bootstrap=100, seed=3, bootstrap_method=method)
            for f in ("S1", "ST", "S1_conf", "ST_conf", "S1_lo", "S1_hi", "ST_hi", "S2",
                      "S2_conf"):
                np.testing.assert_allclose(getattr(res, f)[..., a, b], getattr(one, f),
                                           rtol=1e-12, atol=1e-12, err_msg=f)


def _manual_bootstrap(y, des, R, seed, fix_V):
    """Straightforward index-based bootstrap of S1 (Saltelli 2010) on SALib-standardised y."""
    y = (y - y.mean()) / y.std()
    yA, yB, yAB, _ = des.split(y)
    r = np.random.default_rng(seed).integers(des.N, size=(des.N, R))
    V = np.var(np.r_[yA, yB])
    out = np.empty((R, des.d))
    for b in range(R):
        i = r[:, b]
        Vb = V if fix_V else np.var(np.r_[yA[i], yB[i]])
        out[b] = [np.mean(yB[i] * (yAB[j, i] - yA[i])) / Vb for j in range(des.d)]
    return out


@pytest.mark.parametrize("method", ["percentile", "coinr"])
def test_percentile_and_coinr_intervals_equal_index_based_bootstrap(method):
    des = saltelli_design(64, 3, seed=2)
    y = ishigami(des.X)
    res = sobol_indices(y, des, bootstrap=200, seed=7, bootstrap_method=method, conf=0.9)
    boot = _manual_bootstrap(y, des, 200, 7, fix_V=method == "coinr")
    lo, hi = np.percentile(boot, [5, 95], axis=0)  # COINr: 5 % and 95 % quantiles
    np.testing.assert_allclose(res.S1_lo, lo, atol=1e-12)
    np.testing.assert_allclose(res.S1_hi, hi, atol=1e-12)
    np.testing.assert_allclose(res.S1_conf, (hi - lo) / 2, atol=1e-12)


def test_bootstrap_chunking_and_large_problem_draws_do_not_change_point_estimates(monkeypatch):
    des = saltelli_design(128, 3, seed=9)
    Y = _multi_output(des)
    ref = sobol_indices(Y, des, bootstrap=60, seed=1)
    monkeypatch.setattr(sobol_mod, "_CHUNK_BYTES", 1)  # one replicate per chunk
    small = sobol_indices(Y, des, bootstrap=60, seed=1)
    for f in ("S1", "ST", "S1_conf", "ST_conf"):
        np.testing.assert_allclose(getattr(small, f), getattr(ref, f), atol=1e-12)
    monkeypatch.setattr(sobol_mod, "_SALIB_DRAW_MAX", 1000)  # replicate-blocked draws
    blocked = sobol_indices(Y, des, bootstrap=60, seed=1)
    np.testing.assert_array_equal(blocked.S1, ref.S1)
    assert np.all(np.isfinite(blocked.S1_conf))
    assert np.allclose(blocked.S1_conf, ref.S1_conf, rtol=0.5)  # another resample, same scale


def test_bootstrap_is_reproducible_by_seed():
    des = saltelli_design(64, 2, seed=0)
    y = des.X[:, 0] + des.X[:, 1] ** 3
    a = sobol_indices(y, des, bootstrap=50, seed=4)
    b = sobol_indices(y, des, bootstrap=50, seed=np.random.default_rng(4))
    c = sobol_indices(y, des, bootstrap=50, seed=5)
    np.testing.assert_array_equal(a.S1_conf, b.S1_conf)
    assert not np.array_equal(a.S1_conf, c.S1_conf)
    none = sobol_indices(y, des, bootstrap=0)
    assert np.all(np.isnan(none.S1_conf)) and np.array_equal(none.S1, a.S1)


# ---------------------------------------------------------------------------------------------
# invariants (hypothesis)
# ---------------------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(
    coef=st.lists(st.floats(-5, 5, allow_nan=False), min_size=2, max_size=4),
    scale=st.floats(0.01, 100),
    shift=st.floats(-1000, 1000),
)
def test_salib_standardised_indices_are_affine_invariant_and_ST_is_shift_invariant(
    coef, scale, shift
):
    d = len(coef)
    des = saltelli_design(64, d, seed=1)
    y = des.X @ np.array(coef) + np.sin(4 * des.X[:, 0]) * des.X[:, -1]
    base = sobol_indices(y, des, bootstrap=0)
    moved = sobol_indices(scale * y + shift, des, bootstrap=0)
    np.testing.assert_allclose(moved.S1, base.S1, atol=1e-8)
    np.testing.assert_allclose(moved.ST, base.ST, atol=1e-8)
    raw = sobol_indices(y, des, standardise="none", bootstrap=0)
    raw_moved = sobol_indices(scale * y + shift, des, standardise="none", bootstrap=0)
    np.testing.assert_allclose(raw_moved.ST, raw.ST, atol=1e-8)
    assert np.all(base.ST >= 0)


@settings(max_examples=20, deadline=None)
@given(unused=st.integers(0, 3), seed=st.integers(0, 1000))
def test_any_factor_the_model_ignores_gets_exactly_zero(unused, seed):
    des = saltelli_design(32, 4, seed=seed)
    X = des.X.copy()
    X[:, unused] = 0.0  # model never reads this column
    y = np.exp(X.sum(axis=1)) * (1 + X[:, (unused + 1) % 4])
    res = sobol_indices(y, des, bootstrap=0)
    assert res.S1[unused] == 0.0 and res.ST[unused] == 0.0


# ---------------------------------------------------------------------------------------------
# constant outputs and flags
# ---------------------------------------------------------------------------------------------
def test_constant_output_gives_nan_and_is_flagged():
    des = saltelli_design(64, 3, seed=0)
    Y = np.stack([ishigami(des.X), np.full(des.runs, 7.0)], axis=1)  # city 2's rank never moves
    res = sobol_indices(Y, des, bootstrap=50, seed=0)
    assert np.all(np.isnan(res.S1[:, 1])) and np.all(np.isnan(res.ST_conf[:, 1]))
    assert np.all(np.isfinite(res.S1[:, 0]))
    assert res.constant.tolist() == [False, True]
    fl = res.flags()
    row = fl[fl.issue == "constant_output"]
    assert row.output.tolist() == [1] and "nan" in row.detail.iloc[0]
    assert any("constant" in n for n in res.notes)
    zero = sobol_indices(Y, des, bootstrap=50, seed=0, constant_output="zero")
    assert np.all(zero.S1[:, 1] == 0) and np.all(zero.ST[:, 1] == 0)
    assert any("SALib's convention" in n for n in zero.notes)


def test_rank_output_that_rarely_changes_reports_degenerate_resamples():
    des = saltelli_design(16, 2, seed=0)
    y = np.ones(des.runs)
    yA_rows = des.rows("A")
    y[yA_rows[3]] = 2.0  # the rank changes in a single base point
    res = sobol_indices(y, des, bootstrap=200, seed=0)
    assert not res.constant and res.degenerate_resamples > 0
    assert "degenerate_resamples" in set(res.flags().issue)


def test_flags_list_negative_and_unstable_estimates_with_labels():
    des = saltelli_design(8, 3, seed=1, base="random")
    rng = np.random.default_rng(0)
    Y = rng.normal(size=(des.runs, 5))  # pure noise: unstable indices
    res = sobol_indices(Y, des, bootstrap=100, seed=0)
    fl = res.flags(output_coords={"city": list("abcde")})
    assert set(fl.columns) == {"output", "factor", "issue", "value", "detail"}
    assert "wide_CI" in set(fl.issue)
    assert set(fl.output.dropna()) <= set("abcde")
    # a clean, well-resolved result has no flags
    des2 = saltelli_design(1024, 3, seed=8)
    clean = sobol_indices(des2.X[:, 0] + 10 * des2.X[:, 1], des2, bootstrap=200, seed=1)
    assert clean.flags().empty


def test_flags_negative_S1_beyond_its_CI_and_ST_below_S1():
    des = saltelli_design(64, 2, seed=0)
    res = sobol_indices(des.X[:, 0] + des.X[:, 1] ** 2, des, bootstrap=0)
    assert res.flags().empty
    res.S1[1] = -0.5  # pretend the estimator went badly negative
    res.ST[0] = res.S1[0] - 0.1  # and that ST fell below S1
    fl = res.flags()
    assert set(zip(fl.issue, fl.factor, strict=True)) == {("negative_S1", "x2"), ("ST_below_S1", "x1")}


# ---------------------------------------------------------------------------------------------
# xarray output and convergence
# ---------------------------------------------------------------------------------------------
def test_to_xarray_has_factor_and_output_dims_with_labels():
    des = saltelli_design(64, 3, seed=0, names=["norm", "weight", "agg"], second_order=True)
    Y = _multi_output(des)
    res = sobol_indices(Y, des, bootstrap=20, seed=0)
    ds = res.to_xarray(output_coords={"city": ["a", "b", "c"], "scenario_set": None})
    assert isinstance(ds, xr.Dataset)
    assert ds["S1"].dims == ("factor", "city", "scenario_set")
    assert ds["S2"].dims == ("factor", "factor_2", "city", "scenario_set")
    assert ds["factor"].values.tolist() == ["norm", "weight", "agg"]
    assert ds["city"].values.tolist() == ["a", "b", "c"]
    assert ds.attrs["N"] == 64 and ds.attrs["estimator"] == "saltelli2010"
    np.testing.assert_array_equal(ds["ST"].sel(factor="agg", city="b").values, res.ST[2, 1])
    assert res.to_xarray()["S1"].dims == ("factor", "output_0", "output_1")
    scalar = sobol_indices(Y[:, 0, 0], des, bootstrap=0).to_xarray(["p", "q", "r"])
    assert scalar["S1"].dims == ("factor",) and scalar["factor"].values.tolist() == ["p", "q", "r"]


def test_convergence_stacks_indices_over_doubling_N_and_ends_at_full_result():
    des = saltelli_design(256, 3, seed=0)
    Y = np.stack([ishigami(des.X), des.X[:, 0]], axis=1)
    ds = convergence(Y, des, bootstrap=50, seed=1, output_coords={"city": ["x", "y"]})
    assert ds["N"].values.tolist() == [8, 16, 32, 64, 128, 256]
    assert ds["S1"].dims == ("N", "factor", "city")
    full = sobol_indices(Y, des, bootstrap=50, seed=1)
    np.testing.assert_allclose(ds["S1"].sel(N=256).values, full.S1, atol=1e-12)
    np.testing.assert_allclose(ds["ST_conf"].sel(N=256).values, full.ST_conf, atol=1e-12)
    # the error at the largest N is smaller than at the smallest for the Ishigami output
    err = np.abs(ds["ST"].sel(city="x") - xr.DataArray(ISHIGAMI_ST, dims="factor")).max("factor")
    assert float(err.sel(N=256)) < float(err.sel(N=8))
    sub = convergence(Y, des, Ns=[32, 16], bootstrap=0)
    assert sub["N"].values.tolist() == [16, 32]


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small():
    des = saltelli_design(8, 2, seed=0)
    return des, des.X[:, 0] + des.X[:, 1]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(estimator="sobol1993"), "valid Sobol estimators are: jansen, saltelli2010"),
        (dict(standardise="z"), "valid standardisations are: centre, none, salib"),
        (dict(bootstrap_method="bca"), "valid bootstrap methods are: coinr, percentile, salib"),
        (dict(constant_output="drop"), "valid constant_output options are: nan, zero"),
        (dict(bootstrap=1), "bootstrap must be 0 .* or an integer >= 2"),
        (dict(bootstrap=-5), "bootstrap must be 0"),
        (dict(bootstrap=2.5), "bootstrap must be 0"),
        (dict(conf=1.0), "conf must be in \\(0, 1\\)"),
        (dict(conf="high"), "conf must be a number"),
        (dict(second_order=True), "saltelli_design\\(..., second_order=True\\)"),
        (dict(names=["a"]), "1 factor names given for d = 2"),
    ],
)
def test_sobol_indices_rejects_bad_options_with_SpecError(small, kwargs, match):
    des, y = small
    with pytest.raises(SpecError, match=match):
        sobol_indices(y, des, **kwargs)


def test_sobol_indices_rejects_bad_outputs_with_DataError(small):
    des, y = small
    with pytest.raises(DataError, match="31 rows but the Saltelli design has 32 runs"):
        sobol_indices(y[:31], des)
    Y = np.stack([y, y], axis=1)
    Y[5, 1] = np.nan
    with pytest.raises(DataError, match="NaN/Inf at run 5, output \\(1,\\)"):
        sobol_indices(Y, des)
    with pytest.raises(DataError, match="must be numeric"):
        sobol_indices(np.array(["a"] * des.runs), des)
    with pytest.raises(SpecError, match="design must be a SaltelliDesign"):
        sobol_indices(y, des.X)


def test_to_xarray_and_convergence_reject_mismatched_labels(small):
    des, y = small
    res = sobol_indices(np.stack([y, y * y], 1), des, bootstrap=0)
    with pytest.raises(SpecError, match="has 3 labels but that output dimension has length 2"):
        res.to_xarray(output_coords={"city": ["a", "b", "c"]})
    with pytest.raises(SpecError, match="give one entry per output dimension"):
        res.to_xarray(output_coords=["city", "year"])
    with pytest.raises(SpecError, match="3 factor names given for 2 factors"):
        res.to_xarray(["a", "b", "c"])
    with pytest.raises(SpecError, match="Ns must lie between 2 and the design's N = 8"):
        convergence(y, des, Ns=[4, 16])
