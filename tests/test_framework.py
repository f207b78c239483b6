"""Framework: construction, validation, effective weights and lossless round trips."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citymodel import Framework, FrameworkError, Node
from citymodel.datasets import tai_framework


def small() -> Framework:
    return Framework([
        Node("I", "Index"),
        Node("P1", parent="I", weight=2), Node("P2", parent="I", weight=1),
        Node("a", parent="P1", direction=-1, unit="%"), Node("b", parent="P1", weight=3),
        Node("c", parent="P2", lower=0.0, upper=10.0),
    ], name="small")


def test_structure_levels_and_order():
    fw = small()
    assert fw.root == "I"
    assert fw.indicators == ["a", "b", "c"]
    assert fw.aggregates == ["P1", "P2", "I"]
    assert fw.levels() == {1: ["a", "b", "c"], 2: ["P1", "P2"], 3: ["I"]}
    assert fw.directions.to_dict() == {"a": -1, "b": 1, "c": 1}
    assert fw.descendants("P1") == ["a", "b"]


def test_effective_weights_multiply_normalised_weights_down_the_path():
    w = small().effective_weights()
    np.testing.assert_allclose(w.to_numpy(), [2 / 3 * 1 / 4, 2 / 3 * 3 / 4, 1 / 3])
    assert w.sum() == pytest.approx(1.0)


def test_framework_yaml_json_table_round_trips_are_equal(tmp_path):
    fw = small()
    assert Framework.from_yaml(fw.to_yaml()) == fw
    fw.to_yaml(tmp_path / "fw.yaml")
    assert Framework.from_yaml(tmp_path / "fw.yaml") == fw
    assert Framework.from_json(fw.to_json()) == fw
    assert Framework.from_table(fw.to_table(), name="small") == fw


def test_tai_framework_round_trips_with_goalposts():
    fw = tai_framework()
    assert Framework.from_yaml(fw.to_yaml()) == fw
    assert fw.goalposts.loc["SCHOOLING"].tolist() == [0.8, 12.0]


def test_asem_metadata_table_loads_as_four_level_tree(shared_data):
    meta = pd.read_csv(shared_data / "asem" / "ASEM_iMeta.csv")
    fw = Framework.from_table(meta)
    assert len(fw.indicators) == 49 and fw.n_levels == 4 and fw.root == "Index"
    assert fw.children("Index") == ["Conn", "Sust"]
    # Group/Denominator rows are not tree nodes
    assert "GDP_group" not in fw and "Population" not in fw
    assert Framework.from_yaml(fw.to_yaml()) == fw


@pytest.mark.parametrize(
    "nodes, message",
    [
        ([Node("I"), Node("a", parent="I"), Node("a", parent="I")], "duplicate node code 'a'"),
        ([Node("I"), Node("J"), Node("a", parent="I")], "exactly one root"),
        ([Node("I"), Node("a", parent="X")], "parent 'X'"),
        ([Node("I"), Node("P", parent="Q"), Node("Q", parent="P"), Node("a", parent="I")], "cycle"),
        ([Node("I"), Node("a", parent="I", weight=-1.0)], "negative"),
        ([Node("I"), Node("a", parent="I", weight=float("nan"))], "finite"),
        ([Node("I"), Node("a", parent="I", direction=2)], "direction"),
        ([Node("I"), Node("a", parent="I", weight=0.0)], "weight 0"),
        ([Node("I"), Node("a", parent="I", lower=5.0, upper=1.0)], "goalposts"),
    ],
)
def test_invalid_frameworks_are_rejected_with_a_message(nodes, message):
    with pytest.raises(FrameworkError, match=message):
        Framework(nodes)


def test_table_with_bad_direction_or_weight_names_the_row():
    t = pd.DataFrame({"iCode": ["I", "a", "b"], "Parent": [None, "I", "I"],
                      "Weight": [1, 1, 1], "Direction": [1, 1, "up"]})
    with pytest.raises(FrameworkError, match=r"row 3 \(b\).*direction 'up'"):
        Framework.from_table(t)
    t = pd.DataFrame({"iCode": ["I", "a"], "Parent": [None, "I"], "Weight": [1, float("nan")]})
    Framework.from_table(t)  # missing weight defaults to 1
    t = pd.DataFrame({"iCode": ["I", "a"], "Parent": [None, "I"], "Weight": [1, -2]})
    with pytest.raises(FrameworkError, match="negative"):
        Framework.from_table(t)


def test_table_level_must_match_tree():
    t = pd.DataFrame({"iCode": ["I", "a"], "Parent": [None, "I"], "Level": [2, 2]})
    with pytest.raises(FrameworkError, match="Level 2"):
        Framework.from_table(t)


def test_check_indicators_names_missing_and_extra_columns():
    fw = small()
    with pytest.raises(FrameworkError, match=r"missing from the data: \['c'\]"):
        fw.check_indicators(["a", "b"])
    with pytest.raises(FrameworkError, match=r"not in the framework: \['z'\]"):
        fw.check_indicators(["a", "b", "c", "z"])


def test_drop_indicators_removes_empty_parents():
    fw = small().drop_indicators(["c"])
    assert fw.indicators == ["a", "b"] and "P2" not in fw


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.floats(0.01, 10), min_size=1, max_size=4), min_size=1, max_size=4))
def test_effective_weights_sum_to_one_for_random_trees(pillars):
    nodes = [Node("I")]
    for p, ws in enumerate(pillars):
        nodes.append(Node(f"P{p}", parent="I", weight=float(sum(ws))))
        nodes += [Node(f"x{p}_{k}", parent=f"P{p}", weight=w) for k, w in enumerate(ws)]
    fw = Framework(nodes)
    w = fw.effective_weights()
    assert w.sum() == pytest.approx(1.0) and (w >= 0).all()
    assert Framework.from_yaml(fw.to_yaml()) == fw
