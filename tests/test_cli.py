"""The command line as a user runs it (subprocess for the entry point, main() for speed)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd
import pytest

from citymodel.cli import main


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "citymodel.cli", *args], capture_output=True,
                          text=True, cwd=cwd)


@pytest.mark.parametrize("cmd", [[], ["info"], ["demo"], ["build"]])
def test_help_on_every_command(cmd, capsys):
    with pytest.raises(SystemExit) as e:
        main([*cmd, "--help"])
    assert e.value.code == 0
    assert "usage: citymodel" in capsys.readouterr().out


def test_console_script_is_installed():
    assert shutil.which("citymodel") is not None or pytest.skip("package not installed as a script")


@pytest.mark.parametrize("args", [["frobnicate"], ["build", "x.csv"], ["demo", "--seed", "abc"]])
def test_bad_arguments_exit_nonzero_with_one_line(args):
    r = run(*args)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "error" in r.stderr


def test_info_lists_datasets_and_frameworks():
    r = run("info")
    assert r.returncode == 0
    for name in ("h3c2021", "ccid2021_top100", "city_gdp_2020", "tai", "h3c_caict_2021_de_index"):
        assert name in r.stdout


def test_build_command_writes_long_csv_for_every_node(tmp_path, shared_data):
    out = tmp_path / "out.csv"
    r = run("build", str(shared_data / "asem" / "ASEM_iData.csv"), "--meta",
            str(shared_data / "asem" / "ASEM_iMeta.csv"), "--out", str(out))
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out)
    assert list(df.columns) == ["uCode", "node", "level", "score", "rank"]
    assert df.node.nunique() == 60 and df.uCode.nunique() == 51
    idx = df[df.node == "Index"].set_index("uCode")
    assert idx.level.unique().tolist() == [4]
    assert idx["rank"].min() == 1 and idx.score.between(0, 100).all()


def test_build_command_with_spec_and_bad_input(tmp_path, shared_data):
    spec = tmp_path / "spec.yaml"
    spec.write_text("impute: {method: mean}\nweights: {method: entropy}\naggregate: {method: geometric}\n"
                    "normalise: {method: minmax, range: [1, 100]}\n")
    out = tmp_path / "o.csv"
    r = run("build", str(shared_data / "asem" / "ASEM_iData.csv"), "--meta",
            str(shared_data / "asem" / "ASEM_iMeta.csv"), "--spec", str(spec), "--out", str(out))
    assert r.returncode == 0, r.stderr
    spec.write_text("weights: {method: magic}\n")
    r = run("build", str(shared_data / "asem" / "ASEM_iData.csv"), "--meta",
            str(shared_data / "asem" / "ASEM_iMeta.csv"), "--spec", str(spec), "--out", str(out))
    assert r.returncode == 1 and "unknown weights method 'magic'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = run("build", str(tmp_path / "missing.csv"), "--meta", str(shared_data / "asem" / "ASEM_iMeta.csv"),
            "--out", str(out))
    assert r.returncode == 1 and "does not exist" in r.stderr


def test_demo_runs_and_says_where_the_report_went(tmp_path):
    r = run("demo", "--quick", "--out", str(tmp_path / "demo"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "demo" / "report.md").exists()
    assert "Report:" in r.stdout and "[1/" in r.stdout
    text = (tmp_path / "demo" / "report.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in text
