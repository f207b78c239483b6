"""Bundled published data: contents, provenance and published figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from citymodel import datasets as d


def test_h3c_has_242_cities_mean_53_43_and_published_tier_counts():
    ds = d.load_h3c2021()
    assert ds.sizes["city"] == 242
    assert round(float(ds.score.mean()), 2) == 53.43
    counts = pd.Series(ds.tier.values).value_counts()
    assert [counts[t] for t in d.H3C_TIER_LABELS] == [6, 47, 71, 88, 30]
    assert ds.attrs["synthetic"] == 0 and "H3C" in ds.attrs["title"]


def test_h3c_cutoffs_reproduce_the_inferred_tiers():
    ds = d.load_h3c2021()
    code = np.digitize(ds.score.values, d.H3C_TIER_CUTOFFS)  # 0 = below 40 ... 4 = >= 85
    labels = np.array(d.H3C_TIER_LABELS[::-1])[code]
    assert (labels == ds.tier.values).all()


def test_h3c_suqian_scale_is_missing_and_explained():
    ds = d.load_h3c2021()
    assert np.isnan(float(ds.de_scale.sel(city="宿迁")))
    assert int(ds.de_scale.isnull().sum()) == 1 and "宿迁" in ds.attrs["missing"]
    first = ds.de_scale.where(ds.tier == "一线", drop=True)
    assert float(first.sum()) == 85030 and round(float(first.mean())) == 14172


def test_ccid_lists():
    top = d.load_ccid2021_top100()
    assert len(top) == 100 and top["rank"].tolist() == list(range(1, 101))
    counts = top.province.value_counts()
    assert counts["山东省"] == 13 and counts["广东省"] == 10 and counts["江苏省"] == 13
    assert len(d.load_ccid2021_governance()) == 100
    ss = d.load_ccid2021_social_service()
    assert len(ss) == 99 and int(ss.uncertain.sum()) == 33 and "99 of 100" in ss.attrs["missing"]


def test_gdp_coverage_and_nothing_dropped():
    g = d.load_city_gdp()
    assert len(g) == 242 and int(g.gdp_2020_yi.notna().sum()) == 101
    assert g.attrs["coverage"].startswith("101/242")
    assert g.loc["上海", "gdp_2020_yi"] == pytest.approx(38700.58)
    assert g.source.notna().sum() == 101


def test_gdp_supplement_fills_only_missing_values(shared_data):
    sup = shared_data / "gdp" / "city_supplement_fetched.csv"
    g0 = d.load_city_gdp()
    g = d.load_city_gdp(supplement=sup)
    shipped = g0.gdp_2020_yi.notna()
    # precedence: shipped (cited) values are never overwritten
    pd.testing.assert_series_equal(g.gdp_2020_yi[shipped], g0.gdp_2020_yi[shipped])
    assert (g.gdp_origin[~shipped] == "supplement").sum() == int(g.gdp_2020_yi[~shipped].notna().sum())
    assert "population_2020_wan" in g and g.attrs["coverage"].startswith("242/242")


def test_supplement_file_is_not_shipped_in_the_package():
    from pathlib import Path

    import citymodel

    root = Path(citymodel.__file__).parent
    assert not list(root.rglob("*supplement*"))
    text = "".join(p.read_text(encoding="utf-8", errors="ignore") for p in root.rglob("*.csv"))
    assert "population_2020_wan" not in text


def test_tai_is_23_by_8_with_goalposts_and_citation():
    tai = d.load_tai()
    assert tai.shape == (23, 8)
    assert "Handbook" in tai.attrs["source"]
    assert tai.sel(indicator="TELEPHONES_log10").upper == pytest.approx(np.log10(901))


def test_regions_and_names():
    assert d.region_of("广西壮族自治区") == "华南" and d.region_of("北京市") == "华北"
    assert d.short_province("新疆维吾尔自治区") == "新疆"
    assert set(d.province_regions().values()) == {"华东", "华中", "华南", "华北", "西南", "东北", "西北"}
    names = d.city_names()
    assert names.loc["上海", "city_en"] == "Shanghai" and len(names) == 242
    with pytest.raises(ValueError, match="unknown province"):
        d.region_of("Atlantis")


def test_frameworks_and_summary_stats_load():
    fws = d.load_frameworks()
    assert {r["id"] for r in fws["reports"]} >= {"h3c_caict_2021_de_index", "ccid_2021_city_digital_transformation"}
    stats = d.load_summary_stats()
    assert any(s["id"] == "h3c_mean_score_242" for s in stats["stats"])


def test_list_datasets_names_every_loader():
    t = d.list_datasets()
    for loader in t.loader:
        assert hasattr(d, loader.rstrip("()"))
