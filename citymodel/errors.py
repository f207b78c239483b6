"""Typed exceptions and warnings.

Every error raised on bad input is a subclass of :class:`CitymodelError` and of
the matching built-in (``ValueError`` or ``TypeError``), so ``except ValueError``
keeps working. Messages name the file, column or row at fault and say how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "CitymodelError",
    "DataError",
    "FrameworkError",
    "SpecError",
    "MethodError",
    "ConsistencyError",
    "CitymodelWarning",
    "DataChangeWarning",
    "ConsistencyWarning",
    "unknown_name",
]


class CitymodelError(Exception):
    """Base class of all citymodel errors."""


class DataError(CitymodelError, ValueError):
    """The indicator data are unusable as given (NaN/Inf, duplicates, non-numeric, empty...)."""


class FrameworkError(CitymodelError, ValueError):
    """The indicator framework (hierarchy, weights, directions) is invalid."""


class SpecError(CitymodelError, ValueError):
    """An index specification or scenario space names an unknown method or bad parameter."""


class MethodError(CitymodelError, ValueError):
    """A method cannot be applied to these values (e.g. a log of a non-positive number)."""


class ConsistencyError(MethodError):
    """An AHP comparison matrix is too inconsistent (consistency ratio above the threshold)."""


class CitymodelWarning(UserWarning):
    """Base class of citymodel warnings."""


class DataChangeWarning(CitymodelWarning):
    """Values were changed (imputed, winsorised, transformed) or cities/indicators altered."""


class ConsistencyWarning(CitymodelWarning):
    """An AHP matrix exceeds the consistency threshold but was accepted on request."""


def unknown_name(kind: str, name: object, valid: Iterable[str]) -> SpecError:
    """Return a :class:`SpecError` for an unknown method/factor name listing the valid ones."""
    valid = sorted(valid)
    plural = kind[:-2] + "ices" if kind.endswith("ex") else kind + "s"
    return SpecError(f"unknown {kind} {name!r}; valid {plural} are: {', '.join(valid)}")
