"""`citymodel accounts` on the synthetic panel and on a user CSV; bad input gives exit code 1."""

from __future__ import annotations

import pandas as pd
import pytest

from citymodel.accounts.synthetic import make_growth_panel
from citymodel.cli import main


def test_accounts_help(capsys):
    with pytest.raises(SystemExit) as e:
        main(["accounts", "--help"])
    assert e.value.code == 0 and "usage: citymodel accounts" in capsys.readouterr().out


def test_accounts_on_synthetic_panel_with_mc_and_seed_figures(tmp_path, capsys):
    out = tmp_path / "acc.csv"
    assert main(["accounts", "--cities", "10", "--years", "6", "--mc", "8", "--seed-figures",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "SYNTHETIC panel" in text and "ICT share source: elasticity" in text
    assert "Monte Carlo (8 scenarios" in text and "新一线" in text
    acc = pd.read_csv(out)
    assert {"city", "year", "DE", "de_share", "contribution"} <= set(acc.columns) and len(acc) == 60


def test_accounts_on_user_csv(tmp_path, capsys):
    p = make_growth_panel(8, 6, seed=5)
    f = tmp_path / "panel.csv"
    p[["I_ICT", "I_N", "L", "Y", "VA_ICT"]].to_dataframe().reset_index().to_csv(f, index=False)
    assert main(["accounts", str(f), "--effects", "city", "--cov-type", "HC1"]) == 0
    text = capsys.readouterr().out
    assert "8 cities x 6 years" in text and "effects=city" in text


def test_accounts_bad_csv_exits_1_naming_the_problem(tmp_path, capsys):
    f = tmp_path / "bad.csv"
    pd.DataFrame({"city": ["a"], "year": [2020], "Y": [1.0]}).to_csv(f, index=False)
    assert main(["accounts", str(f)]) == 1
    assert "missing column" in capsys.readouterr().err
    assert main(["accounts", "--delta-ict", "1.5"]) == 1
    assert "(0, 1)" in capsys.readouterr().err
