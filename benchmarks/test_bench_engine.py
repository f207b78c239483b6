"""Smoke test of ``benchmarks/bench_engine.py`` (runs in CI; no timed assertions).

Runs the script with ``--smoke`` in a subprocess, as a user would, and checks that the
Markdown table has one well-formed row per comparison, that it was also written to ``--out``
and that none of the built-in correctness checks (reference vs vectorised ranks, pandas vs
engine ranks, SALib vs citymodel indices, 1 vs 2 dask workers) failed. The helpers are
tested in-process.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parent / "bench_engine.py"
REPO = SCRIPT.parent.parent

#: comparison name -> start of its row label in the table
ROW_LABELS = {
    "engine": "engine: reference vs vectorised",
    "pandas": "pandas loop vs vectorised",
    "floor": "floor: vectorised / (GEMM + argsort)",
    "sobol": "sobol: SALib loop vs sobol_indices",
    "scale": "scale: streamed keep='stats'",
    "dask": "dask: 1 vs 2 workers",
}


def _load():
    spec = importlib.util.spec_from_file_location("bench_engine", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


bench = _load()


def _table_rows(text: str) -> list[list[str]]:
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in rows]


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "results.md"
    # the timeout only guards CI against a hang; nothing asserts on speed
    proc = subprocess.run([sys.executable, str(SCRIPT), "--smoke", "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    return proc, out


def test_smoke_run_exits_cleanly_and_writes_out_file(smoke_run):
    proc, out = smoke_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert out.is_file()
    assert out.read_text(encoding="utf-8").strip() == proc.stdout.strip()


def test_smoke_table_has_header_and_every_comparison(smoke_run):
    proc, out = smoke_run
    text = out.read_text(encoding="utf-8")
    rows = _table_rows(text)
    assert rows[0] == ["comparison", "size", "baseline s", "candidate s", "ratio", "target", "met?"]
    labels = [r[0] for r in rows[1:]]
    for name, label in ROW_LABELS.items():
        assert any(lab.startswith(label) for lab in labels), f"no row for {name!r} in\n{text}"
    assert all(len(r) == 7 for r in rows), "every table row has the 7 columns"
    assert set(bench.COMPARISONS) == set(ROW_LABELS)


def test_smoke_rows_carry_numbers_targets_and_verdicts(smoke_run):
    _, out = smoke_run
    for r in _table_rows(out.read_text(encoding="utf-8"))[1:]:
        assert r[5] and r[6] in ("yes", "**no**", "—"), r
        if r[0].startswith(ROW_LABELS["dask"]) and r[4] == "skipped":
            continue  # dask missing: a note says so
        assert r[3] != "—", f"candidate time missing in {r}"
        assert r[4] != "—", f"ratio missing in {r}"


def test_smoke_correctness_checks_all_pass(smoke_run):
    _, out = smoke_run
    text = out.read_text(encoding="utf-8")
    assert "CHECK FAILED" not in text and "FAILED" not in text, text
    for what in ("reference and vectorised engines give the same R_S",
                 "R_S of the pandas ranks equals the engine's", "floor ranks give the engine's R_S",
                 "equal SALib's"):
        assert what in text, f"correctness note missing: {what}"


def test_extrapolated_baselines_are_labelled(smoke_run):
    _, out = smoke_run
    text = out.read_text(encoding="utf-8")
    engine_rows = [r for r in _table_rows(text) if r[0].startswith(ROW_LABELS["engine"])]
    assert engine_rows and all("(extrap.)" in r[2] for r in engine_rows)
    assert "extrapolated linearly" in text


def test_only_runs_the_named_comparison(tmp_path, capsys):
    out = tmp_path / "only.md"
    assert bench.main(["--smoke", "--only", "sobol", "--out", str(out)]) == 0
    labels = [r[0] for r in _table_rows(out.read_text(encoding="utf-8"))[1:]]
    assert len(labels) == 1 and labels[0].startswith(ROW_LABELS["sobol"])


def test_unknown_comparison_name_is_rejected_with_the_valid_names(capsys):
    with pytest.raises(SystemExit) as exc:
        bench.main(["--smoke", "--only", "engines"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err and "engine" in err and "dask" in err


def test_linear_extrapolation_recovers_a_line_with_set_up_cost():
    # t = 0.5 + 0.01 n
    assert bench.linear_extrapolation(10, 0.6, 20, 0.7, 1000) == pytest.approx(10.5)
    # a non-positive slope (noise) falls back to proportional scaling
    assert bench.linear_extrapolation(10, 1.0, 20, 0.9, 100) == pytest.approx(4.5)


def test_best_of_returns_the_minimum_and_respects_repeats():
    calls = []

    def fn():
        calls.append(1)
        return len(calls)

    t, out = bench.best_of(fn, repeats=3, budget=60.0)
    assert len(calls) == 3 and out == 3 and t >= 0


def test_effective_weights_sum_to_one_and_vary_with_noise():
    W = bench.effective_weights(bench.space_meta(), 50, 20)
    assert W.shape == (50, 36)
    np.testing.assert_allclose(W.sum(axis=1), 1.0, rtol=1e-12)
    assert np.ptp(W, axis=0).max() > 0


def test_format_table_numbers_notes_once_and_marks_failures():
    rows = [bench.Row("a", "1 x 2", 10.0, 0.1, 100.0, ">= 20x", True, ["note one"]),
            bench.Row("b", "3 x 4", None, 2.0, None, "<= 1.5 GB", False, ["note one", "note two"],
                      ratio_text="1.70 GB RSS")]
    table, notes = bench.format_table(rows)
    assert notes == ["[^1]: note one", "[^2]: note two"]
    lines = table.splitlines()
    assert lines[2].startswith("| a [^1] |") and "100.0x" in lines[2] and lines[2].endswith("| yes |")
    assert lines[3].startswith("| b [^1][^2] |") and "1.70 GB RSS" in lines[3] and "**no**" in lines[3]
