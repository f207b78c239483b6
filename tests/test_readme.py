"""The README's commands and code run as written."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_opens_with_the_two_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    block = lines[lines.index("```bash") + 1: lines.index("```bash") + 3]
    assert block[0].endswith("citymodel demo") and "pip install -e ." in block[0]
    assert "pytest" in block[1]
    ci = (README.parent / ".ci" / "run").read_text()
    assert "pip install -e ." in ci and "citymodel demo" in ci and "python -m pytest" in ci


def test_readme_python_tour_runs():
    code = "\n".join(re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S))
    ns: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, "README.md", "exec"), ns)  # noqa: S102 - our own README
    assert ns["ua"].stats.sizes["city"] == 242
    assert "rank_ST" in ns["sa"].indices
