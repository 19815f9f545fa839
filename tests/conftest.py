"""Shared test configuration.

``@pytest.mark.cjk`` marks tests that draw Chinese labels: they need a font
with Chinese glyphs (Debian/Ubuntu: ``apt-get install fonts-noto-cjk``) and
are skipped, with that reason, on a machine without one.  CI installs the
font and sets ``SPATIAL_CARBON_REQUIRE_CJK=1``, so there a missing font fails
instead of skipping.
"""

from __future__ import annotations

import functools
import os

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "cjk: draws Chinese labels; skipped when no CJK font is installed")


@functools.lru_cache(maxsize=1)
def _no_cjk_font() -> str | None:
    """None if matplotlib finds a CJK font, else the reason to skip."""
    from spatial_carbon.errors import DependencyError
    from spatial_carbon.maps import _base

    try:
        _base.cjk_font()
    except DependencyError:
        return ("no font with Chinese glyphs (apt-get install fonts-noto-cjk, then delete "
                "matplotlib's font cache); CI installs it")
    return None


def pytest_runtest_setup(item):
    if item.get_closest_marker("cjk") is None:
        return
    reason = _no_cjk_font()
    if reason and os.environ.get("SPATIAL_CARBON_REQUIRE_CJK", "") != "1":
        pytest.skip(reason)
