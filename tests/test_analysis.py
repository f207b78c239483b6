"""Tests for citymodel.analysis: the report tables (pillar means, top-k gap, counts per group,
coverage, radar data, rank comparison) on a hand-built 8-city index, plus the published
figures of H3C/CAICT 2021 and CCID 2021 that these tables reproduce."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as hs

from citymodel.analysis import (
    RankComparison,
    coverage,
    group_counts,
    pillar_means,
    radar_data,
    rank_comparison,
    top_gap,
)
from citymodel.datasets import load_ccid2021_top100, load_h3c2021
from citymodel.errors import DataError, SpecError

# --------------------------------------------------------------------------------------------
# a hand-built build() result: 8 cities, indicators a,b -> P1, c,d -> P2, P1,P2 -> IDX
# (equal-weight arithmetic means, so every pillar/index value below is checkable by eye)
# --------------------------------------------------------------------------------------------
CITIES = ["北京", "上海", "深圳", "广州", "杭州", "南京", "苏州", "成都"]
CITY_EN = ["Beijing", "Shanghai", "Shenzhen", "Guangzhou", "Hangzhou", "Nanjing", "Suzhou", "Chengdu"]
PROVINCE = ["北京市", "上海市", "广东省", "广东省", "浙江省", "江苏省", "江苏省", "四川省"]
REGION = ["华北", "华东", "华南", "华南", "华东", "华东", "华东", "西南"]
IND = np.array([  # a, b, c, d
    [90, 70, 80, 100],
    [80, 80, 90, 70],
    [60, 80, 80, 60],
    [70, 50, 50, 70],
    [40, 60, 70, 50],
    [50, 50, 40, 40],
    [30, 30, 50, 30],
    [20, 20, 10, 30],
], dtype=float)
P1 = [80, 80, 70, 60, 50, 50, 30, 20]
P2 = [90, 80, 70, 60, 60, 40, 40, 20]
IDX = [85, 80, 70, 60, 55, 45, 35, 20]
TIER = ["一线", "一线", "二线", "二线", "二线", "三线", "三线", "三线"]
NODES = ["a", "b", "c", "d", "P1", "P2", "IDX"]


def min_rank(S: np.ndarray) -> np.ndarray:
    """Ranks per column, 1 = highest, ties 'min' (independent of citymodel)."""
    return np.column_stack([st.rankdata(-S[:, j], method="min") for j in range(S.shape[1])])


def make_ds(idx=None, *, cities=CITIES, tiers=True) -> xr.Dataset:
    S = np.column_stack([IND, P1, P2, IDX if idx is None else idx]).astype(float)
    n = len(cities)
    S = S[:n]
    ds = xr.Dataset(
        {"score": (("city", "node"), S), "rank": (("city", "node"), min_rank(S).astype(float)),
         "weight": ("node", [0.5] * 6 + [1.0]),
         "effective_weight": ("node", [0.25] * 4 + [0.5, 0.5, 1.0])},
        coords={"city": np.array(cities, dtype=object), "node": np.array(NODES, dtype=object),
                "level": ("node", [1, 1, 1, 1, 2, 2, 3]),
                "parent": ("node", np.array(["P1", "P1", "P2", "P2", "IDX", "IDX", ""], dtype=object)),
                "city_en": ("city", np.array(CITY_EN[:n], dtype=object)),
                "province": ("city", np.array(PROVINCE[:n], dtype=object)),
                "region": ("city", np.array(REGION[:n], dtype=object))},
        attrs={"index": "IDX"},
    )
    if tiers:
        codes = {"一线": 0, "二线": 1, "三线": 2}
        ds["tier"] = ("city", np.array(TIER[:n], dtype=object))
        ds["tier"].attrs["labels"] = ["一线", "二线", "三线"]
        ds["tier_code"] = ("city", np.array([codes[t] for t in TIER[:n]]))
    return ds


@pytest.fixture
def ds() -> xr.Dataset:
    return make_ds()


# --------------------------------------------------------------------------------------------
# pillar_means
# --------------------------------------------------------------------------------------------
def test_pillar_means_by_tier_equals_hand_means_in_tier_order(ds):
    m = pillar_means(ds, by="tier")
    assert list(m.index) == ["一线", "二线", "三线"]  # best tier first, not alphabetical
    assert list(m.columns) == ["P1", "P2", "n"]
    np.testing.assert_allclose(m["P1"], [80, 60, 100 / 3])
    np.testing.assert_allclose(m["P2"], [85, 190 / 3, 100 / 3])
    assert m["n"].tolist() == [2, 3, 3]


def test_pillar_means_by_region_and_indicator_level(ds):
    m = pillar_means(ds, by="region")
    assert m.loc["华东", "P1"] == pytest.approx((80 + 50 + 50 + 30) / 4)
    assert m.loc["华东", "P2"] == pytest.approx((80 + 60 + 40 + 40) / 4)
    assert m.loc["华南", "P1"] == 65 and m.loc["华南", "n"] == 2
    assert m["n"].sum() == 8
    m1 = pillar_means(ds, by="tier", level=1)
    assert list(m1.columns) == ["a", "b", "c", "d", "n"]
    assert m1.loc["一线", "d"] == pytest.approx(85.0)
    m3 = pillar_means(ds, by="tier", level=3)  # the index level gives the index itself
    np.testing.assert_allclose(m3["IDX"], [82.5, 185 / 3, 100 / 3])


def test_pillar_means_accepts_a_mapping_and_skips_missing_labels_and_scores(ds):
    groups = {"北京": "g1", "上海": "g1", "深圳": "g2"}  # other cities unlabelled -> left out
    ds = ds.copy(deep=True)
    ds["score"].loc[{"city": "上海", "node": "P1"}] = np.nan
    m = pillar_means(ds, by=groups)
    assert m.loc["g1", "P1"] == 80.0  # NaN skipped
    assert m.loc["g1", "n"] == 2 and m["n"].sum() == 3


def test_pillar_means_reproduces_h3c_2021_tier_means_and_counts():
    # H3C/CAICT 2021: 一线 6 cities 90.3, 新一线 47 70.6, 二线 71 56.8, 三线 88 44.1, 四线 30 38.4
    m = pillar_means(load_h3c2021(), by="tier")
    assert list(m.index) == ["一线", "新一线", "二线", "三线", "四线"]
    assert m["score"].round(1).tolist() == [90.3, 70.6, 56.8, 44.1, 38.4]
    assert m["n"].tolist() == [6, 47, 71, 88, 30]


@settings(max_examples=40, deadline=None)
@given(hs.lists(hs.tuples(hs.integers(0, 100), hs.integers(0, 100), hs.sampled_from("xyz")),
                min_size=2, max_size=15))
def test_pillar_means_weighted_by_n_give_the_overall_mean(rows):
    s = np.array([[r[0], r[1]] for r in rows], dtype=float)
    cities = [f"c{i}" for i in range(len(rows))]
    d = xr.Dataset({"score": (("city", "node"), np.column_stack([s, s.mean(axis=1)]))},
                   coords={"city": cities, "node": ["P", "Q", "I"], "parent": ("node", ["I", "I", ""]),
                           "grp": ("city", [r[2] for r in rows])}, attrs={"index": "I"})
    m = pillar_means(d, by="grp")
    assert m["n"].sum() == len(rows)
    np.testing.assert_allclose((m[["P", "Q"]].mul(m["n"], axis=0)).sum() / len(rows), s.mean(axis=0))


def test_pillar_means_without_tiers_says_how_to_add_them():
    with pytest.raises(SpecError, match="no tiers.*tiers"):
        pillar_means(make_ds(tiers=False), by="tier")


def test_pillar_means_unknown_grouping_lists_valid_names(ds):
    with pytest.raises(SpecError, match="unknown city grouping 'county'.*province.*region"):
        pillar_means(ds, by="county")


def test_pillar_means_unknown_level_lists_levels(ds):
    with pytest.raises(SpecError, match=r"no node has level 7; levels are \[1, 2, 3\]"):
        pillar_means(ds, level=7)


def test_pillar_means_unknown_node_in_level_list(ds):
    with pytest.raises(SpecError, match="unknown node 'P9'"):
        pillar_means(ds, level=["P1", "P9"])


def test_non_dataset_and_dataset_without_score_are_rejected(ds):
    with pytest.raises(DataError, match="expected the xarray.Dataset.*DataFrame"):
        pillar_means(pd.DataFrame({"a": [1]}))
    with pytest.raises(DataError, match="no 'score' variable"):
        pillar_means(ds.drop_vars("score"))


def test_scenario_axis_must_be_selected_first(ds):
    batched = ds.assign(score=ds["score"].expand_dims(scenario=2))
    with pytest.raises(DataError, match="extra dimensions.*scenario"):
        top_gap(batched, top=2, of=5)


# --------------------------------------------------------------------------------------------
# top_gap
# --------------------------------------------------------------------------------------------
def test_top_gap_equals_hand_computation(ds):
    g = top_gap(ds, top=2, of=5)
    assert list(g.columns) == ["top_mean", "of_mean", "gap"]
    np.testing.assert_allclose(g.loc["P1"], [80, 68, 12])
    np.testing.assert_allclose(g.loc["P2"], [85, 72, 13])
    assert g.attrs["n_top"] == 2 and g.attrs["n_of"] == 5


def test_top_gap_includes_ties_at_the_boundary():
    # 深圳 and 广州 tie for 3rd: the "top 3" lists four cities
    d = make_ds(idx=[85, 80, 65, 65, 55, 45, 35, 20])
    g = top_gap(d, top=3, of=None)
    assert g.attrs["n_top"] == 4 and g.attrs["n_of"] == 8
    assert g.loc["P1", "top_mean"] == pytest.approx((80 + 80 + 70 + 60) / 4)
    assert g.loc["P1", "of_mean"] == pytest.approx(np.mean(P1))


def test_top_gap_reproduces_h3c_top6_and_overall_mean():
    # H3C/CAICT 2021: the six 一线 cities (ranks 1-6) average 90.3; all 242 cities 53.4
    g = top_gap(load_h3c2021(), top=6, of=None)
    assert round(g.loc["score", "top_mean"], 1) == 90.3
    assert round(g.loc["score", "of_mean"], 1) == 53.4
    assert g.loc["score", "top_mean"] == pytest.approx(90.3333, abs=1e-4)


def test_top_gap_rejects_of_beyond_the_ranked_cities(ds):
    with pytest.raises(SpecError, match="of=100 but only 8 cities are ranked.*of=None"):
        top_gap(ds)


@pytest.mark.parametrize("top, of, msg", [(5, 5, r"top \(5\) must be smaller than of \(5\)"),
                                          (0, 5, "top must be a positive integer"),
                                          (2, 2.5, "of must be a positive integer")])
def test_top_gap_bad_sizes(ds, top, of, msg):
    with pytest.raises(SpecError, match=msg):
        top_gap(ds, top=top, of=of)


# --------------------------------------------------------------------------------------------
# group_counts and coverage
# --------------------------------------------------------------------------------------------
def test_group_counts_on_a_build_sorted_descending_then_by_label(ds):
    c = group_counts(ds, by="province")
    assert c.name == "n" and c.index.name == "province"
    assert c.iloc[:2].to_dict() == {"广东省": 2, "江苏省": 2}
    assert c.sum() == 8 and c.is_monotonic_decreasing
    top4 = group_counts(ds, by="province", top=4)  # 北京 上海 深圳 广州
    assert top4.to_dict() == {"广东省": 2, "上海市": 1, "北京市": 1}
    assert group_counts(ds, by="tier").to_dict() == {"三线": 3, "二线": 3, "一线": 2}


def test_group_counts_reproduces_ccid_2021_top100_province_counts():
    # CCID 2021: "山东上榜城市13个，广东上榜城市10个，江苏更是全域入榜" (江苏 13)
    c = group_counts(load_ccid2021_top100(), by="province")
    assert c["山东省"] == 13 and c["广东省"] == 10 and c["江苏省"] == 13
    assert c.sum() == 100
    assert list(c.index[:3]) == ["山东省", "江苏省", "广东省"]
    top10 = group_counts(load_ccid2021_top100(), by="province", top=10)
    assert top10.sum() == 10


def test_coverage_says_every_jiangsu_city_is_listed():
    # 江苏 has 13 prefecture-level cities, 山东 16, 广东 21 (administrative divisions, 2020)
    c = group_counts(load_ccid2021_top100(), by="province")
    cov = coverage(c, {"江苏": 13, "山东省": 16, "广东省": 21})
    assert list(cov.columns) == ["listed", "total", "share", "all_listed"]
    assert bool(cov.loc["江苏", "all_listed"]) and cov.loc["江苏", "share"] == 1.0
    assert not cov.loc["山东省", "all_listed"] and cov.loc["山东省", "share"] == pytest.approx(0.812, abs=1e-3)
    assert cov.loc["广东省", "listed"] == 10
    assert "浙江省" in cov.attrs["not_in_universe"]


def test_coverage_of_a_group_with_no_listed_city_is_zero():
    cov = coverage(pd.Series({"江苏省": 2}), {"西藏": 6})
    assert cov.loc["西藏", "listed"] == 0 and not cov.loc["西藏", "all_listed"]


def test_coverage_rejects_more_listed_than_candidates():
    with pytest.raises(DataError, match="14 江苏 cities are listed but the universe has only 13"):
        coverage({"江苏省": 14}, {"江苏": 13})


@pytest.mark.parametrize("universe, err, msg", [({"江苏": 0}, DataError, "positive integer"),
                                                 ({"江苏": 1.5}, DataError, "positive integer"),
                                                 ({}, SpecError, "non-empty mapping")])
def test_coverage_bad_universe(universe, err, msg):
    with pytest.raises(err, match=msg):
        coverage({"江苏省": 1}, universe)


def test_group_counts_bad_inputs():
    df = load_ccid2021_top100()
    with pytest.raises(SpecError, match="unknown grouping column 'prov'.*province"):
        group_counts(df, by="prov")
    with pytest.raises(SpecError, match="top=5 needs a 'rank' column"):
        group_counts(df.drop(columns="rank"), top=5)
    with pytest.raises(DataError, match="build Dataset or a DataFrame"):
        group_counts([1, 2, 3])


# --------------------------------------------------------------------------------------------
# radar_data
# --------------------------------------------------------------------------------------------
def test_radar_data_city_mean_and_best_per_node(ds):
    r = radar_data(ds, "杭州")
    assert list(r.columns) == ["杭州", "mean", "max"] and list(r.index) == ["P1", "P2"]
    np.testing.assert_allclose(r["杭州"], [50, 60])
    np.testing.assert_allclose(r["mean"], [440 / 8, 460 / 8])
    np.testing.assert_allclose(r["max"], [80, 90])


def test_radar_data_best_node_vs_index_leader_differ_on_indicators(ds):
    per_node = radar_data(ds, "Hangzhou", level=1)  # city_en names are accepted too
    assert per_node.attrs["city"] == "杭州"
    np.testing.assert_allclose(per_node["max"], [90, 80, 90, 100])
    assert per_node.attrs["best_city"]["b"] == "上海"
    leader = radar_data(ds, "杭州", level=1, best="index")
    np.testing.assert_allclose(leader["max"], IND[0])  # 北京, rank 1 on the index


def test_radar_data_unknown_city_and_best(ds):
    with pytest.raises(SpecError, match="unknown city '西安'.*8 cities"):
        radar_data(ds, "西安")
    with pytest.raises(SpecError, match="unknown radar best 'city'.*index, node"):
        radar_data(ds, "杭州", best="city")


# --------------------------------------------------------------------------------------------
# rank_comparison
# --------------------------------------------------------------------------------------------
ENTROPY = [70, 85, 60, 75, 40, 50, 45, 10]  # ranks 3 1 4 2 7 5 6 8


@pytest.fixture
def comparison(ds) -> RankComparison:
    return rank_comparison({"equal": ds, "entropy": make_ds(ENTROPY), "pca": make_ds()}, top=3)


def test_rank_comparison_table_lists_the_union_of_top_sets_in_reference_order(comparison):
    t = comparison.table
    assert list(t.index) == ["北京", "上海", "深圳", "广州"]
    assert list(t.columns) == ["equal", "entropy", "pca", "max_abs_shift"]
    assert t["equal"].tolist() == [1, 2, 3, 4]
    assert t["entropy"].tolist() == [3, 1, 4, 2]
    assert t["max_abs_shift"].tolist() == [2, 1, 1, 2]
    assert comparison.schemes == ["equal", "entropy", "pca"]


def test_rank_comparison_statistics_equal_independent_computation(comparison):
    rho = st.spearmanr(IDX, ENTROPY).statistic
    assert comparison.spearman.loc["equal", "entropy"] == pytest.approx(rho)
    assert comparison.spearman.loc["equal", "pca"] == pytest.approx(1.0)
    assert comparison.overlap.loc["equal", "entropy"] == 2  # {北京, 上海}
    assert comparison.overlap.loc["equal", "pca"] == 3
    assert comparison.overlap.loc["entropy", "entropy"] == 3
    assert comparison.max_shift.to_dict() == {"entropy": 2, "pca": 0}
    assert comparison.common == ["北京", "上海"]


def test_rank_comparison_summary_text(comparison):
    s = comparison.summary()
    assert "reference 'equal'" in s
    assert f"entropy {st.spearmanr(IDX, ENTROPY).statistic:.3f}" in s
    assert "entropy 2/3" in s and "pca 3/3" in s
    assert "entropy 2 (北京, 广州)" in s and "pca 0" in s


def test_rank_comparison_other_reference_and_missing_city(ds):
    short = make_ds(ENTROPY, cities=CITIES[:7])  # 成都 missing from this build
    c = rank_comparison({"equal": ds, "entropy": short}, top=3, reference="entropy")
    assert c.schemes == ["entropy", "equal"]
    assert list(c.table.index[:3]) == ["上海", "广州", "北京"]
    rho = st.spearmanr(IDX[:7], ENTROPY[:7]).statistic
    assert c.spearman.loc["entropy", "equal"] == pytest.approx(rho)


@settings(max_examples=30, deadline=None)
@given(hs.lists(hs.integers(0, 20), min_size=3, max_size=12), hs.integers(1, 5))
def test_rank_comparison_of_a_build_with_itself_has_no_shift(scores, top):
    n = len(scores)
    S = np.column_stack([scores, scores, scores]).astype(float)
    d = xr.Dataset({"score": (("city", "node"), S), "rank": (("city", "node"), min_rank(S).astype(float))},
                   coords={"city": [f"c{i}" for i in range(n)], "node": ["P", "Q", "I"],
                           "parent": ("node", ["I", "I", ""])}, attrs={"index": "I"})
    c = rank_comparison({"x": d, "y": d}, top=top)
    assert c.max_shift["y"] == 0
    k = int((min_rank(S)[:, 2] <= top).sum())
    assert c.overlap.loc["x", "y"] == k == len(c.table)
    if np.ptp(scores) > 0:
        assert c.spearman.loc["x", "y"] == pytest.approx(1.0)


def test_rank_comparison_bad_inputs(ds):
    with pytest.raises(SpecError, match="at least two builds"):
        rank_comparison({"equal": ds})
    with pytest.raises(SpecError, match="unknown reference scheme 'ahp'.*entropy, equal"):
        rank_comparison({"equal": ds, "entropy": ds}, reference="ahp")
    other = ds.assign_coords(city=[f"x{i}" for i in range(8)])
    with pytest.raises(DataError, match="share 0 cities"):
        rank_comparison({"equal": ds, "other": other})
    with pytest.raises(SpecError, match="top must be a positive integer"):
        rank_comparison({"equal": ds, "entropy": ds}, top=0)


# --------------------------------------------------------------------------------------------
# integration: a real build (TAI, Handbook goalposts, equal weights)
# --------------------------------------------------------------------------------------------
def test_analyses_on_the_tai_build_match_direct_computation():
    from citymodel.build import build
    from citymodel.datasets import load_tai, tai_framework

    spec = {"normalise": {"method": "goalposts"},
            "tiers": {"method": "quantile", "k": 3, "labels": ["high", "mid", "low"]}}
    tai = build(load_tai(), tai_framework(), spec)
    # published (UNDP HDR 2001 / Handbook): Finland 0.744, United States 0.733 lead the index
    idx = tai["score"].sel(node="TAI").to_series()
    assert list(idx.sort_values(ascending=False).index[:2]) == ["Finland", "United States"]
    assert idx["United States"] == pytest.approx(0.733, abs=1e-3)
    dims = ["Creation of technology", "Diffusion of recent innovations",
            "Diffusion of old innovations", "Human skills"]

    m = pillar_means(tai, by="tier")
    assert list(m.index) == ["high", "mid", "low"] and list(m.columns) == [*dims, "n"]
    assert m["n"].sum() == 23
    df = tai["score"].sel(node=dims).to_pandas()
    tiers = tai["tier"].to_series()
    np.testing.assert_allclose(m.loc["high", dims], df[tiers == "high"].mean())

    g = top_gap(tai, top=5, of=None)
    top5 = idx.sort_values(ascending=False).index[:5]
    np.testing.assert_allclose(g["gap"], df.loc[top5].mean() - df.mean())

    r = radar_data(tai, "Finland")
    np.testing.assert_allclose(r["Finland"], df.loc["Finland"])
    np.testing.assert_allclose(r["max"], df.max())

    assert group_counts(tai, by="tier").sum() == 23
    c = rank_comparison({"equal": tai, "same": tai}, top=10)
    assert c.max_shift["same"] == 0 and c.overlap.loc["equal", "same"] == 10


def test_rank_comparison_city_missing_from_one_build_is_not_common(ds):
    no_beijing = make_ds(ENTROPY).drop_sel(city="北京")  # ranks: 上海 1, 广州 2, 深圳 4
    c = rank_comparison({"equal": ds, "entropy": no_beijing}, top=3)
    assert pd.isna(c.table.loc["北京", "entropy"])
    assert c.common == ["上海"]
    assert c.overlap.loc["equal", "entropy"] == 1
