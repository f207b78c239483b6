"""Tests of citymodel.methods.treat: COINr skew/kurtosis rule, winsorisation, log fallback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from citymodel.errors import DataError, SpecError
from citymodel.methods.treat import (
    FALLBACKS,
    check_skew_kurt,
    kurtosis,
    skew,
    treat,
    winsorise,
)

ONE_OUTLIER = np.r_[np.arange(1.0, 10.0), 100.0]  # skew 3.12, kurt 9.80 -> fails
TIED_MAX = np.r_[np.arange(1.0, 11.0), 100.0, 100.0]  # skew 2.03, kurt 2.58 ... see test
NEEDS_LOG = np.r_[np.arange(80) / 80, 10.0 + np.arange(10.0)]  # still fails after 5 points
PASSES = np.array([3.1, 4.7, 2.2, 5.9, 4.4, 3.8, 6.1, 2.9, 4.0, 5.2])


# ---------------------------------------------------------------------------------------------
# moments and the rule
# ---------------------------------------------------------------------------------------------
@settings(max_examples=80, deadline=None)
@given(x=hnp.arrays(np.float64, st.integers(4, 40), elements=st.floats(-1e3, 1e3)),
       nan_at=st.lists(st.integers(0, 39), max_size=5))
def test_skew_and_kurtosis_equal_scipy_bias_false_ignoring_nan(x, nan_at):
    x = x.copy()
    x[[i for i in nan_at if i < x.size]] = np.nan
    v = x[~np.isnan(x)]
    assume(v.size >= 4 and np.ptp(v) > 1e-6 * max(1.0, np.abs(v).max()))
    assert skew(x) == pytest.approx(scipy.stats.skew(v, bias=False), rel=1e-7, abs=1e-9)
    assert kurtosis(x) == pytest.approx(scipy.stats.kurtosis(v, bias=False), rel=1e-7, abs=1e-9)


def test_skew_kurtosis_excel_values():
    # Excel: SKEW(1,2,3,10) = 1.763632615, KURT(1,2,3,10) = 3.228
    assert skew([1.0, 2.0, 3.0, 10.0]) == pytest.approx(1.763632615)
    assert kurtosis([1.0, 2.0, 3.0, 10.0]) == pytest.approx(3.228)


def test_moments_per_column_along_axis():
    X = np.c_[ONE_OUTLIER, PASSES]
    np.testing.assert_allclose(skew(X), [skew(ONE_OUTLIER), skew(PASSES)])
    np.testing.assert_allclose(kurtosis(X, axis=0), [kurtosis(ONE_OUTLIER), kurtosis(PASSES)])
    np.testing.assert_array_equal(check_skew_kurt(X), [False, True])


def test_moments_undefined_for_constant_or_too_short_vectors():
    assert np.isnan(skew([0.1] * 10))  # mean-rounding residues must not give a spurious skew
    assert np.isnan(kurtosis([0.1] * 10))
    assert np.isnan(skew([1.0, 2.0]))
    assert np.isnan(kurtosis([1.0, 2.0, 5.0]))
    assert check_skew_kurt([0.1] * 10)  # nothing to treat


def test_rule_passes_if_either_threshold_is_not_reached():
    assert skew(ONE_OUTLIER) > 2 and kurtosis(ONE_OUTLIER) > 3.5
    assert not check_skew_kurt(ONE_OUTLIER)
    assert check_skew_kurt(ONE_OUTLIER, skew_thresh=3.2)  # |skew| below -> pass
    assert check_skew_kurt(ONE_OUTLIER, kurt_thresh=10.0)  # kurt below -> pass
    # TIED_MAX: skew > 2 but kurt < 3.5 -> passes (rule needs both)
    assert skew(TIED_MAX) > 2 and kurtosis(TIED_MAX) < 3.5 and check_skew_kurt(TIED_MAX)


# ---------------------------------------------------------------------------------------------
# winsorise
# ---------------------------------------------------------------------------------------------
def test_single_extreme_outlier_winsorised_to_next_value_and_flagged_high():
    w = winsorise(ONE_OUTLIER)
    assert w.x[-1] == 9.0
    np.testing.assert_array_equal(w.x[:-1], ONE_OUTLIER[:-1])
    assert w.high.tolist() == [False] * 9 + [True]
    assert not w.low.any() and w.nwin == 1 and w.passed


def test_tied_maxima_move_together():
    x = np.r_[np.arange(1.0, 21.0), 100.0, 100.0]
    assert not check_skew_kurt(x)
    w = winsorise(x)
    np.testing.assert_array_equal(w.x[-2:], [20.0, 20.0])
    assert w.high.sum() == 2 and w.nwin == 2 and w.passed


def test_counter_counts_earlier_points_in_the_tie_and_jumps_past_winmax():
    # after 4 steps the 4 moved points join a natural tie of 3 -> the 5th step moves 7: nwin 4 -> 7
    x = np.r_[np.arange(100) / 100, 10, 11, 12, 12, 12, 13, 14, 15, 16.0]
    w = winsorise(x, winmax=5)
    assert w.nwin == 7 and w.high.sum() == 7
    np.testing.assert_array_equal(np.sort(w.x)[-7:], 11.0)
    assert not w.passed
    w4 = winsorise(x, winmax=4)
    assert w4.nwin == 4 and w4.high.sum() == 4


def test_skew_sign_re_evaluated_each_step_high_then_low():
    x = np.r_[np.arange(40) / 40, 30.0, -20.0]
    assert skew(x) > 0
    w = winsorise(x)
    assert w.high[40] and w.low[41] and w.high.sum() == 1 and w.low.sum() == 1
    assert w.x[40] == 0.975 and w.x[41] == 0.0 and w.nwin == 2 and w.passed


def test_force_win_winsorises_a_passing_vector():
    w = winsorise(PASSES, winmax=2, force_win=True)
    assert w.nwin == 2 and (w.high | w.low).sum() == 2
    assert winsorise(PASSES).nwin == 0


def test_winsorise_ignores_and_keeps_nan():
    x = np.r_[ONE_OUTLIER, np.nan]
    w = winsorise(x)
    assert np.isnan(w.x[-1]) and w.x[-2] == 9.0 and not w.high[-1]


# ---------------------------------------------------------------------------------------------
# treat
# ---------------------------------------------------------------------------------------------
def test_treat_logs_winsorised_point_and_leaves_passing_indicator_untouched():
    X = np.c_[ONE_OUTLIER, PASSES]
    res = treat(X, indicators=["A", "B"], cities=[f"c{i}" for i in range(10)])
    np.testing.assert_array_equal(res.X[:, 1], PASSES)
    assert res.X[-1, 0] == 9.0
    assert res.log.to_dict("records") == [
        {"indicator": "A", "city": "c9", "original": 100.0, "treated": 9.0,
         "action": "winsorised_high"}]
    s = res.summary.set_index("indicator")
    assert s.loc["A", "n_winsorised"] == 1 and not s.loc["A", "fallback_used"]
    assert s.loc["A", "skew_before"] == pytest.approx(skew(ONE_OUTLIER))
    assert s.loc["A", "passed_after"] and not s.loc["A", "passed_before"]
    assert s.loc["B", "n_winsorised"] == 0 and s.loc["B", "passed_before"]
    assert list(res.log.columns) == ["indicator", "city", "original", "treated", "action"]


def test_vector_that_needs_log_fallback_gets_log_ct_of_original_values():
    assert not winsorise(NEEDS_LOG).passed
    res = treat(NEEDS_LOG[:, None], indicators=["X"])
    x = NEEDS_LOG
    expected = np.log(x - x.min() + 0.01 * (x.max() - x.min()))
    np.testing.assert_allclose(res.X[:, 0], expected)
    assert len(res.log) == x.size  # every point changed
    assert set(res.log["action"]) == {"log_transformed"}
    s = res.summary.iloc[0]
    assert s["fallback_used"] and s["n_winsorised"] == 0 and s["nwin"] == 5


@pytest.mark.parametrize(
    ("fallback", "formula"),
    [
        ("log_CT_orig", lambda x: np.log(x - x.min() + 1)),
        ("log_CT_plus", lambda x: np.log(x - x.min() + 0.01 * np.ptp(x))),
        ("boxcox", lambda x: scipy.stats.boxcox(x - x.min() + 1)[0]),
    ],
)
def test_alternative_fallbacks_follow_their_formulas(fallback, formula):
    res = treat(NEEDS_LOG[:, None], fallback=fallback)
    np.testing.assert_allclose(res.X[:, 0], formula(NEEDS_LOG))


def test_log_ct_plus_for_negative_skew_uses_reflected_log():
    x = -NEEDS_LOG
    res = treat(x[:, None], fallback="log_CT_plus")
    a = 0.01 * np.ptp(x)
    np.testing.assert_allclose(res.X[:, 0], -np.log(x.max() + a - x))
    assert skew(res.X[:, 0]) > skew(x)  # less negatively skewed


def test_boxcox_fixed_lambda_and_fallback_none_keeps_winsorised_vector():
    res = treat(NEEDS_LOG[:, None], fallback="boxcox", boxcox_lambda=0.0)
    np.testing.assert_allclose(res.X[:, 0], np.log(NEEDS_LOG - NEEDS_LOG.min() + 1))
    assert set(res.log["action"]) == {"boxcox_transformed"}
    res = treat(NEEDS_LOG[:, None], fallback="none")
    np.testing.assert_array_equal(res.X[:, 0], winsorise(NEEDS_LOG).x)
    assert set(res.log["action"]) == {"winsorised_high"}
    assert not res.summary.iloc[0]["passed_after"]


def test_combine_treat_logs_the_winsorised_vector():
    res = treat(NEEDS_LOG[:, None], combine_treat=True)
    w = winsorise(NEEDS_LOG).x
    np.testing.assert_allclose(res.X[:, 0], np.log(w - w.min() + 0.01 * np.ptp(w)))
    assert (res.log["action"] == "winsorised_high+log_transformed").sum() == 5


def test_per_indicator_fallback_and_winmax():
    X = np.c_[NEEDS_LOG, NEEDS_LOG]
    res = treat(X, indicators=["a", "b"], fallback={"b": "none"}, winmax={"a": 0})
    x = NEEDS_LOG
    np.testing.assert_allclose(res.X[:, 0], np.log(x - x.min() + 0.01 * np.ptp(x)))
    np.testing.assert_array_equal(res.X[:, 1], winsorise(x).x)


def test_treat_keeps_nan_and_does_not_log_it():
    X = np.r_[ONE_OUTLIER, np.nan][:, None]
    res = treat(X)
    assert np.isnan(res.X[-1, 0]) and len(res.log) == 1


def test_treat_returns_no_warning(recwarn):
    treat(np.c_[ONE_OUTLIER, NEEDS_LOG[:10]])
    assert len(recwarn) == 0


def test_log_and_summary_are_dataframes():
    res = treat(np.c_[PASSES])
    assert isinstance(res.log, pd.DataFrame) and res.log.empty
    assert res.summary.shape[0] == 1


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------
def test_unknown_fallback_lists_valid_names():
    with pytest.raises(SpecError, match="unknown treatment fallback 'log'.*log_CT.*none"):
        treat(np.c_[PASSES], fallback="log")
    assert "boxcox" in FALLBACKS


def test_per_indicator_spec_naming_unknown_indicator_raises():
    with pytest.raises(SpecError, match="fallback names unknown indicator 'zz'"):
        treat(np.c_[PASSES], indicators=["a"], fallback={"zz": "none"})


def test_bad_winmax_and_thresholds_raise_spec_error():
    with pytest.raises(SpecError, match="winmax must be a non-negative integer"):
        treat(np.c_[PASSES], winmax=-1)
    with pytest.raises(SpecError, match="skew_thresh"):
        treat(np.c_[PASSES], skew_thresh=float("nan"))


def test_non_2d_or_infinite_data_raise_data_error():
    with pytest.raises(DataError, match="2-D"):
        treat(np.zeros((2, 3, 4)))
    with pytest.raises(DataError, match=r"Inf.*indicator 'B'"):
        treat(np.c_[PASSES, np.r_[PASSES[:-1], np.inf]], indicators=["A", "B"])
    with pytest.raises(DataError, match="1-D"):
        winsorise(np.zeros((3, 3)))
