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


@pytest.mark.parametrize("cmd", [[], ["info"], ["demo"], ["build"], ["sensitivity"], ["replicate"], ["accounts"]])
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


SPACE_YAML = """
seed: 1
factors:
  - {type: choice, name: normalisation, step: normalise,
     alternatives: [{method: minmax, range: [1, 100]}, {method: zscore, mean: 10, sd: 2}]}
  - {type: choice, name: aggregation, step: aggregate, alternatives: [arithmetic, geometric]}
  - {type: weight_noise, name: noise_pillars, level: 2, amplitude: 0.25, replicates: 50}
"""


def test_sensitivity_command_writes_netcdf_summary_and_figures(tmp_path, shared_data):
    from citymodel.io import read_netcdf

    space = tmp_path / "space.yaml"
    space.write_text(SPACE_YAML)
    spec = tmp_path / "spec.yaml"
    spec.write_text("impute: {method: mean}\nnormalise: {method: minmax, range: [1, 100]}\n")
    out, summ, figs = tmp_path / "res.nc", tmp_path / "summary.csv", tmp_path / "figs"
    r = run("sensitivity", str(shared_data / "asem" / "ASEM_iData.csv"), "--meta",
            str(shared_data / "asem" / "ASEM_iMeta.csv"), "--spec", str(spec), "--space", str(space),
            "--n", "16", "--seed", "3", "--out", str(out), "--summary", str(summ), "--figures", str(figs))
    assert r.returncode == 0, r.stderr
    assert "80 runs = N(3 + 2) with N = 16" in r.stdout and "reference engine would take" in r.stdout
    ds = read_netcdf(out)
    for v in ("nominal", "median", "q05", "q95", "rs_S1", "rs_ST", "rs_S1_conf", "rank_ST", "run_R_S"):
        assert v in ds, v
    assert ds.attrs["space"]["seed"] == 1 and ds.attrs["analysis"] == "sensitivity"
    s = pd.read_csv(summ)
    assert list(s.columns) == ["uCode", "nominal", "mean", "median", "q05", "q95"] and len(s) == 51
    assert (figs / "rank_uncertainty.png").exists() and (figs / "sobol_rs.png").exists()
    # same seed, same numbers
    out2 = tmp_path / "res2.nc"
    r = run("sensitivity", str(shared_data / "asem" / "ASEM_iData.csv"), "--meta",
            str(shared_data / "asem" / "ASEM_iMeta.csv"), "--spec", str(spec), "--space", str(space),
            "--n", "16", "--seed", "3", "--out", str(out2))
    assert r.returncode == 0
    import numpy as np

    np.testing.assert_array_equal(read_netcdf(out2)["rs_ST"].values, ds["rs_ST"].values)


def test_uncertainty_mode_and_bad_space(tmp_path, shared_data):
    space = tmp_path / "space.yaml"
    space.write_text(SPACE_YAML)
    out = tmp_path / "ua.nc"
    r = run("sensitivity", str(shared_data / "asem" / "ASEM_iData.csv"), "--meta",
            str(shared_data / "asem" / "ASEM_iMeta.csv"), "--space", str(space), "--mode", "ua",
            "--sampler", "lhs", "--n", "40", "--out", str(out))
    assert r.returncode == 0, r.stderr
    space.write_text("factors:\n  - {type: choice, name: n, step: normalise, alternatives: [minmax]}\n")
    r = run("sensitivity", str(shared_data / "asem" / "ASEM_iData.csv"), "--meta",
            str(shared_data / "asem" / "ASEM_iMeta.csv"), "--space", str(space), "--n", "8", "--out", str(out))
    assert r.returncode == 1 and "at least 2" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_sensitivity_on_a_dask_local_cluster_matches_sync(tmp_path, shared_data):
    pytest.importorskip("distributed")
    from citymodel.io import read_netcdf

    space = tmp_path / "space.yaml"
    space.write_text(SPACE_YAML)
    outs = []
    for sched in ("sync", "dask"):
        out = tmp_path / f"{sched}.nc"
        r = run("sensitivity", str(shared_data / "asem" / "ASEM_iData.csv"), "--meta",
                str(shared_data / "asem" / "ASEM_iMeta.csv"), "--space", str(space), "--n", "8",
                "--seed", "2", "--scheduler", sched, "--max-memory", "50MB", "--out", str(out))
        assert r.returncode == 0, r.stderr
        outs.append(read_netcdf(out))
    import xarray as xr

    xr.testing.assert_identical(outs[0].drop_attrs(), outs[1].drop_attrs())
