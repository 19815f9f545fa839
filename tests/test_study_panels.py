"""Panels of a study with sparse coverage: cross-sections and the balanced window."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spatial_carbon.errors import ConfigError, MissingDataError
from spatial_carbon.study import panels


def _table(presence: dict[int, list[int]]) -> pd.DataFrame:
    """id -> years with a value."""
    rows = [(i, y, float(i + y)) for i, ys in presence.items() for y in ys]
    return pd.DataFrame(rows, columns=["region_code", "year", "v"])


# ids 1-4; 2001-2005.  Balanced counts by window (worked by hand):
#   id 1: 2001-2005 all;  id 2: 2002-2005;  id 3: 2001-2004;  id 4: 2003 only
#   2002-2004: ids 1, 2, 3 -> 3 regions (3 years);  2001-2005: id 1 only
#   2001-2004: ids 1, 3 -> 2;  2002-2005: ids 1, 2 -> 2
PRES = {1: [2001, 2002, 2003, 2004, 2005], 2: [2002, 2003, 2004, 2005],
        3: [2001, 2002, 2003, 2004], 4: [2003]}


def test_balanced_window_rule():
    df = _table(PRES)
    p = panels.balanced_window(df, "v", min_regions=3)
    assert (p.first_year, p.last_year, p.ids) == (2002, 2004, [1, 2, 3])
    assert p.dropped == {4: [2002, 2004]}
    assert p.coverage == {2001: 2, 2002: 3, 2003: 4, 2004: 3, 2005: 2}
    # at least 2 regions: the longest window is 4 years; 2001-2004 and 2002-2005 both have
    # 2 regions -> the later one wins the tie
    p = panels.balanced_window(df, "v", min_regions=2)
    assert (p.first_year, p.last_year, p.ids) == (2002, 2005, [1, 2])
    assert p.dropped == {3: [2005], 4: [2002, 2004, 2005]}
    assert "balanced panel of 2 regions" in p.sentence() and "2002-2005" in p.sentence()
    d = p.as_dict()
    assert d["kept"] == [1, 2] and d["dropped"] == {"3": [2005], "4": [2002, 2004, 2005]}


def test_missing_values_count_as_no_data_and_cap():
    df = _table(PRES)
    df.loc[(df["region_code"] == 2) & (df["year"] == 2003), "v"] = np.nan
    # id 2 lost 2003: 3 regions are complete in single years only (2002: 1, 2, 3;
    # 2003: 1, 3, 4; 2004: 1, 2, 3); every 2-year window keeps 2 (e.g. 2003-2004: 1, 3)
    with pytest.raises(MissingDataError, match="no window of two or more years in which 3"):
        panels.balanced_window(df, "v", min_regions=3)
    p = panels.balanced_window(df, "v", min_regions=2)  # 2001-2004: ids 1 and 3
    assert (p.first_year, p.last_year, p.ids) == (2001, 2004, [1, 3])
    # min_regions above the number of regions is capped: 4 provinces complete in every year
    full = _table({i: [2001, 2002, 2003] for i in (11, 12, 13, 14)})
    p = panels.balanced_window(full, "v")  # default 200, capped at 4
    assert (p.first_year, p.last_year, len(p.ids)) == (2001, 2003, 4)
    assert p.rule == "every region has data in every year" and p.dropped == {}


def test_configured_window():
    df = _table(PRES)
    p = panels.balanced_window(df, "v", years=[2001, 2004])
    assert p.ids == [1, 3] and "from the configuration" in p.rule
    with pytest.raises(ConfigError, match=r"panel_years must be \[first, last\]"):
        panels.balanced_window(df, "v", years=[2004, 2001])
    with pytest.raises(ConfigError, match="reach beyond the years with data"):
        panels.balanced_window(df, "v", years=[1999, 2004])
    with pytest.raises(MissingDataError, match="only 1 region"):
        panels.balanced_window(df, "v", years=[2001, 2005])


def test_cross_sections_group_years_by_set():
    df = _table(PRES)
    cs = panels.cross_sections(df, "v")
    assert cs == [([2001], [1, 3]), ([2002, 2004], [1, 2, 3]), ([2003], [1, 2, 3, 4]),
                  ([2005], [1, 2])]
    full = _table({i: [2001, 2002] for i in (1, 2)})
    assert panels.cross_sections(full, "v") == [([2001, 2002], [1, 2])]
