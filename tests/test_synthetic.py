"""Tests of the synthetic city generator (citymodel.datasets.synthetic)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from citymodel import Framework, Node, indicator_data, is_synthetic
from citymodel.datasets import load_city_gdp, load_frameworks, load_h3c2021, province_regions
from citymodel.datasets.synthetic import (
    KINDS,
    _equal_weight_index,
    calibration_report,
    h3c_framework,
    make_cities,
    make_h3c_panel,
)
from citymodel.errors import DataError, SpecError


@pytest.fixture(scope="module")
def fw() -> Framework:
    return h3c_framework()


@pytest.fixture(scope="module")
def panel() -> xr.DataArray:
    return make_cities(2000, seed=11)


@pytest.fixture(scope="module")
def h3c() -> xr.DataArray:
    return make_h3c_panel(seed=0)


def lognormal_fw(m: int = 12) -> Framework:
    """Flat framework of lognormal indicators (never zero, so multiplications are visible)."""
    return Framework([Node("R")] + [
        Node(f"x{j}", parent="R", source="generator: lognormal(median=10, spread=0.8)")
        for j in range(m)
    ])


def tree3() -> Framework:
    return Framework.from_tree({"IDX": {"P1": {"S1": ["a", "b"], "S2": ["c"]},
                                        "P2": {"S3": ["d", "e", "f"]}}})


# ----------------------------------------------------------------------------- h3c_framework
def test_h3c_framework_has_4_pillars_12_subpillars_36_equal_weight_indicators(fw):
    assert fw.root == "DEI" and "数字经济指数" in fw["DEI"].name
    assert fw.children("DEI") == ["INFRA", "SERVICE", "GOVERN", "INDUSTRY"]
    subs = [s for p in fw.children("DEI") for s in fw.children(p)]
    assert subs == [f"{p}_{k}" for p in ["INFRA", "SERVICE", "GOVERN", "INDUSTRY"] for k in (1, 2, 3)]
    assert len(fw.indicators) == 36 and fw.n_levels == 4
    assert fw.indicators[:3] == ["INFRA_1_a", "INFRA_1_b", "INFRA_1_c"]
    assert np.allclose(fw.effective_weights(), 1 / 36)
    assert all(fw[c].weight == 1.0 for c in fw.codes)


def test_h3c_framework_names_come_from_frameworks_yaml(fw):
    rep = next(r for r in load_frameworks()["reports"] if r["id"] == "h3c_caict_2021_de_index")
    for code, p in zip(fw.children("DEI"), rep["first_level"], strict=True):
        assert p["zh"] in fw[code].name and p["en"] in fw[code].name
        for sub, zh in zip(fw.children(code), p["second_level"], strict=True):
            assert fw[sub].name.startswith(zh)
    assert fw["INFRA_1"].name == "信息基础设施 (Information infrastructure)"
    assert fw["GOVERN_1"].name == "政策规划 (Policy and planning)"  # English borrowed from 城市服务


def test_h3c_framework_labels_indicators_as_synthetic_placeholders(fw):
    for i in fw.indicators:
        assert fw[i].name.startswith("synthetic indicator: ")
        assert fw[i].unit
        assert "SYNTHETIC placeholder" in fw[i].source
    assert "SYNTHETIC" in fw.name
    assert "PLACEHOLDERS" in fw.description and "附录1" in fw.description


def test_h3c_framework_has_one_in_six_cost_type_indicators_in_every_pillar(fw):
    d = fw.directions
    assert int((d == -1).sum()) == 6
    for p in fw.children("DEI"):
        assert (d[fw.descendants(p)] == -1).any(), p
    assert all("cost-type" in fw[i].name for i in d.index[d == -1])


@pytest.mark.parametrize("k, seed", [(3, None), (3, 5), (1, None), (5, 2)])
def test_h3c_framework_roundtrips_through_yaml(k, seed):
    f = h3c_framework(k, seed=seed)
    assert Framework.from_yaml(f.to_yaml()) == f
    assert Framework.from_json(f.to_json()) == f


def test_h3c_framework_indicators_per_subpillar_sets_count_and_codes():
    f1 = h3c_framework(1)
    assert len(f1.indicators) == 12 and f1.children("INFRA_1") == ["INFRA_1_a"]
    f5 = h3c_framework(5)
    assert len(f5.indicators) == 60
    assert f5.children("INFRA_1") == [f"INFRA_1_{c}" for c in "abcde"]
    assert f5["INFRA_1_e"].name.endswith("(variant 2)")
    assert len(h3c_framework(26).indicators) == 12 * 26


def test_h3c_framework_seed_draws_a_reproducible_random_selection():
    assert h3c_framework() == h3c_framework()
    assert h3c_framework(seed=3) == h3c_framework(seed=3)
    picks = {tuple(h3c_framework(2, seed=s).directions) + tuple(n.name for n in h3c_framework(2, seed=s).nodes)
             for s in range(6)}
    assert len(picks) > 1


@pytest.mark.parametrize("k", [0, 27, 2.5, True, "3"])
def test_h3c_framework_rejects_bad_indicators_per_subpillar(k):
    with pytest.raises(SpecError, match="indicators_per_subpillar"):
        h3c_framework(k)


# ----------------------------------------------------------------------------- make_cities
def test_make_cities_shape_coords_and_synthetic_labels(panel, fw):
    assert panel.dims == ("city", "indicator")
    assert panel.sizes == {"city": 2000, "indicator": 36}
    assert panel.indicator.values.tolist() == fw.indicators
    assert panel.city.values[:2].tolist() == ["C00001", "C00002"] and panel.city.values[-1] == "C02000"
    for c in ("province", "region", "log_gdp", "population", "direction", "unit", "source", "kind",
              "pillar"):
        assert c in panel.coords, c
    assert panel.direction.values.tolist() == fw.directions.tolist()
    assert panel.unit.values.tolist() == [fw[i].unit for i in fw.indicators]
    assert set(panel.kind.values) <= set(KINDS)
    assert panel.pillar.values[0] == "INFRA" and panel.pillar.values[-1] == "INDUSTRY"
    regions = province_regions()
    assert set(panel.province.values) <= set(regions)
    assert all(regions[p] == r for p, r in zip(panel.province.values, panel.region.values, strict=True))
    assert np.all(panel.population.values > 0) and np.all(np.isfinite(panel.log_gdp.values))
    assert panel.attrs["synthetic"] == 1 and is_synthetic(panel)
    assert panel.attrs["title"].startswith("SYNTHETIC")
    assert panel.attrs["seed"] == 11 and panel.attrs["noise"] == 0.5 and panel.attrs["skew"] == 1.0
    assert panel.attrs["framework"] == fw


def test_make_cities_gdp_and_population_magnitudes_are_plausible(panel):
    pop = panel.population.values
    gdp = np.exp(panel.log_gdp.values)
    assert 250 < np.median(pop) < 500  # 万人
    assert 1200 < np.median(gdp) < 3500  # 亿元
    assert stats.spearmanr(pop, gdp).statistic > 0.6


def test_make_cities_layout_is_identical_to_indicator_data():
    fw = tree3()
    da = make_cities(7, fw, seed=2, missing=0.1)
    ref = indicator_data(
        da.values, cities=da.city.values.tolist(), indicators=fw.indicators, framework=fw,
        city_coords={k: da[k].values for k in ("province", "region", "log_gdp", "population")},
        attrs=da.attrs,
    )
    xr.testing.assert_identical(da.drop_vars(["kind", "pillar"]), ref)


def test_make_cities_same_seed_identical_different_seed_different():
    a = make_cities(50, seed=7, missing=0.1, outliers=0.02)
    b = make_cities(50, seed=7, missing=0.1, outliers=0.02)
    c = make_cities(50, seed=8, missing=0.1, outliers=0.02)
    xr.testing.assert_identical(a, b)
    assert not np.allclose(np.nan_to_num(a.values), np.nan_to_num(c.values))
    assert not np.array_equal(a.province.values, c.province.values)
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    xr.testing.assert_equal(make_cities(20, seed=g1), make_cities(20, seed=g2))


def test_make_cities_missing_share_is_as_requested_and_no_column_is_empty():
    da = make_cities(500, seed=1, missing=0.2)
    share = float(np.isnan(da.values).mean())
    assert share == pytest.approx(0.2, abs=1e-4)
    assert da.attrs["n_missing"] == int(np.isnan(da.values).sum())
    assert np.all((~np.isnan(da.values)).sum(axis=0) >= 2)


def test_make_cities_extreme_missing_keeps_two_values_per_indicator():
    da = make_cities(4, seed=0, missing=0.95)
    assert np.all((~np.isnan(da.values)).sum(axis=0) >= 2)


def test_make_cities_without_missing_or_outliers_gives_positive_realistic_scales(panel):
    x = panel.values
    kind = panel.kind.values
    assert not np.isnan(x).any()
    assert np.all(x[:, kind == "lognormal"] > 0)
    sh = x[:, (kind == "share")]
    assert np.all((sh > 0) & (sh < 100))
    ct = x[:, kind == "count"]
    assert np.all(ct >= 0) and np.array_equal(ct, np.round(ct))
    pct = panel.unit.values == "%"
    assert np.all(kind[pct] == "share")


def test_make_cities_outliers_multiply_the_chosen_cells_by_5_to_20():
    base = make_cities(300, lognormal_fw(), seed=4)
    out = make_cities(300, lognormal_fw(), seed=4, outliers=0.01)
    ratio = out.values / base.values
    changed = ~np.isclose(ratio, 1.0)
    assert changed.sum() == out.attrs["n_outliers"] == 36
    r = ratio[changed]
    assert np.allclose(r, np.round(r)) and r.min() >= 5 and r.max() <= 20


def test_make_cities_outliers_and_missing_cells_are_disjoint():
    da = make_cities(100, lognormal_fw(), seed=5, missing=0.1, outliers=0.05)
    assert da.attrs["n_missing"] == 120 and da.attrs["n_outliers"] == 60
    base = make_cities(100, lognormal_fw(), seed=5)
    ratio = da.values / base.values
    assert (np.isfinite(ratio) & ~np.isclose(ratio, 1.0)).sum() == 60


def test_make_cities_negative_direction_indicators_decrease_with_gdp(panel):
    lg = panel.log_gdp.values
    rho = np.array([stats.spearmanr(panel.values[:, j], lg).statistic for j in range(36)])
    neg = panel.direction.values == -1
    assert np.all(rho[neg] < -0.3)
    assert np.all(rho[~neg] > 0.3)


def test_make_cities_indicators_are_right_skewed_for_most(panel):
    sk = stats.skew(panel.values, axis=0)
    assert np.mean(sk > 0) >= 0.8
    assert np.median(sk) > 0.5


def test_make_cities_skew_parameter_scales_the_skewness():
    lo = make_cities(3000, seed=2, skew=0.3)
    hi = make_cities(3000, seed=2, skew=1.5)
    ln = lo.kind.values == "lognormal"
    assert np.median(stats.skew(hi.values[:, ln], axis=0)) > np.median(stats.skew(lo.values[:, ln], axis=0))


def test_make_cities_noise_zero_gives_within_pillar_rank_agreement():
    da = make_cities(300, tree3(), seed=1, noise=0.0)
    x = da.values
    # indicators a, b, c share pillar P1: with no idiosyncratic noise, lognormal/share columns
    # are monotone in the same factor
    mono = [j for j in range(3) if da.kind.values[j] != "count"]
    r = stats.spearmanr(x[:, mono[0]], x[:, mono[1]]).statistic
    assert r == pytest.approx(1.0)


def test_make_cities_pillars_are_correlated_but_distinct():
    fw = Framework.from_tree({"I": {f"P{p}": [f"x{p}{j}" for j in range(6)] for p in range(3)}})
    da = make_cities(3000, fw, seed=3, noise=0.2)
    sub = [_equal_weight_index(da.values[:, 6 * p:6 * p + 6],
                               Framework.from_tree({"Q": [f"x{p}{j}" for j in range(6)]}))
           for p in range(3)]
    c = np.corrcoef(sub)
    off = c[np.triu_indices(3, 1)]
    assert np.all(off > 0.5) and np.all(off < 0.97)


def test_make_cities_works_with_any_framework_three_levels_flat_and_mixed():
    t = make_cities(30, tree3(), seed=0)
    assert t.sizes == {"city": 30, "indicator": 6}
    assert t.pillar.values.tolist() == ["P1", "P1", "P1", "P2", "P2", "P2"]
    flat = make_cities(30, Framework.from_tree({"R": ["u", "v", "w"]}), seed=0)
    assert flat.pillar.values.tolist() == ["R", "R", "R"]
    mixed = Framework([Node("R"), Node("P", parent="R"), Node("x", parent="P"),
                       Node("y", parent="P"), Node("z", parent="R", direction=-1, unit="%")])
    m = make_cities(200, mixed, seed=0)
    assert m.pillar.values.tolist() == ["P", "P", "R"]
    assert m.kind.values[-1] == "share"
    assert stats.spearmanr(m.values[:, 2], m.log_gdp.values).statistic < 0


def test_make_cities_uses_the_generator_spec_in_the_source_field():
    fw = Framework([Node("R"), Node("x", parent="R", unit="Mbps",
                                    source="generator: lognormal(median=50, spread=0.0)")])
    da = make_cities(10, fw, seed=0)
    assert np.allclose(da.values, 50.0) and da.kind.values.tolist() == ["lognormal"]
    bad = Framework([Node("R"), Node("x", parent="R", source="generator: share(median=2, spread=1)")])
    with pytest.raises(SpecError, match="'x'.*share median"):
        make_cities(10, bad, seed=0)


def test_make_cities_given_names_provinces_gdp_population_are_used():
    names = ["甲", "乙", "丙", "丁"]
    provs = ["广东省", "北京", "新疆维吾尔自治区", "江苏"]
    da = make_cities(4, tree3(), seed=0, city_names=names, provinces=provs,
                     log_gdp=[9.0, 8.0, 7.0, 6.0], population=[1000.0, 800.0, 300.0, 100.0])
    assert da.city.values.tolist() == names
    assert da.province.values.tolist() == provs
    assert da.region.values.tolist() == ["华南", "华北", "西北", "华东"]
    assert da.log_gdp.values.tolist() == [9.0, 8.0, 7.0, 6.0]
    assert np.allclose(da.population.values, [1000, 800, 300, 100])


def test_make_cities_draws_population_conditionally_on_given_gdp():
    lg = np.linspace(5.0, 10.0, 2000)
    da = make_cities(2000, tree3(), seed=0, log_gdp=lg)
    assert np.array_equal(da.log_gdp.values, lg)
    assert stats.pearsonr(np.log(da.population.values), lg).statistic > 0.7
    pop = np.full(2000, 400.0)
    db = make_cities(2000, tree3(), seed=0, population=pop)
    assert np.allclose(db.population.values, 400.0)
    assert np.median(np.exp(db.log_gdp.values)) == pytest.approx(400 * 6, rel=0.1)  # 亿元


def test_make_cities_handles_10000_cities_x_40_indicators():
    fw = Framework.from_tree({"I": {f"P{p}": [f"x{p}_{j}" for j in range(10)] for p in range(4)}})
    da = make_cities(10_000, fw, seed=0, missing=0.05, outliers=0.01)
    assert da.sizes == {"city": 10_000, "indicator": 40}
    assert da.city.values[-1] == "C10000"


def test_make_cities_output_survives_netcdf_roundtrip(tmp_path):
    from citymodel.io import read_netcdf, to_netcdf

    da = make_cities(12, seed=0, missing=0.1)
    back = read_netcdf(to_netcdf(da, tmp_path / "syn.nc"))
    assert back.attrs["synthetic"] == 1 and back.attrs["title"].startswith("SYNTHETIC")
    assert back.attrs["framework"] == da.attrs["framework"]
    np.testing.assert_array_equal(back.values, da.values)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 40), missing=st.floats(0, 0.9), outliers=st.floats(0, 0.09),
       seed=st.integers(0, 2**32 - 1))
def test_make_cities_invariants_hold_for_any_size_and_shares(n, missing, outliers, seed):
    fw = tree3()
    da = make_cities(n, fw, seed=seed, missing=missing, outliers=outliers)
    assert da.sizes == {"city": n, "indicator": 6}
    x = da.values
    assert np.all((~np.isnan(x)).sum(axis=0) >= 2)
    assert not np.isinf(x).any() and np.all(x[~np.isnan(x)] >= 0)
    assert da.attrs["n_outliers"] == round(outliers * n * 6)
    assert da.attrs["n_missing"] <= round(missing * n * 6)
    assert is_synthetic(da) and da.attrs["title"].startswith("SYNTHETIC")


@pytest.mark.parametrize("kwargs, match", [
    ({"n_cities": 1}, "n_cities"),
    ({"n_cities": "10"}, "n_cities"),
    ({"n_cities": True}, "n_cities"),
    ({"missing": 1.0}, "missing"),
    ({"missing": -0.1}, "missing"),
    ({"outliers": 1.5}, "outliers"),
    ({"missing": 0.6, "outliers": 0.5}, "must be below 1"),
    ({"skew": 0}, "skew"),
    ({"noise": -1}, "noise"),
    ({"noise": "a"}, "noise"),
    ({"pillar_corr": 2}, "pillar_corr"),
    ({"pillar_noise": float("nan")}, "pillar_noise"),
    ({"gdp_loading": -1}, "gdp_loading"),
    ({"framework": "h3c"}, "Framework"),
])
def test_make_cities_rejects_bad_parameters_with_spec_error(kwargs, match):
    args = {"n_cities": 10, **kwargs}
    with pytest.raises(SpecError, match=match):
        make_cities(**args)


@pytest.mark.parametrize("kwargs, match", [
    ({"city_names": ["a", "b"]}, "city_names has 2 names"),
    ({"city_names": ["a", "b", "a"]}, "duplicates.*'a'"),
    ({"provinces": ["广东"]}, "provinces has 1"),
    ({"provinces": ["广东", "火星", "北京"]}, "unknown province '火星' of city 'C00002'"),
    ({"log_gdp": [1.0, np.nan, 2.0]}, "log_gdp of city 'C00002'"),
    ({"log_gdp": [1.0, 2.0]}, "log_gdp has shape"),
    ({"population": [100.0, -5.0, 10.0]}, "population of city 'C00002'.*positive"),
    ({"population": ["x", "y", "z"]}, "population must be numeric"),
])
def test_make_cities_rejects_bad_city_inputs_with_data_error(kwargs, match):
    with pytest.raises(DataError, match=match):
        make_cities(3, tree3(), seed=0, **kwargs)


# ----------------------------------------------------------------------------- reference index
def test_equal_weight_index_matches_hand_computation():
    fw = Framework([Node("R"), Node("P", parent="R"), Node("a", parent="P"),
                    Node("b", parent="P", direction=-1), Node("c", parent="R")])
    X = np.array([[0.0, 10.0, 1.0],
                  [5.0, 0.0, 3.0],
                  [10.0, 5.0, np.nan]])
    # a: 0, 50, 100; b (reversed): 0, 100, 50; P = 0, 75, 75; c: 0, 100, NaN
    # R = mean(P, c) over non-missing: 0, 87.5, 75
    np.testing.assert_allclose(_equal_weight_index(X, fw), [0.0, 87.5, 75.0])


def test_equal_weight_index_is_batched_over_leading_axes_and_nan_for_zero_range():
    fw = tree3()
    X = np.random.default_rng(0).random((3, 8, 6))
    batch = _equal_weight_index(X, fw)
    assert batch.shape == (3, 8)
    np.testing.assert_allclose(batch[1], _equal_weight_index(X[1], fw))
    const = np.ones((4, 2))
    assert np.isnan(_equal_weight_index(const, Framework.from_tree({"R": ["x", "y"]}))).all()


# ----------------------------------------------------------------------------- make_h3c_panel
def test_make_h3c_panel_has_the_242_cities_with_published_coords(h3c):
    ref = load_h3c2021()
    assert h3c.sizes == {"city": 242, "indicator": 36}
    assert h3c.city.values.tolist() == ref.city.values.tolist()
    for c in ("city_en", "province", "region"):
        assert h3c[c].values.tolist() == ref[c].values.tolist()
    np.testing.assert_array_equal(h3c.published_score.values, ref.score.values)
    np.testing.assert_array_equal(h3c.published_rank.values, ref["rank"].values)


def test_make_h3c_panel_uses_shipped_gdp_only_else_nan(h3c):
    gdp = load_city_gdp()["gdp_2020_yi"].reindex(h3c.city.values)
    lg = h3c.log_gdp.values
    has = gdp.notna().to_numpy()
    assert has.sum() == 101
    np.testing.assert_allclose(lg[has], np.log(gdp.to_numpy()[has]))
    assert np.isnan(lg[~has]).all()
    assert np.isnan(h3c.population.values).all()


def test_make_h3c_panel_is_labelled_synthetic(h3c):
    assert is_synthetic(h3c) and h3c.attrs["title"].startswith("SYNTHETIC")
    assert "calibrated" in h3c.attrs["title"]
    assert h3c.attrs["generator"].endswith("make_h3c_panel")


def test_make_h3c_panel_equal_weight_index_tracks_published_scores(h3c):
    rho = h3c.attrs["calibration_spearman"]
    assert 0.95 <= rho < 0.995  # realistic noise: close, not exact
    assert 0.9 <= h3c.attrs["calibration_pearson"] < 0.999
    rep = calibration_report(h3c)
    assert rep["spearman"] == pytest.approx(rho)
    assert rep["pearson"] == pytest.approx(h3c.attrs["calibration_pearson"])
    assert rep["n_cities"] == 242 and rep["synthetic"] is True
    assert rep["max_abs_rank_shift"] > 0


def test_make_h3c_panel_calibration_holds_across_seeds():
    rhos = [make_h3c_panel(seed=s).attrs["calibration_spearman"] for s in range(10)]
    assert min(rhos) >= 0.95
    assert 0.96 <= np.mean(rhos) <= 0.985


def test_make_h3c_panel_pillars_differ(h3c, fw):
    sub = []
    for p in fw.children("DEI"):
        f = fw.drop_indicators([i for i in fw.indicators if i not in fw.descendants(p)])
        sub.append(_equal_weight_index(h3c.sel(indicator=f.indicators).values, f))
    c = np.corrcoef(sub)[np.triu_indices(4, 1)]
    assert np.all(c > 0.5) and np.all(c < 0.95)


def test_make_h3c_panel_noise_parameters_move_the_calibration():
    lo = make_h3c_panel(seed=1, index_noise=0.0).attrs["calibration_spearman"]
    hi = make_h3c_panel(seed=1, index_noise=0.5).attrs["calibration_spearman"]
    assert hi < lo


def test_make_h3c_panel_reproducible_and_forwards_generator_options():
    a = make_h3c_panel(seed=3, missing=0.05)
    xr.testing.assert_identical(a, make_h3c_panel(seed=3, missing=0.05))
    assert float(np.isnan(a.values).mean()) == pytest.approx(0.05, abs=1e-3)
    assert not np.allclose(a.fillna(0).values, make_h3c_panel(seed=4, missing=0.05).fillna(0).values)


def test_make_h3c_panel_works_with_another_framework():
    da = make_h3c_panel(seed=0, framework=Framework.from_tree({"R": [f"x{j}" for j in range(8)]}))
    assert da.sizes == {"city": 242, "indicator": 8}
    assert da.attrs["calibration_spearman"] > 0.75  # 8 indicators: noisier than 36


def test_make_h3c_panel_rejects_unknown_options():
    with pytest.raises(SpecError, match="unknown make_h3c_panel option 'city_names'.*missing"):
        make_h3c_panel(city_names=["a"])
    with pytest.raises(SpecError, match="index_noise"):
        make_h3c_panel(index_noise=-1)


# ----------------------------------------------------------------------------- calibration_report
def test_calibration_report_without_published_coord_looks_up_the_scores(h3c):
    rep = calibration_report(h3c.drop_vars(["published_score", "published_rank"]))
    assert rep["spearman"] == pytest.approx(h3c.attrs["calibration_spearman"])


def test_calibration_report_accepts_framework_as_json(h3c):
    da = h3c.copy()
    da.attrs = {**h3c.attrs, "framework": h3c.attrs["framework"].to_json()}
    assert calibration_report(da)["spearman"] == pytest.approx(h3c.attrs["calibration_spearman"])


def test_calibration_report_rejects_panel_without_framework(h3c):
    da = h3c.copy()
    da.attrs = {k: v for k, v in h3c.attrs.items() if k != "framework"}
    with pytest.raises(DataError, match="attrs\\['framework'\\]"):
        calibration_report(da)


def test_calibration_report_rejects_non_h3c_cities():
    with pytest.raises(DataError, match="not among the 242 H3C.*C00001"):
        calibration_report(make_cities(10, seed=0))


def test_calibration_report_rejects_non_panels():
    with pytest.raises(DataError, match="DataArray"):
        calibration_report(pd.DataFrame({"a": [1]}))
