"""Which regions enter which analysis when coverage is sparse (pure).

Inventories below the provincial level cover different regions in
different years (the CEADs city inventory: 107 cities in 2000, 263 in 2012,
170 in 2019).  A study then uses two kinds of panel:

* **cross-sections** (footprint, zones, natural breaks, global Moran, LISA of
  a year): every region with a value that year; the spatial weights are built
  on that set (:func:`cross_sections` groups the years by their set, so each
  set's weights are built once);
* **transitions** (LISA Markov chains): a *balanced* panel, the regions with a
  value in every year of a window (:func:`balanced_window`), because a
  transition needs the region in both years and the chain one fixed set of
  neighbours.

When every region has every year (the provincial demo), the cross-sections
are one set and the balanced panel is the whole study: nothing changes.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import pandas as pd

from ..errors import ConfigError, MissingDataError

#: Default least number of regions of the balanced panel (capped at the
#: number of regions of the study, see :func:`balanced_window`).
MIN_REGIONS = 200


def _presence(df: pd.DataFrame, column: str, id_col: str, year_col: str) -> pd.DataFrame:
    """Boolean table years x ids: has a (non-missing) value of ``column``."""
    for c in (id_col, year_col, column):
        if c not in df.columns:
            raise MissingDataError(f"the table has no column {c!r}")
    ok = df[df[column].notna()]
    pres = pd.crosstab(ok[year_col].astype("int64"), ok[id_col]) > 0
    return pres.sort_index().sort_index(axis=1)


def cross_sections(df: pd.DataFrame, column: str, *, id_col: str = "region_code",
                   year_col: str = "year") -> list[tuple[list[int], list]]:
    """The years grouped by the set of regions with a value of ``column``.

    Returns
    -------
    list of (years, ids)
        One entry per distinct set of regions, in order of the first year;
        ``ids`` sorted.  A study whose regions have every year gets one entry.
    """
    pres = _presence(df, column, id_col, year_col)
    groups: dict[tuple, list[int]] = {}
    for year, row in pres.iterrows():
        key = tuple(row.index[row.to_numpy()])
        groups.setdefault(key, []).append(int(year))
    return [(years, list(ids)) for ids, years in groups.items()]


@dataclasses.dataclass
class Panel:
    """A balanced panel: the regions with a value in every year of a window.

    Attributes
    ----------
    first_year, last_year : int
        The window (inclusive).
    ids : list
        Regions kept (sorted).
    dropped : dict
        Region -> years of the window without a value, for every region of
        the study that is not in the panel.
    rule : str
        How the window was chosen, in words.
    coverage : dict
        Year -> number of regions with a value (every study year).
    """

    first_year: int
    last_year: int
    ids: list
    dropped: dict
    rule: str
    coverage: dict

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def sentence(self, what: str | None = None) -> str:
        """The panel in one sentence (for manifest and report); ``what`` names
        the one analysis run on it (e.g. "the spatial Markov chain of ICF_size"),
        default the LISA transitions."""
        subject, rest = ("LISA transitions use", "the transitions") if what is None else \
            (f"{what} uses", "it")
        return (f"{subject} a balanced panel of {len(self.ids)} regions with data in "
                f"every year of {self.first_year}-{self.last_year} ({self.rule}); "
                f"{len(self.dropped)} region(s) without data in some of these years are left out "
                f"of {rest}")

    def as_dict(self) -> dict:
        """JSON-ready record: who was kept and why."""
        return {"first_year": self.first_year, "last_year": self.last_year,
                "n_regions": len(self.ids), "rule": self.rule,
                "kept": [_plain(i) for i in self.ids],
                "dropped": {str(_plain(k)): v for k, v in self.dropped.items()},
                "coverage": {str(k): int(v) for k, v in self.coverage.items()}}


def _plain(x):
    try:
        return int(x)
    except (TypeError, ValueError):
        return str(x)


def balanced_window(
    df: pd.DataFrame,
    column: str,
    *,
    years: Sequence[int] | None = None,
    min_regions: int = MIN_REGIONS,
    id_col: str = "region_code",
    year_col: str = "year",
) -> Panel:
    """The balanced panel of a study: a window and the regions complete in it.

    Parameters
    ----------
    df : DataFrame
        Long table (``id_col``, ``year_col``, ``column``); missing values
        and absent rows both count as "no data".
    column : str
        The variable whose presence counts.
    years : (first, last), optional
        The window, from the configuration (``[spatial] panel_years``).
        Default: chosen by the rule below.
    min_regions : int
        Least number of regions of the default window (default 200), capped
        at the number of regions in ``df``, so a study of 30 provinces asks
        for 30.
    id_col, year_col : str

    Returns
    -------
    Panel

    Raises
    ------
    ConfigError
        A given window that is not two years ``first <= last`` within the data.
    MissingDataError
        No window of at least two years reaches ``min_regions`` regions, or
        a given window leaves fewer than 2 regions.

    Notes
    -----
    Default rule: the longest run of consecutive years in which at least
    ``min(min_regions, n_regions)`` regions have a value in every year; among
    windows of that length the one with most regions, then the latest.  When
    every region has every year the window is the whole study.
    """
    pres = _presence(df, column, id_col, year_col)
    if pres.empty:
        raise MissingDataError(f"no values of {column!r}: no panel")
    all_years = list(range(int(pres.index.min()), int(pres.index.max()) + 1))
    pres = pres.reindex(all_years, fill_value=False)
    coverage = {int(y): int(pres.loc[y].sum()) for y in all_years}
    if years is not None:
        if (not isinstance(years, (list, tuple)) or len(years) != 2
                or not all(isinstance(y, int) for y in years) or years[0] > years[1]):
            raise ConfigError(f"[spatial] panel_years must be [first, last] (integers), got {years!r}")
        a, b = int(years[0]), int(years[1])
        if a < all_years[0] or b > all_years[-1]:
            raise ConfigError(
                f"[spatial] panel_years {a}-{b} reach beyond the years with data "
                f"({all_years[0]}-{all_years[-1]})"
            )
        rule = f"window {a}-{b} from the configuration"
    else:
        need = min(int(min_regions), pres.shape[1])
        best = None  # (length, n, last) maximised
        for i, a in enumerate(all_years):
            complete = pres.loc[a].to_numpy().copy()
            for b in all_years[i:]:
                complete &= pres.loc[b].to_numpy()
                n = int(complete.sum())
                if n < need:
                    break
                key = (b - a + 1, n, b)
                if b > a and (best is None or key > best[0]):
                    best = (key, a, b)
        if best is None:
            raise MissingDataError(
                f"no window of two or more years in which {need} regions have {column!r} in every "
                f"year (regions per year: {coverage}); set [spatial] panel_years and "
                "panel_min_regions"
            )
        _, a, b = best
        rule = ("every region has data in every year" if bool(pres.all().all()) else
                f"the longest window in which at least {need} regions have data in every year")
    window = pres.loc[a:b]
    complete = window.all(axis=0)
    ids = sorted(complete.index[complete.to_numpy()].tolist())
    if len(ids) < 2:
        raise MissingDataError(
            f"only {len(ids)} region(s) have {column!r} in every year of {a}-{b}: no transitions; "
            "choose another [spatial] panel_years"
        )
    dropped = {k: [int(y) for y in window.index[~window[k].to_numpy()]]
               for k in sorted(complete.index[~complete.to_numpy()].tolist())}
    return Panel(first_year=a, last_year=b, ids=ids, dropped=dropped, rule=rule,
                 coverage=coverage)


__all__ = ["MIN_REGIONS", "Panel", "balanced_window", "cross_sections"]
