"""Scenario spaces, the reference engine and rank statistics."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from citymodel import Framework, SpecError
from citymodel.build import build
from citymodel.datasets.synthetic import h3c_framework, make_cities
from citymodel.io import read_framework, read_table
from citymodel.methods.rank import rank as rank_kernel
from citymodel.spec import IndexSpec
from citymodel.uncertainty.engine import ScenarioFailureWarning, run_sensitivity, run_uncertainty
from citymodel.uncertainty.space import (
    SAATY_SCALE,
    AHPPerturbation,
    Bootstrap,
    Choice,
    Exclusion,
    GoalpostShift,
    ScenarioSpace,
    WeightNoise,
    _perturb_saaty,
)
from citymodel.uncertainty.stats import RankAccumulator

NORM = Choice("norm", "normalise", [{"method": "minmax", "range": [1, 100]},
                                    {"method": "zscore", "mean": 10, "sd": 2}])
AGG = Choice("agg", "aggregate", ["arithmetic", "geometric"])


@pytest.fixture(scope="module")
def panel():
    fw = h3c_framework(indicators_per_subpillar=1)
    return make_cities(25, fw, seed=3), fw


# --------------------------------------------------------------------------- space
def test_space_yaml_round_trip_and_salib_problem():
    space = ScenarioSpace([NORM, AGG, WeightNoise("noise", level=2, amplitude=0.2, replicates=10),
                           Exclusion(), Bootstrap(replicates=5), GoalpostShift(fraction=0.05),
                           AHPPerturbation(steps=2, replicates=3)], seed=7)
    assert ScenarioSpace.from_yaml(space.to_yaml()) == space
    prob = space.to_problem()
    assert prob["num_vars"] == 7 and prob["names"][0] == "norm" and prob["bounds"] == [[0.0, 1.0]] * 7
    assert space.to_problem_spec()["num_vars"] == 7


def test_unknown_factor_name_lists_valid_names():
    space = ScenarioSpace([NORM, AGG])
    with pytest.raises(SpecError, match="unknown factor 'weights'; valid factors are: agg, norm"):
        space["weights"]


@pytest.mark.parametrize("make, message", [
    (lambda: Choice("x", "normalise", ["minmax"]), "at least 2"),
    (lambda: Choice("x", "weights", ["equal", "bogus"]), "unknown weights method 'bogus'"),
    (lambda: Choice("x", "shape", ["a", "b"]), "unknown choice step"),
    (lambda: ScenarioSpace([NORM, NORM]), "duplicate factor names"),
    (lambda: ScenarioSpace([]), "at least one factor"),
    (lambda: WeightNoise(amplitude=1.5), "amplitude"),
    (lambda: ScenarioSpace.from_dict({"factors": [{"type": "dice"}]}), "unknown factor type 'dice'"),
])
def test_bad_spaces_raise_spec_errors(make, message):
    with pytest.raises(SpecError, match=message):
        make()


def test_fixed_bins_map_uniform_draws_to_alternatives(panel):
    da, fw = panel
    space = ScenarioSpace([AGG, Exclusion(candidates=fw.indicators[:3])])
    bound = space.bind(fw, IndexSpec(), 25)
    dec = bound.decode(np.array([[0.0, 0.0], [0.49, 0.24], [0.5, 0.25], [0.999, 0.999], [1.0, 1.0]]))
    assert dec["agg"].tolist() == ["arithmetic", "arithmetic", "geometric", "geometric", "geometric"]
    # 1/(Q+1) = 0.25 per bin: none, then each candidate
    assert dec["exclusion"].tolist() == ["none", "none", fw.indicators[0], fw.indicators[2], fw.indicators[2]]


def test_exclusion_drops_one_indicator_and_renormalises(panel):
    da, fw = panel
    bound = ScenarioSpace([Exclusion(candidates=[fw.indicators[0]])]).bind(fw, IndexSpec(), 25)
    sc = bound.scenarios(np.array([[0.9]]))[0]
    assert fw.indicators[0] not in sc.framework.indicators
    assert sc.framework.effective_weights().sum() == pytest.approx(1.0)
    assert sc.keep.tolist() == list(range(1, len(fw.indicators)))


def test_weight_noise_without_framework_weights_is_an_error(panel):
    da, fw = panel
    space = ScenarioSpace([WeightNoise("n", level=2), Choice("w", "weights", ["equal", "entropy"])])
    with pytest.raises(SpecError, match="no scenario uses them"):
        space.bind(fw, IndexSpec.from_dict({"weights": "equal"}), 25)
    space = ScenarioSpace([WeightNoise("n", level=2), Choice("w", "weights", ["meta", "entropy"])])
    space.bind(fw, IndexSpec.from_dict({"weights": "equal"}), 25)


def test_weight_noise_replicates_follow_the_coinr_formula(panel):
    da, fw = panel
    f = WeightNoise("n", level=2, amplitude=0.25, replicates=50)
    bound = ScenarioSpace([f], seed=1).bind(fw, IndexSpec(), 25)
    ws = np.array([list(r.values()) for r in bound._noise["n"]])
    assert ws.min() >= 0.75 and ws.max() <= 1.25  # base weights 1, factor 0.25
    assert np.ptp(ws) > 0.3
    # same seed -> same replicates; different seed -> different
    again = ScenarioSpace([f], seed=1).bind(fw, IndexSpec(), 25)
    assert again._noise["n"] == bound._noise["n"]
    assert ScenarioSpace([f], seed=2).bind(fw, IndexSpec(), 25)._noise["n"] != bound._noise["n"]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 3))
def test_ahp_perturbation_stays_reciprocal_and_on_the_saaty_scale(seed, k):
    A = np.array([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]])
    B = _perturb_saaty(A, k, np.random.default_rng(seed))
    np.testing.assert_allclose(B * B.T, 1.0)
    assert np.all(np.isin(np.round(B[np.triu_indices(3, 1)], 12), np.round(SAATY_SCALE, 12)))
    def pos(M):
        return np.abs(np.log(SAATY_SCALE)[None] - np.log(M[np.triu_indices(3, 1)])[:, None]).argmin(1)
    assert np.all(np.abs(pos(B) - pos(A)) <= k)


# --------------------------------------------------------------------------- stats
@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["min", "average"]), st.sampled_from([2**22, 18, 40]))
def test_streamed_rank_quantiles_equal_numpy_type7(seed, ties, block_cells):
    rng = np.random.default_rng(seed)
    scores = np.round(rng.normal(size=(37, 9)), 1)  # ties
    scores[rng.random(scores.shape) < 0.05] = np.nan
    ranks = rank_kernel(scores, ties=ties)
    nominal = rank_kernel(scores[0], ties=ties)
    acc = RankAccumulator(nominal, scores[0])
    acc.block_cells = block_cells  # quantiles searched in blocks of 1, 2 or all cities
    acc.update(scores[:20], ranks[:20])
    acc.update(scores[20:], ranks[20:])  # chunking does not matter
    q = acc.quantiles()
    for name, p in [("q05", 0.05), ("median", 0.5), ("q95", 0.95)]:
        np.testing.assert_allclose(q[name], np.nanquantile(ranks, p, axis=0, method="linear"), atol=1e-12)
    res = acc.result([f"c{i}" for i in range(9)])
    np.testing.assert_allclose(res["mean"], np.nanmean(ranks, axis=0))
    np.testing.assert_allclose(res["R_S"], np.nanmean(np.abs(ranks - nominal), axis=1))
    np.testing.assert_allclose(res["score_mean"], np.nanmean(scores, axis=0), atol=1e-12)
    np.testing.assert_allclose(res["score_sd"], np.nanstd(scores, axis=0, ddof=1), atol=1e-12)


# --------------------------------------------------------------------------- engine
def test_uncertainty_reproducible_and_consistent_with_build(panel):
    da, fw = panel
    space = ScenarioSpace([NORM, AGG, WeightNoise("noise", level=2, replicates=20)])
    spec = {"tiers": {"method": "quantile", "k": 4}}
    a = run_uncertainty(da, fw, space, 32, spec=spec, seed=11)
    b = run_uncertainty(da, fw, space, 32, spec=spec, seed=11)
    xr.testing.assert_identical(a.stats, b.stats)
    c = run_uncertainty(da, fw, space, 32, spec=spec, seed=12)
    assert not np.array_equal(a.runs["rank"].values, c.runs["rank"].values)
    # nominal = build with the base spec
    nom = build(da, fw, spec)
    np.testing.assert_array_equal(a.stats["nominal"].values, nom["rank"].sel(node=fw.root).values)
    # each run equals an explicit build of its scenario
    bound = space.bind(fw, IndexSpec.from_dict(spec), 25)
    for i in (0, 7, 31):
        sc = bound.scenarios(a.runs["u"].values[i:i + 1])[0]
        ds = build(da.isel(indicator=sc.keep), sc.framework, sc.spec)
        np.testing.assert_allclose(a.runs["score"].values[i], ds.score.sel(node=fw.root).values, rtol=1e-12)
    st_ = a.stats
    assert (st_["q05"] <= st_["median"]).all() and (st_["median"] <= st_["q95"]).all()
    np.testing.assert_allclose(st_["tier_prob"].sum("tier"), 1.0)
    assert a.summary().columns.tolist() == ["uCode", "nominal", "mean", "median", "q05", "q95"]


def test_stats_only_mode_equals_full_mode(panel):
    da, fw = panel
    space = ScenarioSpace([NORM, AGG])
    full = run_uncertainty(da, fw, space, 16, seed=1, chunk=5)
    lean = run_uncertainty(da, fw, space, 16, seed=1, keep="stats", chunk=16)
    assert lean.runs is None
    xr.testing.assert_allclose(full.stats, lean.stats.drop_vars("failure"))
    np.testing.assert_array_equal(full.runs["R_S"].values, full.stats["R_S"].values)


def test_failing_scenarios_are_recorded_not_fatal(panel):
    da, fw = panel
    # z-scores with mean 0 are negative: geometric aggregation fails for those scenarios
    space = ScenarioSpace([Choice("norm", "normalise", [{"method": "minmax", "range": [1, 100]}, "zscore"]),
                           Choice("agg", "aggregate", ["arithmetic", "geometric"])])
    with pytest.warns(ScenarioFailureWarning, match="scenarios failed"):
        res = run_uncertainty(da, fw, space, 32, seed=0)
    fail = res.runs["failure"].values != ""
    assert res.attrs["n_failed"] == fail.sum() > 0
    assert all("MethodError" in r for r in res.runs["failure"].values[fail])
    assert np.isnan(res.runs["rank"].values[fail]).all()
    bad = (res.runs["factor_norm"] == "zscore") & (res.runs["factor_agg"] == "geometric")
    np.testing.assert_array_equal(fail, bad.values)


def test_sample_size_too_small_for_space(panel):
    da, fw = panel
    with pytest.raises(SpecError, match="cannot support"):
        run_uncertainty(da, fw, ScenarioSpace([NORM, AGG, Exclusion()]), 4, seed=0)


def test_sobol_qmc_warns_when_n_is_not_a_power_of_two(panel):
    da, fw = panel
    with pytest.warns(UserWarning, match="power of 2|balance"):
        run_uncertainty(da, fw, ScenarioSpace([NORM, AGG]), 20, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_uncertainty(da, fw, ScenarioSpace([NORM, AGG]), 20, seed=0, sampler="lhs")


def test_sensitivity_rank_indices_for_every_city(panel):
    da, fw = panel
    space = ScenarioSpace([NORM, AGG, WeightNoise("noise", level=2, replicates=20)])
    res = run_sensitivity(da, fw, space, 32, seed=5, bootstrap=50)
    assert res.runs.sizes["scenario"] == 32 * (3 + 2)
    ind = res.indices
    assert ind["rank_ST"].dims == ("factor", "city") and ind.sizes["city"] == 25
    assert ind.city.dtype == object == res.stats.city.dtype  # not a fixed-width string
    assert set(ind.factor.values) == {"norm", "agg", "noise"}
    assert np.isfinite(ind["rs_S1"]).all()
    # rank statistics come from the 2N independent A/B runs
    assert res.stats.sizes["ab_run"] == 64
    again = run_sensitivity(da, fw, space, 32, seed=5, bootstrap=50)
    xr.testing.assert_identical(res.indices, again.indices)


def test_ignored_factor_has_zero_indices(panel):
    """COINr invariant: identical alternatives give S1 = ST = 0 exactly."""
    da, fw = panel
    same = Choice("same", "impute", ["none", "mean"])  # no missing data: both alternatives identical
    res = run_sensitivity(da, fw, ScenarioSpace([AGG, same]), 16, seed=2, bootstrap=20,
                          spec={"normalise": {"method": "minmax", "range": [1, 100]}})
    assert float(res.indices["rs_ST"].sel(factor="same")) == 0.0
    assert float(res.indices["rs_S1"].sel(factor="same")) == 0.0


def test_asem_uncertainty_with_coinr_setup(shared_data):
    """COINr's documented UA: min-max vs z-score, arithmetic vs geometric, noisy weights (0.25)
    at two levels; rank statistics for 51 countries and a Sobol analysis of R_S."""
    fw = read_framework(shared_data / "asem" / "ASEM_iMeta.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        da = read_table(shared_data / "asem" / "ASEM_iData.csv", framework=fw)
    space = ScenarioSpace([NORM, AGG, WeightNoise("noise_l2", level=2, amplitude=0.25, replicates=100),
                           WeightNoise("noise_l3", level=3, amplitude=0.25, replicates=100)], seed=1)
    spec = {"impute": {"method": "mean"}, "normalise": {"method": "minmax", "range": [1, 100]}}
    ua = run_uncertainty(da, fw, space, 500, spec=spec, seed=1, sampler="mc", keep="stats")
    s = ua.summary()
    assert len(s) == 51 and s.uCode.iloc[0] == "DEU"
    assert (s["q05"] <= s["nominal"]).mean() > 0.9
    sa = run_sensitivity(da, fw, space, 64, spec=spec, seed=1, bootstrap=200)
    rs = sa.indices
    # aggregation dominates R_S for ASEM; noise factors matter little
    assert float(rs["rs_ST"].sel(factor="agg")) > float(rs["rs_ST"].sel(factor="noise_l2"))
    assert np.all(np.isfinite(rs["rs_S1_conf"]))


def test_goalpost_shift_and_bootstrap_factors_run():
    from citymodel.datasets import load_tai, tai_framework

    space = ScenarioSpace([GoalpostShift(fraction=0.1), Bootstrap(replicates=20),
                           Choice("w", "weights", ["meta", "entropy"], level=3)])
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        res = run_uncertainty(load_tai(), tai_framework(), space, 16,
                              spec={"normalise": {"method": "goalposts"}}, seed=4)
    assert res.stats.sizes["city"] == 23
    # with 23 countries a bootstrap resample can make a capped dimension constant: entropy weights are
    # then undefined, and that scenario is recorded rather than silently re-weighted
    fail = res.runs["failure"].values
    assert res.attrs["n_failed"] == (fail != "").sum() <= 4
    assert all("constant" in r for r in fail if r)
    shifts = res.runs["factor_goalpost_shift"].values
    assert np.abs(shifts).max() <= 0.1 and np.ptp(shifts) > 0.1
    assert isinstance(tai_framework(), Framework)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_spearman_per_scenario_equals_scipy_with_gaps(seed):
    from scipy import stats as sps

    from citymodel.uncertainty.stats import spearman_per_scenario

    rng = np.random.default_rng(seed)
    nominal = np.round(rng.normal(size=12), 1)
    S = np.round(nominal + rng.normal(scale=0.5, size=(6, 12)), 1)
    S[rng.random(S.shape) < 0.1] = np.nan
    got = spearman_per_scenario(S, nominal)
    for i in range(6):
        ok = ~np.isnan(S[i])
        np.testing.assert_allclose(got[i], sps.spearmanr(S[i, ok], nominal[ok]).statistic, rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([0.0, 1.0]), st.sampled_from(["min", "max"]))
def test_spearman_reusing_the_scenario_ranks_equals_scipy(seed, rounding, ties):
    """Rows without ties reuse the engine's ranks (d^2 formula when the nominal is tie-free too)."""
    from scipy import stats as sps

    from citymodel.uncertainty.stats import spearman_per_scenario

    rng = np.random.default_rng(seed)
    nominal = rng.normal(size=15)
    if rounding:  # ties in the nominal ranking: the Pearson-of-ranks branch
        nominal = np.round(nominal)
    S = nominal + rng.normal(scale=0.7, size=(8, 15))
    S[0, :2] = 5.0  # a tied row: ranked again with average ties
    got = spearman_per_scenario(S, nominal, ranks=rank_kernel(S, ties=ties), ties=ties)
    want = [sps.spearmanr(S[i], nominal).statistic for i in range(8)]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_merging_chunk_accumulators_equals_updating_in_order():
    from citymodel.uncertainty.stats import ChunkStats

    rng = np.random.default_rng(3)
    scores = rng.normal(size=(30, 7))
    ranks = rank_kernel(scores)
    stats_of = ChunkStats(ranks[0], scores[0], 0, None, (3,), "min")
    direct, merged = stats_of.new(), stats_of.new()
    for a in (0, 11, 23):
        direct.update(scores[a:a + 12][:30 - a], ranks[a:a + 12][:30 - a])
        merged.merge(stats_of((scores[a:a + 12][:30 - a], ranks[a:a + 12][:30 - a], None, np.array([""])))[0])
    xr.testing.assert_identical(direct.result(list("abcdefg")), merged.result(list("abcdefg")))
    with pytest.raises(ValueError, match="cannot merge"):
        merged.merge(ChunkStats(ranks[0, :5], scores[0, :5], 0, None, (3,), "min").new())
