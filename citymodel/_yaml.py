"""YAML in and out for the plain-data objects (framework, spec, scenario space)."""

from __future__ import annotations

from pathlib import Path

import yaml

__all__ = ["dump_yaml", "load_yaml"]


def dump_yaml(d: dict, path: str | Path | None = None) -> str:
    """YAML text of ``d`` (key order kept, Unicode as is); also written to ``path`` if given."""
    text = yaml.safe_dump(d, allow_unicode=True, sort_keys=False)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def load_yaml(source: str | Path, error: type[Exception], what: str):
    """Parse YAML from a file path (``Path`` or a one-line ``*.yaml``/``*.yml`` string) or text.

    Raises ``error`` naming ``what`` and the file when the file is missing or the YAML is bad.
    """
    where = "(text)"
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source
                                    and source.lower().endswith((".yaml", ".yml"))):
        p = Path(source)
        if not p.exists():
            raise error(f"{what} file {p} does not exist")
        where, source = str(p), p.read_text(encoding="utf-8")
    try:
        return yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise error(f"cannot parse {what} YAML {where}: {exc}") from None
