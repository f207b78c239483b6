"""Tests of citymodel.methods.impute: column/group statistics, sklearn paths, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from citymodel.errors import DataError, SpecError
from citymodel.methods.impute import IMPUTERS, impute

NAN = np.nan
X = np.array([
    [1.0, 10.0, 5.0],
    [NAN, 20.0, 7.0],
    [3.0, NAN, 9.0],
    [8.0, 40.0, NAN],
    [4.0, 30.0, 2.0],
])
CITIES = ["a", "b", "c", "d", "e"]
INDS = ["GDP", "PARKS", "AIR"]


def test_mean_imputation_equals_hand_values():
    res = impute(X, "mean", indicators=INDS, cities=CITIES)
    assert res.X[1, 0] == pytest.approx((1 + 3 + 8 + 4) / 4)  # 4.0
    assert res.X[2, 1] == pytest.approx((10 + 20 + 40 + 30) / 4)  # 25.0
    assert res.X[3, 2] == pytest.approx((5 + 7 + 9 + 2) / 4)  # 5.75
    np.testing.assert_array_equal(res.X[~np.isnan(X)], X[~np.isnan(X)])
    assert res.complete


def test_median_imputation_equals_hand_values():
    res = impute(X, "median")
    assert res.X[1, 0] == 3.5  # median(1, 3, 8, 4)
    assert res.X[2, 1] == 25.0  # median(10, 20, 40, 30)
    assert res.X[3, 2] == 6.0  # median(5, 7, 9, 2)


def test_mask_marks_exactly_previously_missing_cells_and_log_lists_them():
    res = impute(X, "mean", indicators=INDS, cities=CITIES)
    np.testing.assert_array_equal(res.mask, np.isnan(X))
    assert list(res.log.columns) == ["indicator", "city", "value", "method"]
    assert res.log.to_dict("records") == [
        {"indicator": "GDP", "city": "b", "value": 4.0, "method": "mean"},
        {"indicator": "PARKS", "city": "c", "value": 25.0, "method": "mean"},
        {"indicator": "AIR", "city": "d", "value": 5.75, "method": "mean"},
    ]


def test_group_mean_and_median_use_the_city_group_only():
    groups = ["east", "east", "west", "west", "west"]
    res = impute(X, "group_mean", groups=groups)
    assert res.X[1, 0] == 1.0  # east: GDP observed only for a
    assert res.X[2, 1] == 35.0  # west: PARKS (40 + 30) / 2
    assert res.X[3, 2] == 5.5  # west: AIR (9 + 2) / 2
    res = impute(X, "group_median", groups=groups)
    assert res.X[2, 1] == 35.0 and res.X[3, 2] == 5.5
    np.testing.assert_array_equal(res.mask, np.isnan(X))


def test_all_missing_group_stays_nan_and_is_reported():
    Y = X.copy()
    Y[0, 0] = NAN  # group east now has no GDP value
    groups = ["east", "east", "west", "west", "west"]
    res = impute(Y, "group_mean", groups=groups, indicators=INDS, cities=CITIES)
    assert np.isnan(res.X[0, 0]) and np.isnan(res.X[1, 0])
    assert not res.mask[0, 0] and not res.mask[1, 0] and not res.complete
    assert res.not_imputed[["indicator", "city", "group"]].to_dict("records") == [
        {"indicator": "GDP", "city": "a", "group": "east"},
        {"indicator": "GDP", "city": "b", "group": "east"},
    ]
    assert "no observed value" in res.not_imputed["reason"].iloc[0]
    # the other cells are still imputed and logged
    assert res.X[2, 1] == 35.0 and len(res.log) == 2


def test_none_leaves_data_unchanged():
    res = impute(X, "none")
    np.testing.assert_array_equal(res.X, X)
    assert not res.mask.any() and res.log.empty


def test_knn_matches_sklearn_and_only_fills_missing():
    from sklearn.impute import KNNImputer

    res = impute(X, "knn", n_neighbors=2)
    np.testing.assert_allclose(res.X, KNNImputer(n_neighbors=2).fit_transform(X))
    np.testing.assert_array_equal(res.mask, np.isnan(X))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_iterative_is_reproducible_by_seed():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(30, 4))
    Z[:, 1] += Z[:, 0]
    Z[rng.random(Z.shape) < 0.15] = NAN
    a = impute(Z, "iterative", seed=3, sample_posterior=True, max_iter=5)
    b = impute(Z, "iterative", seed=3, sample_posterior=True, max_iter=5)
    c = impute(Z, "iterative", seed=4, sample_posterior=True, max_iter=5)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.allclose(a.X[a.mask], c.X[c.mask])
    np.testing.assert_array_equal(a.mask, np.isnan(Z))
    np.testing.assert_array_equal(a.X[~a.mask], Z[~np.isnan(Z)])
    g = impute(Z, "iterative", seed=np.random.default_rng(1), max_iter=5)
    assert g.complete


@settings(max_examples=40, deadline=None)
@given(Z=hnp.arrays(np.float64, st.tuples(st.integers(3, 10), st.integers(1, 4)),
                    elements=st.floats(-1e3, 1e3) | st.just(np.nan)),
       method=st.sampled_from(["mean", "median"]))
def test_column_imputation_keeps_observed_values_and_stays_within_column_range(Z, method):
    Z = Z.copy()
    Z[0] = np.where(np.isnan(Z[0]), 1.0, Z[0])  # every column has an observed value
    res = impute(Z, method)
    obs = ~np.isnan(Z)
    np.testing.assert_array_equal(res.X[obs], Z[obs])
    np.testing.assert_array_equal(res.mask, ~obs)
    lo, hi = np.nanmin(Z, axis=0), np.nanmax(Z, axis=0)
    assert np.all((res.X >= lo - 1e-9 * np.abs(lo)) & (res.X <= hi + 1e-9 * np.abs(hi)))


@pytest.mark.needs_shared
def test_asem_group_mean_by_eurasia_group_equals_pandas_groupby(shared_data):
    df = pd.read_csv(shared_data / "asem" / "ASEM_iData.csv")
    inds = list(df.columns[11:])
    data = df[inds].to_numpy(dtype=float)
    res = impute(data, "group_mean", groups=df["EurAsia_group"], indicators=inds,
                 cities=list(df["uCode"]))
    expected = df[inds].fillna(df.groupby("EurAsia_group")[inds].transform("mean"))
    np.testing.assert_allclose(res.X, expected.to_numpy(dtype=float))
    assert res.mask.sum() == int(np.isnan(data).sum()) - int(np.isnan(res.X).sum())


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------
def test_entirely_missing_indicator_raises_naming_it():
    Y = X.copy()
    Y[:, 1] = NAN
    with pytest.raises(DataError, match="'PARKS' has no observed values"):
        impute(Y, "mean", indicators=INDS)


def test_unknown_method_lists_valid_names():
    with pytest.raises(SpecError, match="unknown imputation method 'avg'.*group_mean.*knn"):
        impute(X, "avg")
    assert "iterative" in IMPUTERS


def test_group_methods_need_valid_groups():
    with pytest.raises(SpecError, match="need groups="):
        impute(X, "group_mean")
    with pytest.raises(DataError, match="3 labels but there are 5 cities"):
        impute(X, "group_mean", groups=["a", "b", "c"])
    with pytest.raises(DataError, match="city 'c' has no group label"):
        impute(X, "group_median", groups=["g", "g", None, "h", "h"], cities=CITIES)
    with pytest.raises(SpecError, match="groups is only used"):
        impute(X, "mean", groups=["g"] * 5)


def test_bad_extra_parameters_raise_spec_error():
    with pytest.raises(SpecError, match="takes no extra parameters"):
        impute(X, "mean", n_neighbors=3)
    with pytest.raises(SpecError, match="bad parameters for imputation method 'knn'"):
        impute(X, "knn", n_neighbours=3)
    with pytest.raises(SpecError, match="bad parameters for imputation method 'knn'"):
        impute(X, "knn", n_neighbors=-1)
    with pytest.raises(SpecError, match="seed"):
        impute(X, "iterative", seed="abc")
    with pytest.raises(SpecError, match="pass seed="):
        impute(X, "iterative", random_state=1)


def test_inf_and_non_2d_input_raise_data_error():
    Y = X.copy()
    Y[4, 2] = np.inf
    with pytest.raises(DataError, match=r"Inf.*city 'e'.*'AIR'"):
        impute(Y, "mean", indicators=INDS, cities=CITIES)
    with pytest.raises(DataError, match="2-D"):
        impute(np.zeros((2, 2, 2)), "mean")
