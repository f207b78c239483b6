"""Production-function estimation: Munnell/Baltagi Produc estimates, synthetic recovery, options, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from citymodel.accounts.production import estimate_production
from citymodel.accounts.synthetic import make_growth_panel
from citymodel.errors import DataError, MethodError, SpecError


@pytest.fixture(scope="module")
def produc(shared_data):
    return pd.read_csv(shared_data / "growth" / "produc_us_states_1970_1986.csv")


def test_munnell_fixed_effects_match_baltagi_within_estimates(produc):
    # Baltagi, Econometric Analysis of Panel Data, Produc within (state FE) regression
    r = estimate_production(produc, "gsp", ("pcap", "pc", "emp"), ("unemp",), effects="city",
                            entity="state")
    np.testing.assert_allclose(r.params[["pcap", "pc", "emp", "unemp"]],
                               [-0.02615, 0.29201, 0.76816, -0.00530], atol=5e-5)
    np.testing.assert_allclose(r.bse[["pcap", "pc", "emp", "unemp"]],
                               [0.02900, 0.02512, 0.03009, 0.00099], atol=5e-5)
    assert "effects=city" in r.summary() and r.nobs == 816


def test_munnell_pooled_ols_matches_textbook(produc):
    r = estimate_production(produc, "gsp", ("pcap", "pc", "emp"), ("unemp",), entity="state")
    np.testing.assert_allclose(r.params[["const", "pcap", "pc", "emp", "unemp"]],
                               [1.6433, 0.1550, 0.3092, 0.5939, -0.0067], atol=5e-4)


def test_clustered_and_robust_errors_agree_with_statsmodels(produc):
    df = produc.assign(lg=np.log(produc.gsp), lk=np.log(produc.pc), ll=np.log(produc.emp))
    X = sm.add_constant(df[["lk", "ll"]])
    ref = sm.OLS(df.lg, X).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(df.state)[0]})
    r = estimate_production(produc, "gsp", ("pc", "emp"), entity="state", cov_type="cluster")
    np.testing.assert_allclose(r.bse[["pc", "emp"]], ref.bse[["lk", "ll"]], rtol=1e-10)
    ref3 = sm.OLS(df.lg, X).fit(cov_type="HC3")
    r3 = estimate_production(produc, "gsp", ("pc", "emp"), entity="state", cov_type="HC3")
    np.testing.assert_allclose(r3.bse[["pc", "emp"]], ref3.bse[["lk", "ll"]], rtol=1e-10)


def test_crs_restriction_sums_to_one_and_matches_restricted_regression(produc):
    r = estimate_production(produc, "gsp", ("pc", "emp"), entity="state", crs=True)
    assert r.returns_to_scale == pytest.approx(1.0)
    df = produc
    X = sm.add_constant(np.log(df.pc / df.emp))
    ref = sm.OLS(np.log(df.gsp / df.emp), X).fit()
    assert r.params["pc"] == pytest.approx(ref.params.iloc[1])
    assert r.bse["emp"] == pytest.approx(ref.bse.iloc[1])  # se(1 - b) = se(b)
    lo, hi = r.conf_int().loc["emp"]
    assert lo < r.params["emp"] < hi


def test_translog_with_zero_second_order_terms_recovers_cobb_douglas_elasticities():
    ds = make_growth_panel(40, 12, sigma=0.01, seed=3)
    r = estimate_production(ds, effects="twoway", translog=True)
    np.testing.assert_allclose(r.params[["K_ICT", "K_N", "L"]], [0.10, 0.35, 0.55], atol=0.05)
    assert "translog" in r.summary()


def test_synthetic_recovery_95ci_covers_true_parameters_in_at_least_90pct_of_seeds():
    truth = pd.Series({"K_ICT": 0.10, "K_N": 0.35, "L": 0.55})
    hits = pd.Series(0, index=truth.index)
    seeds = range(40)
    for s in seeds:
        ds = make_growth_panel(30, 12, seed=s)
        ci = estimate_production(ds, effects="twoway").conf_int().loc[truth.index]
        hits += ((ci.ci_low <= truth) & (truth <= ci.ci_high)).astype(int)
    assert (hits / len(seeds) >= 0.90).all(), hits


def test_synthetic_panel_is_labelled_and_reproducible():
    a, b = make_growth_panel(4, 6, seed=7), make_growth_panel(4, 6, seed=7)
    assert a.attrs["synthetic"] == 1 and "SYNTHETIC" in a.attrs["title"]
    np.testing.assert_array_equal(a.Y.values, b.Y.values)
    assert (a.K_ICT > 0).all() and (a.Y > 0).all()


def test_trend_with_year_effects_is_collinear():
    ds = make_growth_panel(5, 6, seed=1)
    with pytest.raises(MethodError, match="collinear regressors"):
        estimate_production(ds, effects="twoway", trend=True)
    r = estimate_production(ds, effects="city", trend=True)
    assert "trend" in r.params.index


def test_proportional_inputs_are_collinear():
    ds = make_growth_panel(5, 6, seed=1)
    ds["K2"] = 3 * ds.K_ICT
    with pytest.raises(MethodError, match="collinear regressors"):
        estimate_production(ds, inputs=("K_ICT", "K2", "L"))


def test_non_positive_input_names_city_and_year():
    ds = make_growth_panel(3, 4, seed=1)
    ds["L"][1, 2] = 0.0
    with pytest.raises(MethodError, match="L must be > 0.*'city001'.*year 2007"):
        estimate_production(ds)


def test_missing_value_is_named_unless_dropped():
    ds = make_growth_panel(3, 6, seed=1)
    ds["Y"][0, 1] = np.nan
    with pytest.raises(DataError, match="'city000', year 2006.*dropna=True"):
        estimate_production(ds)
    assert estimate_production(ds, dropna=True).nobs == 17


def test_bad_options_are_rejected():
    ds = make_growth_panel(3, 6, seed=1)
    with pytest.raises(SpecError, match="valid fixed-effects options"):
        estimate_production(ds, effects="random")
    with pytest.raises(SpecError, match="valid covariance types"):
        estimate_production(ds, cov_type="HAC")
    with pytest.raises(SpecError, match="Cobb-Douglas only"):
        estimate_production(ds, crs=True, translog=True)
    with pytest.raises(DataError, match="no column/variable"):
        estimate_production(ds, inputs=("K_ICT", "capital"))
