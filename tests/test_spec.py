"""IndexSpec: plain data, validated names, lossless YAML/JSON round trip."""

from __future__ import annotations

import pytest

from citymodel import SpecError
from citymodel.spec import STEP_METHODS, IndexSpec, Step


def test_defaults_match_the_cli_contract():
    s = IndexSpec()
    assert s.normalise == Step("minmax", {"range": [0.0, 100.0]})
    assert (s.impute.method, s.weights.method, s.aggregate.method, s.ties) == ("none", "meta", "arithmetic", "min")


def test_yaml_and_json_round_trips_are_equal(tmp_path):
    s = IndexSpec.from_dict({
        "impute": {"method": "group_mean", "by": "region"},
        "normalise": {"method": "zscore", "mean": 10, "sd": 2},
        "weights": {"method": "entropy", "prenorm": "minmax"},
        "aggregate": "geometric",
        "tiers": {"method": "bands", "cutoffs": [40, 50, 65, 85]},
        "rank": {"ties": "average"},
        "levels": {3: {"aggregate": {"method": "arithmetic"}, "weights": "equal"}},
    })
    assert IndexSpec.from_yaml(s.to_yaml()) == s
    assert IndexSpec.from_json(s.to_json()) == s
    s.to_yaml(tmp_path / "s.yaml")
    assert IndexSpec.from_yaml(tmp_path / "s.yaml") == s
    assert s.step("aggregate", 2).method == "geometric" and s.step("aggregate", 3).method == "arithmetic"


@pytest.mark.parametrize("kind", sorted(STEP_METHODS))
def test_unknown_method_lists_the_valid_ones(kind):
    with pytest.raises(SpecError, match=f"unknown {kind} method 'bogus'; valid .*{STEP_METHODS[kind][-1]}"):
        IndexSpec.from_dict({kind: {"method": "bogus"}})


@pytest.mark.parametrize(
    "d, message",
    [
        ({"weight": {"method": "equal"}}, "unknown spec keys"),
        ({"rank": {"ties": "random"}}, "unknown rank ties rule"),
        ({"levels": {1: {"weights": "equal"}}}, "aggregation levels"),
        ({"levels": {2: {"normalise": "zscore"}}}, "only weights, aggregate"),
        ({"weights": {"prenorm": "minmax"}}, "needs a 'method'"),
    ],
)
def test_bad_specs_raise_spec_error(d, message):
    with pytest.raises(SpecError, match=message):
        IndexSpec.from_dict(d)


def test_step_names_match_the_kernel_registries():
    from citymodel.methods import aggregate, impute, normalise, rank

    assert set(STEP_METHODS["normalise"]) - {"none"} == set(normalise.NORMALISERS)
    assert set(STEP_METHODS["aggregate"]) <= set(aggregate.AGGREGATORS)
    assert set(STEP_METHODS["tiers"]) - {"none"} <= set(rank.TIER_METHODS)
    assert set(STEP_METHODS["impute"]) <= set(impute.IMPUTERS)
