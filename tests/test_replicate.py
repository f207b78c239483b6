"""Tests of citymodel.replicate: published H3C/CCID figures, GDP statistics vs scipy/statsmodels, CLI."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from citymodel.cli import main
from citymodel.datasets import load_ccid2021_top100, load_city_gdp, load_h3c2021
from citymodel.errors import DataError, SpecError
from citymodel.replicate import (
    bootstrap_ci,
    build_claims,
    claims_frame,
    correlation_table,
    coverage_bias,
    fisher_ci,
    gdp_panel,
    log_log_elasticity,
    ols_hc3,
    partial_correlation,
    rank_vs_rank,
    recompute_figures,
)
from citymodel.replicate.claims import VERDICTS
from citymodel.replicate.report import write_report
from citymodel.replicate.robustness import (
    random_weight_correlations,
    scenario_space_correlations,
    summarise_draws,
)


@pytest.fixture(scope="module")
def figures():
    return recompute_figures()


@pytest.fixture(scope="module")
def claims():
    return claims_frame(build_claims(n_boot=200))


@pytest.fixture(scope="module")
def supplement(shared_data):
    return shared_data / "gdp" / "city_supplement_fetched.csv"


def _rng_xy(n=80, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.lognormal(size=n)
    return x, 2 * np.log(x) + rng.normal(size=n)


# ------------------------------------------------------------------ published figures
def test_h3c_mean_score_and_tier_counts_and_means_match_the_published_values(figures):
    assert round(figures["h3c_mean_score_242"], 1) == 53.4
    published = {"tier1": (6, 90.3), "new_tier1": (47, 70.6), "tier2": (71, 56.8),
                 "tier3": (88, 44.1), "tier4": (30, 38.4)}
    for key, (n, mean) in published.items():
        assert figures[f"h3c_tier_count_{key}"] == n
        assert abs(figures[f"h3c_tier_mean_{key}"] - mean) <= 0.05 + 1e-9


def test_first_tier_de_gdp_share_is_recomputed_from_the_data(figures):
    h = load_h3c2021().to_dataframe()
    g = load_city_gdp()["gdp_2020_yi"]
    t1 = h[h.tier == "一线"]
    share = 100 * t1.de_scale.sum() / g.reindex(t1.index).sum()
    assert figures["h3c_tier1_de_gdp_share_pct"] == pytest.approx(share)
    assert abs(share - 52) <= 1  # published 52 %
    assert figures["h3c_tier1_mean_scale_yi"] == pytest.approx(14171.67, abs=0.01)
    assert figures["h3c_new_tier1_mean_scale_yi"] == pytest.approx(3717.81, abs=0.01)


def test_ccid2021_province_counts_shandong_13_guangdong_10_jiangsu_13(figures):
    assert (figures["ccid_top100_n_shandong"], figures["ccid_top100_n_guangdong"],
            figures["ccid_top100_n_jiangsu"]) == (13, 10, 13)
    assert figures["ccid_top5"] == ["北京", "上海", "深圳", "广州", "杭州"]
    assert sum(figures["ccid2021_region_share_pct"].values()) == pytest.approx(100)


def test_every_claim_has_a_verdict_unique_id_and_reason_when_not_checkable(claims):
    assert claims.claim_id.is_unique
    assert set(claims.verdict) <= set(VERDICTS)
    nc = claims[claims.verdict == "not checkable"]
    assert (nc.why.str.len() > 0).all()
    assert list(claims.columns[:5]) == ["claim_id", "source", "published", "recomputed", "verdict"]
    ok = claims.set_index("claim_id").verdict
    for cid in ("h3c_mean_score_242", "h3c_tier_counts_tier2", "h3c_tier_mean_scores_tier4",
                "h3c_first_tier_scale_gdp_share", "ccid2021_province_counts_jiangsu", "gdp_claim_ccid2021_1"):
        assert ok[cid] == "reproduced", cid
    # shipped GDP covers only 41 of the 47 new-first-tier cities
    assert ok["h3c_new_first_tier_scale_gdp_share"] == "not checkable"


def test_scope_filters_claims_by_report():
    h = claims_frame(build_claims("h3c2021", n_boot=50))
    c = claims_frame(build_claims("ccid2021", n_boot=50))
    assert h.claim_id.str.startswith(("h3c", "gdp_claim_h3c")).all()
    assert not c.claim_id.str.startswith("h3c").any()


def test_unknown_scope_raises_spec_error_listing_valid_names():
    with pytest.raises(SpecError, match="h3c2021"):
        build_claims("h3c2022")


def test_supplement_makes_new_first_tier_share_checkable_and_reproduced(supplement):
    df = claims_frame(build_claims(supplement=supplement, n_boot=100)).set_index("claim_id")
    assert df.loc["h3c_new_first_tier_scale_gdp_share", "verdict"] == "reproduced"
    assert abs(float(df.loc["h3c_new_first_tier_scale_gdp_share", "recomputed"]) - 46) <= 1
    p = gdp_panel(supplement)
    assert p.gdp.notna().sum() == 242 and p.population.notna().sum() == 242
    # precedence: shipped values are unchanged
    shipped = load_city_gdp()["gdp_2020_yi"].dropna()
    assert np.allclose(p.gdp.reindex(shipped.index), shipped)


# ------------------------------------------------------------------ statistics vs scipy/statsmodels
def test_fisher_ci_matches_scipy_pearson_interval_and_a_hand_formula():
    x, y = _rng_xy()
    res = stats.pearsonr(np.log(x), y)
    ci = res.confidence_interval(0.95)
    lo, hi = fisher_ci(res.statistic, x.size)
    assert (lo, hi) == pytest.approx((ci.low, ci.high), abs=1e-10)
    z, s = math.atanh(0.5), 1.959963984540054 / math.sqrt(25)
    assert fisher_ci(0.5, 28) == pytest.approx((math.tanh(z - s), math.tanh(z + s)))
    bw = fisher_ci(0.5, 28, se="bonett_wright")
    assert bw[1] - bw[0] > fisher_ci(0.5, 28)[1] - fisher_ci(0.5, 28)[0]


def test_correlation_table_estimates_match_scipy():
    x, y = _rng_xy()
    t = correlation_table(x, y, n_boot=200).set_index("statistic")
    assert t.loc["pearson (gdp level)", "estimate"] == pytest.approx(stats.pearsonr(x, y).statistic)
    assert t.loc["pearson (log gdp)", "estimate"] == pytest.approx(stats.pearsonr(np.log(x), y).statistic)
    assert t.loc["spearman", "estimate"] == pytest.approx(stats.spearmanr(x, y).statistic)
    assert t.loc["kendall tau-b", "estimate"] == pytest.approx(stats.kendalltau(x, y).statistic)
    assert (t.fisher_lo < t.estimate).all() and (t.estimate < t.fisher_hi).all()
    assert (t.boot_lo < t.boot_hi).all() and (t.n == 80).all()


def test_bootstrap_ci_is_seeded_and_close_to_fisher_for_pearson():
    x, y = _rng_xy(200)
    a = bootstrap_ci(np.log(x), y, seed=3, n_resamples=500)
    assert a == bootstrap_ci(np.log(x), y, seed=3, n_resamples=500)
    f = fisher_ci(stats.pearsonr(np.log(x), y).statistic, 200)
    assert a == pytest.approx(f, abs=0.05)


def test_ols_hc3_matches_statsmodels_and_a_hand_sandwich():
    x, y = _rng_xy()
    lx = np.log(x)
    r = ols_hc3(y, lx)
    fit = sm.OLS(y, sm.add_constant(lx)).fit(cov_type="HC3")
    assert r["slope"] == pytest.approx(fit.params[1]) and r["se_hc3"] == pytest.approx(fit.bse[1])
    X = sm.add_constant(lx)
    XtXi = np.linalg.inv(X.T @ X)
    e = y - X @ (XtXi @ X.T @ y)
    h = np.einsum("ij,jk,ik->i", X, XtXi, X)
    V = XtXi @ (X.T * (e / (1 - h)) ** 2) @ X @ XtXi
    assert r["se_hc3"] == pytest.approx(math.sqrt(V[1, 1]))
    assert r["r2"] == pytest.approx(stats.pearsonr(lx, y).statistic ** 2)


def test_partial_correlation_matches_the_closed_form():
    rng = np.random.default_rng(5)
    z = rng.normal(size=100)
    x = z + rng.normal(size=100)
    y = 0.5 * x + z + rng.normal(size=100)
    rxy, rxz, ryz = (stats.pearsonr(a, b).statistic for a, b in ((x, y), (x, z), (y, z)))
    expect = (rxy - rxz * ryz) / math.sqrt((1 - rxz**2) * (1 - ryz**2))
    pc = partial_correlation(x, y, z)
    assert pc["r"] == pytest.approx(expect) and pc["n"] == 100 and pc["lo"] < pc["r"] < pc["hi"]


def test_log_log_elasticity_recovers_a_known_exponent():
    rng = np.random.default_rng(2)
    g = rng.lognormal(8, 1, 300)
    d = 0.1 * g**1.3 * np.exp(rng.normal(0, 0.05, 300))
    assert log_log_elasticity(d, g)["slope"] == pytest.approx(1.3, abs=0.02)


def test_rank_vs_rank_is_positive_when_better_ranks_have_higher_gdp_and_lists_missing():
    ranks = np.arange(1, 31)
    gdp = 1000.0 / ranks
    gdp[4] = np.nan
    r = rank_vs_rank(ranks, gdp, cities=[f"c{i}" for i in ranks], n_boot=100)
    assert r["spearman"] == pytest.approx(1.0) and r["n"] == 29 and r["missing"] == ["c5"]


def test_ccid_rank_vs_gdp_uses_the_matched_top100_cities(figures):
    c = load_ccid2021_top100()
    full = load_city_gdp().reset_index().set_index("city_full")
    gdp = c.city.map(full.gdp_2020_yi).to_numpy(float)
    r = rank_vs_rank(c["rank"], gdp, cities=list(c.city), n_boot=100)
    ok = np.isfinite(gdp)
    assert r["spearman"] == pytest.approx(stats.spearmanr(-c["rank"][ok], gdp[ok]).statistic)
    assert r["n"] == ok.sum() and len(r["missing"]) == 100 - ok.sum()


def test_coverage_bias_compares_covered_with_all_cities():
    p = gdp_panel()
    cov = coverage_bias(p.score, p.gdp.notna())
    assert cov.loc["all", "n"] == 242 and cov.loc["with GDP", "n"] == 101
    assert cov.loc["all", "mean"] == pytest.approx(p.score.mean())
    assert 0 <= cov.attrs["ks_p"] <= 1


@settings(max_examples=25, deadline=None)
@given(r=st.floats(-0.95, 0.95), n=st.integers(6, 5000))
def test_fisher_interval_contains_r_and_shrinks_with_n(r, n):
    lo, hi = fisher_ci(r, n)
    lo2, hi2 = fisher_ci(r, n + 100)
    assert lo <= r <= hi and hi2 - lo2 < hi - lo


def test_bad_inputs_raise_typed_errors_with_a_fix():
    with pytest.raises(SpecError, match="standard"):
        fisher_ci(0.5, 20, se="wrong")
    with pytest.raises(DataError, match="n > 3"):
        fisher_ci(0.5, 3)
    with pytest.raises(DataError, match="complete pairs"):
        correlation_table([1.0, 2, np.nan], [1.0, 2, 3])
    with pytest.raises(DataError, match="non-positive"):
        correlation_table(np.arange(-2.0, 8), np.arange(10.0))
    with pytest.raises(DataError, match="equal length"):
        ols_hc3([1.0, 2], [1.0, 2, 3])
    with pytest.raises(SpecError, match="pearson"):
        bootstrap_ci(np.arange(10.0), np.arange(10.0), "cramer")
    with pytest.raises(DataError, match="log_gdp"):
        random_weight_correlations(xr.DataArray(np.ones((5, 2)), dims=("city", "indicator")))


# ------------------------------------------------------------------ robustness
def test_random_weight_draws_are_seeded_bounded_and_match_a_direct_computation():
    from citymodel.datasets.synthetic import make_h3c_panel

    panel = make_h3c_panel(seed=0)
    d = random_weight_correlations(panel, 300, seed=4)
    assert d.equals(random_weight_correlations(panel, 300, seed=4))
    assert len(d) == 300 and d.abs().le(1).all().all()
    assert d.attrs["n_cities"] == int(np.isfinite(panel.log_gdp.values).sum())
    # draw 0 recomputed by hand
    w = np.random.default_rng(4).uniform(size=(300, panel.sizes["indicator"]))[0]
    X = panel.values * panel.direction.values
    Z = (X - np.nanmin(X, 0)) / (np.nanmax(X, 0) - np.nanmin(X, 0))
    idx = np.nansum(Z * w, 1) / (np.isfinite(Z) * w).sum(1)
    ok = np.isfinite(panel.log_gdp.values)
    assert d.pearson_log_gdp[0] == pytest.approx(stats.pearsonr(idx[ok], panel.log_gdp.values[ok]).statistic)
    s = summarise_draws(d)
    assert s.loc["lowest", "spearman"] <= s.loc["median", "spearman"] <= s.loc["highest", "spearman"]


def test_scenario_space_correlations_one_row_per_scenario_matching_a_recomputation():
    from citymodel.datasets.synthetic import make_h3c_panel
    from citymodel.demo import demo_space
    from citymodel.uncertainty.engine import run_uncertainty

    panel = make_h3c_panel(seed=0)
    spec = {"normalise": {"method": "minmax", "range": [1, 100]}, "weights": "meta"}
    d = scenario_space_correlations(panel, 32, seed=2)
    assert len(d) == 32 and {"weighting", "aggregation"} <= set(d.columns)
    assert "SYNTHETIC" in d.attrs["label"]
    res = run_uncertainty(panel, panel.attrs["framework"], demo_space(), 32, spec=spec, seed=2, keep="full")
    lg = panel.log_gdp.sel(city=res.runs.city.values).values
    ok = np.isfinite(lg)
    s0 = res.runs.score.values[0][ok]
    assert d.pearson_log_gdp[0] == pytest.approx(stats.pearsonr(s0, lg[ok]).statistic)
    assert d.spearman[0] == pytest.approx(stats.spearmanr(s0, lg[ok]).statistic)


# ------------------------------------------------------------------ report and CLI
def test_write_report_writes_claims_csv_markdown_html_and_figures(tmp_path):
    r = write_report(tmp_path, "h3c2021", n_boot=100, draws=200, scenarios=32)
    df = pd.read_csv(tmp_path / "claims.csv")
    assert list(df.columns) == ["claim_id", "source", "published", "recomputed", "verdict"]
    assert df.verdict.isin(VERDICTS).all()
    for name in ("score_vs_log_gdp", "tier_boxplots", "residuals", "correlation_distribution"):
        assert (tmp_path / "figures" / f"{name}.png").stat().st_size > 1000
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "Scenario space of the sensitivity analysis" in md
    assert "SYNTHETIC" in md and "n with GDP = 101 of 242" in md
    assert "<table" in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert len(r["missing_gdp"]) == 141 and r["summary"][0].startswith("replication:")


def test_cli_replicate_with_supplement_prints_coverage_and_writes_report(tmp_path, supplement, capsys):
    rc = main(["replicate", "all", "--out", str(tmp_path), "--gdp-supplement", str(supplement),
               "--n-boot", "100", "--draws", "0", "--scenarios", "0"])
    out = capsys.readouterr().out
    assert rc == 0 and "242/242 cities with GDP" in out
    assert (tmp_path / "claims.csv").exists() and "Partial correlation" in (tmp_path / "report.md").read_text()


def test_cli_replicate_missing_supplement_exits_1(tmp_path, capsys):
    rc = main(["replicate", "--out", str(tmp_path), "--gdp-supplement", str(tmp_path / "nope.csv")])
    assert rc == 1 and "does not exist" in capsys.readouterr().err
