"""Tests of citymodel.methods.normalise: published Handbook values, invariants, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import citymodel
from citymodel.errors import DataError, FrameworkError, MethodError, SpecError
from citymodel.methods import normalise as nm

DATA = Path(citymodel.__file__).parent / "datasets" / "data"


@pytest.fixture(scope="module")
def tai() -> pd.DataFrame:
    return pd.read_csv(DATA / "tai_2001_23.csv", index_col=0)


@pytest.fixture(scope="module")
def tai_goalposts() -> pd.DataFrame:
    return pd.read_csv(DATA / "tai_goalposts.csv", index_col=0)


# ---------------------------------------------------------------------------------------------
# N1 - Handbook Table 15 (p.87), SCHOOLING column: published values
# ---------------------------------------------------------------------------------------------
# value, rank, z, minmax, x/mean, x/best, x/worst, (x-mean)/mean, (x-worst)/worst, abm, pct, cat
TABLE15 = """
Finland        10.0 15  0.26 0.59 1.04 0.83 1.41  0.04 0.41  0  65.2  60
United States  12.0 23  1.52 1.00 1.25 1.00 1.69  0.25 0.69  1 100.0 100
Sweden         11.4 19  1.14 0.88 1.19 0.95 1.61  0.19 0.61  0  82.6  60
Japan           9.5 12 -0.06 0.49 0.99 0.79 1.34 -0.01 0.34  0  52.2  50
Korea          10.8 17  0.76 0.76 1.13 0.90 1.52  0.13 0.52  0  73.9  60
Netherlands     9.4  9 -0.12 0.47 0.98 0.78 1.32 -0.02 0.32  0  39.1  50
United Kingdom  9.4  9 -0.12 0.47 0.98 0.78 1.32 -0.02 0.32  0  39.1  50
Canada         11.6 20  1.27 0.92 1.21 0.97 1.63  0.21 0.63  1  87.0  80
Australia      10.9 18  0.83 0.78 1.14 0.91 1.54  0.14 0.54  0  78.3  60
Singapore       7.1  1 -1.58 0.00 0.74 0.59 1.00 -0.26 0.00 -1   4.3   0
Germany        10.2 16  0.38 0.63 1.06 0.85 1.44  0.06 0.44  0  69.6  60
Norway         11.9 22  1.46 0.98 1.24 0.99 1.68  0.24 0.68  1  95.7 100
Ireland         9.4  9 -0.12 0.47 0.98 0.78 1.32 -0.02 0.32  0  39.1  50
Belgium         9.3  8 -0.19 0.45 0.97 0.78 1.31 -0.03 0.31  0  34.8  40
New Zealand    11.7 21  1.33 0.94 1.22 0.97 1.65  0.22 0.65  1  91.3  80
Austria         8.4  6 -0.76 0.27 0.88 0.70 1.18 -0.12 0.18  0  26.1  40
France          7.9  5 -1.08 0.16 0.82 0.66 1.11 -0.18 0.11  0  21.7  40
Israel          9.6 14  0.00 0.51 1.00 0.80 1.35  0.00 0.35  0  60.9  50
Spain           7.3  4 -1.46 0.04 0.76 0.61 1.03 -0.24 0.03 -1  17.4  40
Italy           7.2  3 -1.52 0.02 0.75 0.60 1.01 -0.25 0.01 -1  13.0  20
Czech Republic  9.5 12 -0.06 0.49 0.99 0.79 1.34 -0.01 0.34  0  52.2  50
Hungary         9.1  7 -0.31 0.41 0.95 0.76 1.28 -0.05 0.28  0  30.4  40
Slovenia        7.1  1 -1.58 0.00 0.74 0.59 1.00 -0.26 0.00 -1   4.3   0
"""
T15_COLS = ["value", "rank", "z", "minmax", "r_mean", "r_best", "r_worst", "d_mean", "d_worst",
            "abm", "pct", "cat"]


def _table15() -> pd.DataFrame:
    rows = {}
    for line in TABLE15.strip().splitlines():
        parts = line.split()
        name = " ".join(p for p in parts if not p.lstrip("-").replace(".", "").isdigit())
        nums = [float(p) for p in parts if p.lstrip("-").replace(".", "").isdigit()]
        rows[name] = nums
    return pd.DataFrame.from_dict(rows, orient="index", columns=T15_COLS)


T15 = _table15()


def _at_printed_precision(calc, published, dp):
    calc, published = np.asarray(calc, float).ravel(), np.asarray(published, float).ravel()
    assert np.all(np.abs(calc - published) <= 0.5 * 10.0 ** -dp + 1e-9), np.c_[calc, published]


@pytest.fixture(scope="module")
def schooling(tai) -> np.ndarray:
    assert list(tai.index) == list(T15.index)
    np.testing.assert_array_equal(tai["SCHOOLING"].to_numpy(), T15["value"].to_numpy())
    return tai[["SCHOOLING"]].to_numpy()


def test_table15_schooling_mean_and_sd_match_methods_md(schooling):
    assert schooling.mean() == pytest.approx(9.5957, abs=1e-4)
    assert schooling.std(ddof=1) == pytest.approx(1.5770, abs=1e-4)


@pytest.mark.parametrize(
    ("column", "method", "params", "dp"),
    [
        ("rank", "rank", {}, 0),
        ("z", "zscore", {}, 2),
        ("minmax", "minmax", {}, 2),
        ("r_mean", "ratio_to_ref", {"ref": "mean"}, 2),
        ("r_best", "ratio_to_ref", {"ref": "best"}, 2),
        ("r_worst", "ratio_to_ref", {"ref": "worst"}, 2),
        ("d_mean", "diff_to_ref", {"ref": "mean"}, 2),
        ("d_worst", "diff_to_ref", {"ref": "worst"}, 2),
        ("abm", "above_below_mean", {"p": 0.2}, 0),
        ("pct", "percentile", {"definition": "handbook"}, 1),
        ("cat", "categorical", {"bands": (5, 15, 35, 65, 85, 95),
                                "scores": (0, 20, 40, 50, 60, 80, 100)}, 0),
    ],
)
def test_table15_published_column_reproduced_at_printed_precision(schooling, column, method,
                                                                   params, dp):
    out = nm.normalise(schooling, method, **params)
    _at_printed_precision(out, T15[column], dp)


def test_table15_rank_and_abm_are_exact_integers(schooling):
    np.testing.assert_array_equal(nm.rank(schooling).ravel(), T15["rank"])
    np.testing.assert_array_equal(nm.above_below_mean(schooling).ravel(), T15["abm"])


def test_table3_default_categorical_scale_on_table15_percentiles(schooling):
    pct = nm.percentile(schooling).ravel()
    expected = np.select([pct < 15, pct < 25, pct < 65, pct < 85, pct < 95],
                         [0, 20, 40, 60, 80], default=100)
    np.testing.assert_array_equal(nm.categorical(schooling).ravel(), expected)


# ---------------------------------------------------------------------------------------------
# N2 - original TAI with UNDP goalposts
# ---------------------------------------------------------------------------------------------
def test_tai_goalposts_mean_reproduces_published_scores_and_top_five(tai, tai_goalposts):
    gp = tai_goalposts.loc[tai.columns]
    lower = np.array(gp["lower"], dtype=float)  # copies (pandas arrays may be read-only)
    upper = np.array(gp["upper"], dtype=float)
    logged = (gp["transform"] == "log10").to_numpy()
    lower[logged], upper[logged] = np.log10(lower[logged]), np.log10(upper[logged])
    idx = nm.goalposts(tai.to_numpy(), lower, upper, cap=True, indicators=list(tai.columns))
    assert idx.min() >= 0 and idx.max() <= 1
    score = pd.Series(idx.mean(axis=1), index=tai.index)
    assert score["Finland"] == pytest.approx(0.744, abs=1e-3)
    assert score["United States"] == pytest.approx(0.733, abs=1e-3)
    assert score["Finland"] == pytest.approx(0.7449, abs=1e-4)  # derived (METHODS.md)
    assert score["United States"] == pytest.approx(0.7329, abs=1e-4)
    top5 = list(score.sort_values(ascending=False).index[:5])
    assert top5 == ["Finland", "United States", "Sweden", "Japan", "Korea"]


def test_tai_goalposts_cap_matters_for_telephones(tai, tai_goalposts):
    x = tai[["TELEPHONES_log10"]].to_numpy()
    lo, hi = np.log10(1.0), np.log10(901.0)
    uncapped = nm.goalposts(x, [lo], [hi], cap=False)
    assert uncapped.max() > 1  # Finland, Sweden, Norway exceed the upper goalpost
    assert nm.goalposts(x, [lo], [hi]).max() == 1.0


def test_goalposts_scale_multiplies_result():
    x = np.array([[0.0], [5.0], [10.0]])
    np.testing.assert_allclose(nm.goalposts(x, 0, 10, scale=100).ravel(), [0, 50, 100])


def test_apply_direction_reproduces_negative_goalpost_formula():
    rng = np.random.default_rng(1)
    X = rng.uniform(-5, 15, size=(30, 3))
    L, U = np.array([0.0, -2.0, 1.0]), np.array([10.0, 8.0, 12.0])
    d = np.array([1, -1, -1])
    Xd, Ld, Ud = nm.apply_direction(X, d, lower=L, upper=U)
    out = nm.goalposts(Xd, Ld, Ud)
    np.testing.assert_allclose(out[:, 0], np.clip((X[:, 0] - L[0]) / (U[0] - L[0]), 0, 1))
    for j in (1, 2):
        np.testing.assert_allclose(out[:, j], np.clip((U[j] - X[:, j]) / (U[j] - L[j]), 0, 1))
    Xd2, none_l, none_u = nm.apply_direction(X, d)
    np.testing.assert_array_equal(Xd2, X * d)
    assert none_l is None and none_u is None


def test_dist2targ_with_negated_target_gives_coinr_negative_direction_formula():
    x = np.array([[1.0], [4.0], [6.0], [10.0]])
    T = 3.0  # lower is better, target 3
    out = nm.dist2targ(-x, [-T], cap=False).ravel()
    np.testing.assert_allclose(out, (x.max() - x.ravel()) / (x.max() - T))


# ---------------------------------------------------------------------------------------------
# individual methods against their formulas / reference implementations
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ties", ["min", "average", "max", "dense"])
def test_rank_equals_scipy_rankdata_with_ties_and_nan(ties):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 6, size=(4, 40, 3)).astype(float)
    X[rng.random(X.shape) < 0.15] = np.nan
    R = nm.rank(X, ties=ties)
    for s in range(4):
        for j in range(3):
            ref = scipy.stats.rankdata(X[s, :, j], method=ties, nan_policy="omit")
            np.testing.assert_array_equal(R[s, :, j], ref)


def test_percentile_coinr_definition_is_rank_minus_one_over_n_minus_one():
    x = np.array([[3.0], [1.0], [np.nan], [3.0], [2.0]])
    out = nm.percentile(x, definition="coinr").ravel()
    np.testing.assert_allclose(out, [2 / 3, 0, np.nan, 2 / 3, 1 / 3])


def test_percentile_handbook_uses_non_missing_count():
    x = np.array([[3.0], [1.0], [np.nan], [2.0]])
    np.testing.assert_allclose(nm.percentile(x).ravel(), [100, 100 / 3, np.nan, 200 / 3])


def test_categorical_value_basis_uses_value_percentiles():
    rng = np.random.default_rng(3)
    x = rng.lognormal(size=(50, 2))
    out = nm.categorical(x, basis="value")
    for j in range(2):
        thr = np.percentile(x[:, j], [15, 25, 65, 85, 95])
        k = (x[:, j][:, None] >= thr).sum(axis=1)
        np.testing.assert_array_equal(out[:, j], np.array([0, 20, 40, 60, 80, 100])[k])


def test_zscore_target_mean_and_sd_and_ddof():
    x = np.array([[1.0], [2.0], [4.0], [9.0]])
    out = nm.zscore(x, mean=10, sd=2).ravel()
    assert out.mean() == pytest.approx(10)
    assert out.std(ddof=1) == pytest.approx(2)
    out0 = nm.zscore(x, ddof=0).ravel()
    assert out0.std(ddof=0) == pytest.approx(1)


def test_minmax_custom_range_and_per_indicator_bounds():
    x = np.array([[1.0, 5.0], [3.0, 7.0], [2.0, 9.0]])
    np.testing.assert_allclose(nm.minmax(x, 0, 100)[:, 0], [0, 100, 50])
    out = nm.minmax(x, lo=[0, 1], hi=[1, 10])
    np.testing.assert_allclose(out[:, 1], [1, 5.5, 10])


def test_ratio_and_dist2ref_accept_city_index_and_name():
    x = np.array([[2.0], [4.0], [8.0]])
    cities = ["a", "b", "c"]
    np.testing.assert_allclose(nm.ratio_to_ref(x, ref=1).ravel(), [0.5, 1, 2])
    np.testing.assert_allclose(nm.ratio_to_ref(x, ref="b", cities=cities).ravel(), [0.5, 1, 2])
    np.testing.assert_allclose(nm.dist2ref(x, ref="b", cities=cities).ravel(), [0, 1, 1])
    np.testing.assert_allclose(nm.dist2ref(x, ref=1, cap=False).ravel(), [0, 1, 3])
    np.testing.assert_allclose(nm.dist2ref(x, ref="best").ravel(), nm.minmax(x).ravel())


def test_log_transform_bases_and_log_shift_formula():
    x = np.array([[1.0], [10.0], [100.0]])
    np.testing.assert_allclose(nm.log_transform(x, base=10).ravel(), [0, 1, 2])
    np.testing.assert_allclose(nm.log_transform(x, base="2").ravel(), np.log2(x).ravel())
    np.testing.assert_allclose(nm.log_transform(x).ravel(), np.log(x).ravel())
    y = np.array([[-3.0], [0.0], [7.0]])
    np.testing.assert_allclose(nm.log_shift(y).ravel(), np.log(y.ravel() + 3 + 0.1))


def test_boxcox_matches_scipy_per_column_and_fixed_lambda():
    rng = np.random.default_rng(5)
    X = rng.lognormal(size=(25, 2))
    out, lam = nm.boxcox(X, return_lambda=True)
    for j in range(2):
        ref, ref_lam = scipy.stats.boxcox(X[:, j])
        np.testing.assert_allclose(out[:, j], ref)
        assert lam[j] == pytest.approx(ref_lam)
    np.testing.assert_allclose(nm.boxcox(X, lmbda=0.0), np.log(X))
    np.testing.assert_allclose(nm.boxcox(X, lmbda=[0.5, 2.0])[:, 1], (X[:, 1] ** 2 - 1) / 2)


def test_boxcox_batched_with_nan_fits_each_slice_on_non_missing():
    rng = np.random.default_rng(6)
    X = rng.lognormal(size=(2, 12, 1))
    X[1, 3, 0] = np.nan
    out = nm.boxcox(X)
    assert np.isnan(out[1, 3, 0])
    ok = ~np.isnan(X[1, :, 0])
    np.testing.assert_allclose(out[1, ok, 0], scipy.stats.boxcox(X[1, ok, 0])[0])


def test_normalise_dispatcher_equals_direct_call_and_registry_is_complete():
    x = np.array([[1.0], [2.0], [5.0]])
    np.testing.assert_array_equal(nm.normalise(x, "zscore", ddof=0), nm.zscore(x, ddof=0))
    assert set(nm.NORMALISERS) == {"minmax", "zscore", "rank", "percentile", "goalposts",
                                   "ratio_to_ref", "diff_to_ref", "dist2ref", "dist2targ",
                                   "above_below_mean", "categorical"}
    assert set(nm.TRANSFORMS) == {"log", "log_shift", "boxcox"}


# ---------------------------------------------------------------------------------------------
# invariants (hypothesis)
# ---------------------------------------------------------------------------------------------
int_data = hnp.arrays(np.float64, st.tuples(st.integers(2, 12), st.integers(1, 3)),
                      elements=st.integers(-1000, 1000).map(float))


@settings(max_examples=60, deadline=None)
@given(X=int_data, transform=st.sampled_from(["exp", "cube", "affine"]),
       ties=st.sampled_from(["min", "average", "max", "dense"]))
def test_rank_invariant_under_strictly_increasing_transforms(X, transform, ties):
    f = {"exp": lambda v: np.exp(v / 100.0), "cube": lambda v: v**3,
         "affine": lambda v: 2.5 * v + 7.0}[transform]
    np.testing.assert_array_equal(nm.rank(f(X), ties=ties), nm.rank(X, ties=ties))


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=100, deadline=None)
@given(X=hnp.arrays(np.float64, st.tuples(st.integers(2, 10), st.integers(1, 3)),
                    elements=finite),
       lo=st.floats(-1e300, 1e300), span=st.floats(1e-300, 1e300))
def test_minmax_output_lies_in_lo_hi_for_arbitrary_ranges(X, lo, span):
    hi = lo + span
    assume(hi > lo)
    assume(np.all(X.max(axis=0) > X.min(axis=0)))
    out = nm.minmax(X, lo, hi)
    assert np.all(np.isfinite(out))
    assert np.all(out >= lo) and np.all(out <= hi)
    assert np.all(out.min(axis=0) == lo)


KERNELS = [
    ("minmax", {}), ("zscore", {}), ("rank", {"ties": "average"}), ("percentile", {}),
    ("percentile", {"definition": "coinr"}), ("goalposts", {"lower": -50.0, "upper": 60.0}),
    ("dist2ref", {"ref": "mean"}), ("dist2targ", {"target": 200.0}), ("categorical", {}),
    ("categorical", {"basis": "value"}),
]
@st.composite
def batched(draw):
    """(scenario, city, indicator) data with NaN; every column keeps >= 3 distinct values."""
    s, n, q = draw(st.integers(1, 3)), draw(st.integers(4, 9)), draw(st.integers(1, 3))
    X = draw(hnp.arrays(np.float64, (s, n, q), elements=st.floats(-100, 100)))
    nan = draw(hnp.arrays(np.bool_, (s, n, q)))
    perm = draw(st.permutations(range(n)))
    X[..., perm[0], :], X[..., perm[1], :], X[..., perm[2], :] = -150.0, 150.0, 0.0
    nan[..., list(perm[:3]), :] = False
    X[nan] = np.nan
    return X


@settings(max_examples=60, deadline=None)
@given(X=batched(), which=st.sampled_from(range(len(KERNELS))))
def test_batched_equals_per_slice_and_nan_positions_preserved(X, which):
    method, params = KERNELS[which]
    out = nm.normalise(X, method, **params)
    assert out.shape == X.shape
    np.testing.assert_array_equal(np.isnan(out), np.isnan(X))
    for s in range(X.shape[0]):
        np.testing.assert_allclose(out[s], nm.normalise(X[s], method, **params), rtol=1e-12,
                                   atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(X=batched())
def test_ratio_methods_batched_equal_per_slice(X):
    X = np.abs(X) + 1.0
    for method, params in [("ratio_to_ref", {"ref": "mean"}), ("diff_to_ref", {"ref": "best"}),
                           ("above_below_mean", {"p": 0.1})]:
        out = nm.normalise(X, method, **params)
        np.testing.assert_array_equal(np.isnan(out), np.isnan(X))
        for s in range(X.shape[0]):
            np.testing.assert_allclose(out[s], nm.normalise(X[s], method, **params))


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------
NAMES = ["GDP", "PARKS"]
CONST = np.array([[1.0, 3.0], [2.0, 3.0], [4.0, 3.0]])


@pytest.mark.parametrize(
    ("method", "params"),
    [("minmax", {}), ("zscore", {}), ("dist2ref", {"ref": "best"})],
)
def test_constant_indicator_raises_data_error_naming_it(method, params):
    with pytest.raises(DataError, match="'PARKS'.*constant"):
        nm.normalise(CONST, method, indicators=NAMES, **params)


def test_constant_indicator_in_one_batch_slice_names_indicator_and_slice():
    X = np.stack([CONST + np.arange(3.0)[:, None], CONST])
    with pytest.raises(DataError, match=r"'PARKS' is constant.*batch index \(1,\)"):
        nm.minmax(X, indicators=NAMES)


def test_constant_indicator_log_shift_raises():
    with pytest.raises(DataError, match="indicator 1 is constant"):
        nm.log_shift(CONST)


def test_log_of_non_positive_names_indicator_and_suggests_log_shift():
    X = np.array([[1.0, 2.0], [3.0, 0.0]])
    with pytest.raises(MethodError, match=r"'PARKS'.*city 'b'.*log_shift"):
        nm.log_transform(X, indicators=NAMES, cities=["a", "b"])
    with pytest.raises(MethodError, match="positive values"):
        nm.boxcox(X, indicators=NAMES)


def test_unknown_method_lists_valid_names():
    with pytest.raises(SpecError, match=r"unknown normalisation method 'minmaxx'.*minmax.*zscore"):
        nm.normalise(CONST, "minmaxx")


def test_unknown_variant_names_raise_spec_error():
    with pytest.raises(SpecError, match="rank ties rule"):
        nm.rank(CONST, ties="first")
    with pytest.raises(SpecError, match="percentile definition"):
        nm.percentile(CONST, definition="excel")
    with pytest.raises(SpecError, match="unknown reference 'median'"):
        nm.ratio_to_ref(CONST + 1, ref="median")
    with pytest.raises(SpecError, match="log base"):
        nm.log_transform(CONST, base="ten")


def test_wrong_parameter_for_method_raises_spec_error_listing_parameters():
    with pytest.raises(SpecError, match=r"'minmax'.*lo, hi"):
        nm.normalise(CONST[:, :1], "minmax", ties="min")
    with pytest.raises(SpecError, match="'dist2ref'"):
        nm.normalise(CONST[:, :1], "dist2ref")  # ref is required


def test_inf_raises_data_error_naming_indicator():
    X = np.array([[1.0, 2.0], [np.inf, 3.0]])
    with pytest.raises(DataError, match=r"Inf.*'GDP'"):
        nm.minmax(X, indicators=NAMES)


def test_all_missing_indicator_raises():
    X = np.array([[1.0, np.nan], [2.0, np.nan]])
    with pytest.raises(DataError, match="'PARKS' has no non-missing values"):
        nm.rank(X, indicators=NAMES)


def test_bad_parameters_raise_spec_error():
    x = np.array([[1.0], [2.0]])
    with pytest.raises(SpecError, match="lo < hi"):
        nm.minmax(x, lo=1, hi=0)
    with pytest.raises(SpecError, match="lower < upper"):
        nm.goalposts(x, lower=[5.0], upper=[1.0], indicators=["GDP"])
    with pytest.raises(SpecError, match="sd must be finite > 0"):
        nm.zscore(x, sd=0)
    with pytest.raises(SpecError, match="strictly increasing"):
        nm.categorical(x, bands=(50, 20))
    with pytest.raises(SpecError, match="len\\(scores\\)"):
        nm.categorical(x, bands=(20, 50), scores=(0, 1))
    with pytest.raises(SpecError, match="out of range"):
        nm.ratio_to_ref(x, ref=5)


def test_ratio_methods_reject_negative_data_with_direction_hint():
    X = -np.array([[1.0], [2.0], [3.0]])
    for fn in (nm.ratio_to_ref, nm.diff_to_ref, nm.above_below_mean):
        with pytest.raises(MethodError, match="'GDP' has negative values.*direction -1"):
            fn(X, indicators=["GDP"])


def test_zero_or_missing_reference_raises():
    X = np.array([[0.0], [2.0], [np.nan]])
    with pytest.raises(DataError, match="reference value of indicator 'GDP' is 0"):
        nm.ratio_to_ref(X, ref=0, indicators=["GDP"])
    with pytest.raises(DataError, match="reference city 'c' is missing indicator 'GDP'"):
        nm.ratio_to_ref(X, ref=2, indicators=["GDP"], cities=["a", "b", "c"])


def test_target_not_above_minimum_raises():
    with pytest.raises(DataError, match="target of indicator 'GDP' is not above its minimum"):
        nm.dist2targ(np.array([[1.0], [2.0]]), target=[0.5], indicators=["GDP"])


def test_bad_direction_raises_framework_error():
    with pytest.raises(FrameworkError, match="'PARKS' must be \\+1 or -1"):
        nm.apply_direction(CONST, [1, 0], indicators=NAMES)
    with pytest.raises(SpecError, match="both lower and upper"):
        nm.apply_direction(CONST, [1, -1], lower=[0, 0])
