"""A whole study: configuration in, every table, map, report and manifest out.

``config``
    read and validate ``study.toml``.
``pipeline``
    run the chain (:func:`run`) and write its outputs (:func:`write_outputs`).
``result``
    :class:`StudyResult`, the named tables, boundaries, notes, diagnostics,
    steps and config that pipeline, maps, styles and report share.
"""

from __future__ import annotations

from .pipeline import UNITS, fill_years, region_years_layer, run, run_file, write_outputs  # noqa: F401
from .result import StudyResult  # noqa: F401

__all__ = ["run", "run_file", "write_outputs", "fill_years", "region_years_layer", "UNITS",
           "StudyResult"]
