"""Typed errors and warnings shared by every layer of spatial_carbon.

One root, :class:`SpatialCarbonError`; each subclass also inherits the
built-in exception it resembles (``ValueError``, ``KeyError``, ...), so code
that catches built-ins keeps working.  The CLI and the QGIS plugin map these
to user messages in one place each; messages say what is wrong, where, and how
to fix it.
"""

from __future__ import annotations

from typing import Any, Iterable


class SpatialCarbonError(Exception):
    """Root of every error raised on purpose by spatial_carbon."""


class InputError(SpatialCarbonError, ValueError):
    """An input table, layer or file is malformed (missing column, wrong type)."""


class UnknownRegionError(InputError):
    """A region name or code is not in the registry (message lists the closest)."""


class DuplicateRowError(InputError):
    """A key (e.g. region-year) appears more than once where it must be unique."""


class MissingDataError(InputError):
    """A value needed for the computation is absent (year, population, factor)."""


class MissingFactorError(MissingDataError):
    """A fuel (or other item) has no factor in the chosen factor table."""


class UnitError(InputError):
    """A unit is unknown, or incompatible with the quantity it is attached to."""


class NegativeValueError(InputError):
    """A quantity that must be non-negative (fuel use, area, output) is negative."""


class ZeroCapacityError(InputError, ZeroDivisionError):
    """A denominator is zero where a ratio is defined (CEC = 0, zero output, ...)."""


class ClassificationError(InputError):
    """A classification cannot be formed (too few distinct values, bad k)."""


class CRSError(InputError):
    """A coordinate reference system is missing, unknown, or mismatched."""


class RasterError(InputError):
    """A raster is unreadable, truncated, or inconsistent with its siblings."""


class WeightsError(InputError):
    """Spatial weights cannot be built or are unusable (islands, ids, file format)."""


class ModelError(SpatialCarbonError, ArithmeticError):
    """A model is mathematically ill-posed (e.g. singular I - A)."""


class ConfigError(InputError):
    """A study configuration is invalid (unknown key, missing input path)."""


class LayerError(InputError):
    """A vector layer cannot be read: missing or corrupt file, no such layer,
    several layers and none chosen (the message lists them), no features."""


class SpatialCarbonWarning(UserWarning):
    """Root of the warnings issued by spatial_carbon."""


class DataQualityWarning(SpatialCarbonWarning):
    """The computation can proceed, but an input looks suspicious."""


class UnmatchedRegionsWarning(DataQualityWarning):
    """Regions of a boundary layer have no data and are left out of the
    analysis (they are still drawn, as "No data"); e.g. Tibet, Hong Kong,
    Macau and Taiwan with the CEADs inventories."""


class DependencyError(SpatialCarbonError, RuntimeError):
    """An optional dependency needed for the request is not installed
    (a package, a font such as a CJK font for Chinese map labels, a program)."""


class DownloadError(SpatialCarbonError, OSError):
    """A dataset could not be downloaded or verified (offline, server error,
    wrong checksum); the message lists what to fetch by hand and where."""


def shortlist(items, n: int = 10, sep: str = ", ") -> str:
    """``"a, b, c"`` for at most ``n`` items, then ``"and N more"``.

    The one way error and warning messages list names or ids, so a message
    about 370 cities stays one readable line.

    >>> shortlist(range(13), n=3)
    '0, 1, 2 and 10 more'
    """
    items = [str(i) for i in items]
    head = sep.join(items[:n])
    return head + (f" and {len(items) - n} more" if len(items) > n else "")


class OutputError(SpatialCarbonError, OSError):
    """An output cannot be written where asked: it would replace an input or a
    folder spatial_carbon did not write, its parent is a file, the disk is
    full, the file system is read-only, ..."""


class JobError(InputError):
    """A QGIS worker job file is missing, not JSON, or does not match the schema."""


# ------------------------------------------------------------------ message text
#: Longest quoted value shown in a message (longer ones are cut in the middle).
VALUE_WIDTH = 60
#: Longest message the CLI and the QGIS worker print (head and tail kept).
MESSAGE_LIMIT = 1500


def plain(value: Any) -> Any:
    """``value`` with numpy scalars turned into Python ones (``np.int64(2000)`` -> ``2000``)."""
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy" and getattr(value, "ndim", 1) == 0:
        return item()
    return value


def show(value: Any, width: int = VALUE_WIDTH, *, quote: bool = True) -> str:
    """A value as a message shows it: plain numbers, quoted and shortened strings.

    ``show(np.float64(0.5))`` is ``0.5`` (not ``np.float64(0.5)``); a string
    longer than ``width`` is cut to its start and end with its length, so a
    100,000-character cell gives a short message.  ``quote=False``: strings
    without quotes (for ``key=value`` lists).
    """
    value = plain(value)
    if isinstance(value, str):
        q = repr if quote else str
        if len(value) > width:
            half = max(width // 2 - 2, 4)
            return f"{q(value[:half])}...{q(value[-8:])} ({len(value):,} characters)"
        return q(value)
    if isinstance(value, float):
        return f"{value:.10g}"
    if type(value).__module__.split(".")[0] in ("numpy", "pandas") and hasattr(value, "tolist"):
        value = value.tolist()  # an array, Index or Series: its values as a list
    if isinstance(value, (list, tuple, set, frozenset)):
        return "[" + show_list(list(value), width=width) + "]"
    text = str(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def show_list(values: Iterable[Any], n: int = 10, width: int = VALUE_WIDTH) -> str:
    """:func:`shortlist` of the values as :func:`show` writes them (quoted, plain numbers)."""
    values = list(values)
    return shortlist([show(v, width) for v in values[:n]] + values[n:], n=n)


def one_line(message: str, limit: int = MESSAGE_LIMIT) -> str:
    """``message`` on one line and at most ``limit`` characters (head and tail kept)."""
    text = " | ".join(part.strip() for part in str(message).splitlines() if part.strip())
    if len(text) > limit:
        keep = limit // 2 - 20
        text = f"{text[:keep]} ... ({len(text) - 2 * keep:,} characters cut) ... {text[-keep:]}"
    return text
