"""The documentation site builds under ``mkdocs build --strict`` and covers the whole public API.

* (a) ``mkdocs build --strict`` exits 0 (griffe docstring warnings, broken links, missing snippet
  files and unresolved cross-references are all errors); skipped only if mkdocs is not installed.
* (b) every public name appears in the API reference: in the rendered HTML (an anchor
  ``module.name`` of its defining or re-exporting module) and in a ``:::`` directive of
  ``docs/api/*.md`` that documents its module with members. "Public" means: each public module's
  ``__all__``, or, for a module without ``__all__``, its public top-level functions and classes.
  A new public module or function without a place in the API reference fails here.
* every public function and class has a docstring (NumPy style, rendered by mkdocstrings).
* (c) every ``docs/**/*.md`` page is in the ``nav`` of ``mkdocs.yml`` and every nav entry exists.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import citymodel

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
API = DOCS / "api"
CONFIG = REPO / "mkdocs.yml"


# ------------------------------------------------------------------------------ helpers
def _public_modules() -> list[str]:
    names = ["citymodel"] + [m.name for m in pkgutil.walk_packages(citymodel.__path__, "citymodel.")]
    return [n for n in names if not any(part.startswith("_") for part in n.split("."))]


def _public_names(modname: str) -> list[str]:
    """``__all__`` (dunders such as ``__version__`` excluded), else public top-level defs."""
    mod = importlib.import_module(modname)
    if hasattr(mod, "__all__"):
        return [n for n in mod.__all__ if not n.startswith("__")]
    return [n for n, obj in vars(mod).items()
            if not n.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
            and getattr(obj, "__module__", None) == modname]


PUBLIC = [(m, n) for m in _public_modules() for n in _public_names(m)]


def _defining_modules(modname: str, name: str) -> list[str]:
    """Modules where the object ``modname.name`` is documented: its own and its defining one."""
    obj = getattr(importlib.import_module(modname), name)
    mods = [modname]
    home = getattr(obj, "__module__", None)
    if isinstance(home, str) and home.startswith("citymodel") and (inspect.isfunction(obj) or inspect.isclass(obj)):
        mods.append(home)
    else:  # constants: every public module that holds the very same object
        for other in _public_modules():
            if other != modname and vars(importlib.import_module(other)).get(name) is obj:
                mods.append(other)
    return mods


def _directives() -> dict[str, dict]:
    """``::: module`` directives of docs/api/*.md -> their ``options`` (``{}`` if none)."""
    out: dict[str, dict] = {}
    for page in sorted(API.glob("*.md")):
        lines = page.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            m = re.match(r"^:::\s+(\S+)\s*$", line)
            if not m:
                continue
            block = []
            for nxt in lines[i + 1:]:
                if nxt.strip() and not nxt.startswith((" ", "\t")):
                    break
                block.append(nxt)
            opts = yaml.safe_load("\n".join(block)) if any(b.strip() for b in block) else None
            out[m.group(1)] = (opts or {}).get("options", {}) or {}
    return out


def _documents_member(options: dict, name: str) -> bool:
    members = options.get("members", None)
    if members is False:
        return False
    if isinstance(members, list):
        return name in members
    return True


class _MkDocsLoader(yaml.SafeLoader):
    """SafeLoader that tolerates MkDocs' custom tags (``!relative``, ``!ENV``, python names)."""


_MkDocsLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_MkDocsLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def _nav_pages(nav) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [p for item in nav for p in _nav_pages(item)]
    if isinstance(nav, dict):
        return [p for v in nav.values() for p in _nav_pages(v)]
    return []


# ------------------------------------------------------------------------------ the build
@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    pytest.importorskip("mkdocs", reason="install the docs extras: pip install -e '.[docs]'")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(CONFIG), "-d", str(out)],
        cwd=REPO, capture_output=True, text=True, env=env, timeout=600,
    )
    return out if proc.returncode == 0 else proc  # type: ignore[return-value]


def test_mkdocs_build_strict_succeeds(site):
    if not isinstance(site, Path):
        log = "\n".join((site.stdout + site.stderr).splitlines()[-40:])
        pytest.fail(f"mkdocs build --strict exited {site.returncode}:\n{log}")
    assert (site / "index.html").is_file()
    assert (site / "api" / "methods" / "index.html").is_file()


def test_every_public_name_appears_in_the_rendered_api_reference(site):
    if not isinstance(site, Path):
        pytest.fail("the site did not build; see test_mkdocs_build_strict_succeeds")
    ids: set[str] = set()
    for html in (site / "api").rglob("*.html"):
        ids.update(re.findall(r'id="(citymodel[\w.]*)"', html.read_text(encoding="utf-8")))
    missing = [f"{m}.{n}" for m, n in PUBLIC
               if not any(f"{mod}.{n}" in ids for mod in _defining_modules(m, n))]
    assert not missing, ("public names missing from the rendered API reference (add a '::: module' "
                         f"directive to docs/api/*.md or a docstring): {missing}")


# ------------------------------------------------------------------------------ static checks
def test_every_public_function_and_class_has_a_docstring():
    # the site renders undocumented constants too (show_if_no_docstring), so "documented" for
    # functions and classes is checked here
    missing = []
    for m, n in PUBLIC:
        obj = getattr(importlib.import_module(m), n)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and not (obj.__doc__ or "").strip():
            missing.append(f"{m}.{n}")
    assert not missing, f"public functions/classes without a docstring: {missing}"


def test_public_api_is_not_empty_and_includes_every_layer():
    modules = {m for m, _ in PUBLIC}
    for expected in ("citymodel.build", "citymodel.methods.weights", "citymodel.uncertainty.sobol",
                     "citymodel.accounts.pim", "citymodel.datasets", "citymodel.cli",
                     "citymodel.analysis"):
        assert expected in modules
    assert len(PUBLIC) > 200


def test_every_public_name_has_a_directive_documenting_it():
    directives = _directives()
    missing = [f"{m}.{n}" for m, n in PUBLIC
               if not any(mod in directives and _documents_member(directives[mod], n)
                          for mod in _defining_modules(m, n))]
    assert not missing, f"no '::: module' directive in docs/api/*.md documents: {missing}"


def test_every_directive_names_an_importable_public_module():
    public = set(_public_modules())
    for target in _directives():
        assert target in public, f"'::: {target}' in docs/api does not name a public module"


def test_every_docs_page_is_in_the_nav_and_every_nav_entry_exists():
    config = yaml.load(CONFIG.read_text(encoding="utf-8"), Loader=_MkDocsLoader)
    nav = _nav_pages(config["nav"])
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert sorted(pages - set(nav)) == [], "docs pages missing from the nav of mkdocs.yml"
    assert sorted(set(nav) - pages) == [], "nav entries without a page"
    assert len(nav) == len(set(nav)), "a page appears twice in the nav"


def test_benchmark_page_includes_the_measured_table_by_snippet():
    text = (DOCS / "benchmarks.md").read_text(encoding="utf-8")
    assert re.search(r'^--8<-- "benchmarks/results\.md[:\d]*"$', text, flags=re.M)
    assert (REPO / "benchmarks" / "results.md").is_file()
