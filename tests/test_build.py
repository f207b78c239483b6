"""build(): external references (OECD Handbook TAI, COINr ASEM), invariants and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citymodel import DataChangeWarning, DataError, Framework, MethodError, SpecError
from citymodel.build import build, changes, to_long
from citymodel.datasets import load_tai, tai_framework
from citymodel.io import read_framework, read_table

TAI_GOALPOSTS = {"normalise": {"method": "goalposts"}}


# --------------------------------------------------------------------------- (a) TAI, Handbook
def test_tai_equal_weight_goalpost_index_reproduces_published_scores():
    """UNDP HDR 2001 / Handbook: Finland 0.744, United States 0.733 (tol 1e-3); mean of 8."""
    ds = build(load_tai(), tai_framework(), TAI_GOALPOSTS)
    tai = ds.score.sel(node="TAI")
    assert float(tai.sel(city="Finland")) == pytest.approx(0.744, abs=1e-3)
    assert float(tai.sel(city="United States")) == pytest.approx(0.733, abs=1e-3)
    top5 = tai.sortby(tai, ascending=False).city.values[:5].tolist()
    assert top5 == ["Finland", "United States", "Sweden", "Japan", "Korea"]
    # equal weights in 4 dimensions of 2 = simple mean of the 8 normalised indicators
    np.testing.assert_allclose(tai.values, ds.score.sel(node=ds.indicator.values).mean("node").values)
    assert float(ds["rank"].sel(city="Finland", node="TAI")) == 1


def test_tai_pca_weights_follow_the_handbook_recipe():
    ds = build(load_tai(), tai_framework(), {"normalise": {"method": "goalposts"},
                                             "weights": {"method": "pca"}, "levels": {2: {"weights": "meta"}}})
    # level-2 weights from the framework, level-3 (dimension) weights from PCA on the dimension scores
    w = ds.weight.sel(node=["Creation of technology", "Diffusion of recent innovations",
                            "Diffusion of old innovations", "Human skills"])
    assert float(w.sum()) == pytest.approx(1.0) and (w >= 0).all()


# --------------------------------------------------------------------------- (b) ASEM, COINr
@pytest.fixture(scope="module")
def asem(shared_data):
    fw = read_framework(shared_data / "asem" / "ASEM_iMeta.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        da = read_table(shared_data / "asem" / "ASEM_iData.csv", framework=fw)
    return da, fw


def coinr_reference(da: xr.DataArray, fw: Framework, impute: bool, geometric: bool) -> pd.Series:
    """Independent pandas re-statement of COINr: i_mean, n_minmax(0,100), a_amean / a_gmean with
    NA-skipping and weights re-normalised over the available children, level by level."""
    X = da.to_pandas()
    if impute:
        X = X.fillna(X.mean())
    X = X * fw.directions
    lo = 1.0 if geometric else 0.0
    N = (X - X.min()) / (X.max() - X.min()) * (100 - lo) + lo
    vals = {c: N[c] for c in fw.indicators}
    for node in fw.aggregates:
        kids = fw.children(node)
        M = pd.concat([vals[k] for k in kids], axis=1)
        M.columns = kids
        w = fw.weights(node)
        avail = (M.notna() * w).sum(axis=1)
        if geometric:
            vals[node] = np.exp((np.log(M) * w).sum(axis=1) / avail)
        else:
            vals[node] = (M * w).sum(axis=1) / avail
    return pd.Series(vals["Index"])


def test_asem_mean_imputation_minmax_arithmetic_matches_coinr(asem):
    """COINr: i_mean + n_minmax(0,100) + a_amean puts DEU first (75.228) and GBR second (68.936)."""
    da, fw = asem
    with pytest.warns(DataChangeWarning, match="impute"):
        ds = build(da, fw, {"impute": {"method": "mean"}})
    idx = ds.score.sel(node="Index").to_pandas()
    assert idx["DEU"] == pytest.approx(75.228, abs=5e-4) and idx["GBR"] == pytest.approx(68.936, abs=5e-4)
    assert ds["rank"].sel(node="Index").to_pandas().sort_values().index[:2].tolist() == ["DEU", "GBR"]
    pd.testing.assert_series_equal(idx, coinr_reference(da, fw, True, False), check_names=False, rtol=1e-12)
    log = changes(ds)
    assert len(log) == int(np.isnan(da.values).sum()) and set(log.step) == {"impute"}


def test_asem_without_imputation_skips_missing_and_renormalises_weights(asem):
    da, fw = asem
    ds = build(da, fw)
    idx = ds.score.sel(node="Index").to_pandas()
    pd.testing.assert_series_equal(idx, coinr_reference(da, fw, False, False), check_names=False, rtol=1e-12)
    assert not idx.isna().any()


def test_asem_geometric_aggregation(asem):
    da, fw = asem
    ds = build(da, fw, {"normalise": {"method": "minmax", "range": [1, 100]}, "aggregate": "geometric"})
    idx = ds.score.sel(node="Index").to_pandas()
    pd.testing.assert_series_equal(idx, coinr_reference(da, fw, False, True), check_names=False, rtol=1e-12)


def test_geometric_on_zero_values_fails_with_a_hint(asem):
    da, fw = asem
    with pytest.raises(MethodError, match=r"\[1, 100\]"):
        build(da, fw, {"aggregate": "geometric"})


# --------------------------------------------------------------------------- structure
def small():
    fw = Framework.from_tree({"I": {"P": ["a", "b"], "Q": ["c", "d"]}})
    rng = np.random.default_rng(0)
    da = xr.DataArray(rng.lognormal(size=(12, 4)), dims=("city", "indicator"),
                      coords={"city": [f"c{i}" for i in range(12)], "indicator": list("abcd")})
    return da, fw


def test_result_has_every_node_rank_weights_and_spec():
    da, fw = small()
    ds = build(da, fw, {"tiers": {"method": "quantile", "k": 3}})
    assert ds.node.values.tolist() == ["a", "b", "c", "d", "P", "Q", "I"]
    assert ds.level.values.tolist() == [1, 1, 1, 1, 2, 2, 3]
    assert float(ds.effective_weight.sel(node=["a", "b", "c", "d"]).sum()) == pytest.approx(1.0)
    assert ds.attrs["spec"]["normalise"]["method"] == "minmax" and ds.attrs["framework"] == fw
    assert set(ds.tier_code.values) == {0, 1, 2}
    long = to_long(ds)
    assert list(long.columns) == ["uCode", "node", "level", "score", "rank"] and len(long) == 12 * 7


def test_same_spec_and_data_give_identical_results():
    da, fw = small()
    spec = {"weights": {"method": "entropy"}, "aggregate": "arithmetic"}
    xr.testing.assert_identical(build(da, fw, spec).drop_attrs(), build(da, fw, spec).drop_attrs())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.permutations(list(range(12))),
       st.sampled_from(["equal", "entropy", "critic", "meta"]),
       st.sampled_from(["arithmetic", "geometric", "harmonic"]))
def test_build_is_invariant_to_city_order(perm, weights, aggregate):
    da, fw = small()
    spec = {"weights": weights, "aggregate": aggregate, "normalise": {"method": "minmax", "range": [1, 100]}}
    a = build(da, fw, spec)
    b = build(da.isel(city=list(perm)), fw, spec)
    xr.testing.assert_allclose(a.score, b.score.sel(city=a.city), rtol=1e-12)
    xr.testing.assert_equal(a["rank"], b["rank"].sel(city=a.city))


def test_direction_is_applied_once():
    da, fw = small()
    fw_neg = Framework.from_dict({**fw.to_dict()})
    fw_neg = Framework([n if n.code != "a" else type(n)(**{**n.__dict__, "direction": -1}) for n in fw.nodes])
    pos = build(da, fw).score.sel(node="a")
    neg = build(da, fw_neg).score.sel(node="a")
    np.testing.assert_allclose(neg.values, 100 - pos.values)


def test_user_and_ahp_weights_per_node():
    da, fw = small()
    ds = build(da, fw, {"weights": {"method": "user", "weights": {"a": 3, "b": 1}}})
    assert float(ds.weight.sel(node="a")) == pytest.approx(0.75)
    ahp = {"weights": {"method": "ahp", "matrices": {"P": [[1, 3], [1 / 3, 1]], "Q": [[1, 1], [1, 1]],
                                                      "I": [[1, 2], [0.5, 1]]}}}
    ds = build(da, fw, ahp)
    assert float(ds.weight.sel(node="a")) == pytest.approx(0.75)
    assert float(ds.weight.sel(node="P")) == pytest.approx(2 / 3)


# --------------------------------------------------------------------------- bad input
def test_missing_values_with_data_driven_weights_ask_for_imputation():
    da, fw = small()
    da = da.copy()
    da[2, 1] = np.nan
    with pytest.raises(DataError, match=r"entropy weights for 'P' need complete data.*'b'.*'c2'.*imputation"):
        build(da, fw, {"weights": "entropy"})


def test_ahp_without_matrix_names_the_node():
    da, fw = small()
    with pytest.raises(SpecError, match="comparison matrix for node 'P'"):
        build(da, fw, {"weights": "ahp"})


def test_goalposts_without_bounds_is_a_spec_error():
    da, fw = small()
    with pytest.raises(SpecError, match="Lower/Upper"):
        build(da, fw, {"normalise": {"method": "goalposts"}})


def test_constant_indicator_is_named():
    da, fw = small()
    da = da.copy()
    da[:, 2] = 5.0
    with pytest.raises(DataError, match="'c'"):
        build(da, fw)


def test_unknown_group_coordinate_lists_available():
    da, fw = small()
    with pytest.raises(SpecError, match="no city coordinate 'province'"):
        build(da, fw, {"impute": {"method": "group_mean"}})


def test_log_pre_transform_before_normalisation():
    da, fw = small()
    ds = build(da, fw, {"normalise": {"method": "minmax", "range": [0, 1], "transform": "log"}})
    x = np.log(da.sel(indicator="a").values)
    np.testing.assert_allclose(ds.score.sel(node="a").values, (x - x.min()) / (x.max() - x.min()))
    with pytest.raises(SpecError, match="unknown pre-transform 'sqrt'"):
        build(da, fw, {"normalise": {"method": "minmax", "transform": "sqrt"}})
    bad = da.copy()
    bad[0, 0] = -1.0
    with pytest.raises(MethodError, match="'a'"):
        build(bad, fw, {"normalise": {"method": "minmax", "transform": "log"}})
