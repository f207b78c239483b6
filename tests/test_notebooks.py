"""Every notebook in ``notebooks/`` executes top to bottom in a fresh kernel, headless, at small size.

Notebooks are jupytext "percent" scripts (``notebooks/NN_name.py``); this test pairs each to an
in-memory notebook and runs it with nbclient, as a user's "Restart & Run All" would. The kernel
sees ``CITYMODEL_NOTEBOOK_SIZE=small`` (notebooks shrink their Monte Carlo sizes on it),
``MPLBACKEND=Agg`` and ``CITYMODEL_SHARED_DATA`` (third-party example data), and runs in a
temporary directory so that nothing is written into the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import REPO, shared_data_dir

jupytext = pytest.importorskip("jupytext", reason="install the test extras: pip install -e '.[test]'")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.py"))


def test_the_six_user_notebooks_exist():
    names = [p.stem[:2] for p in NOTEBOOKS]
    assert names == ["01", "02", "03", "04", "05", "06"], names


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_headless_top_to_bottom(path: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("CITYMODEL_NOTEBOOK_SIZE", "small")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("CITYMODEL_SHARED_DATA", str(shared_data_dir()))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    nb = jupytext.read(path)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
