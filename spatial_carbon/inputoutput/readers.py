"""File readers of the IO subpackage (the only functions here that open paths).

* :func:`read_pymrio` — a folder written by pymrio's ``IOSystem.save_all``
  (also EXIOBASE/WIOD/OECD/Eora folders parsed and saved by pymrio);
* :func:`read_mrio_table` — a CEADs-style Chinese MRIO table (xlsx or CSV);
* :func:`read_provincial_tables` — the stacked provincial-table CSV of
  ``io-transfer``;
* :func:`read_long_table` — region/sector/year tables (LMDI, share shift, S).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from spatial_carbon._io import read_csv
from spatial_carbon.errors import InputError, show_list
from spatial_carbon.inputoutput.mrio import MRIO, mrio_from_frames, mrio_from_pymrio
from spatial_carbon.inputoutput.provincial import ProvincialTable, tables_from_frame


#: File-name endings pymrio reads with ``pandas.read_pickle`` (which runs code).
PICKLE_SUFFIXES = (".pkl", ".pickle")


def pickled_tables(path: str | os.PathLike) -> list[str]:
    """The tables of a pymrio save (folder or zip) stored as pickles.

    pymrio picks the reader of each table from the file-name ending listed in
    ``file_parameters.json``; ``.pkl``/``.pickle`` tables are unpickled, and
    unpickling a downloaded file can run any code.  The listed names and any
    ``*.pkl``/``*.pickle`` files are returned (relative paths).
    """
    import json
    import zipfile

    p = Path(path)
    found: set[str] = set()

    def from_para(text: str, folder: str) -> None:
        try:
            para = json.loads(text)
        except ValueError:
            return
        files = para.get("files", {}) if isinstance(para, dict) else {}
        for entry in files.values() if isinstance(files, dict) else []:
            name = str(entry.get("name", "")) if isinstance(entry, dict) else ""
            if name.lower().endswith(PICKLE_SUFFIXES):
                found.add(f"{folder}/{name}".lstrip("/"))

    if p.is_file() and zipfile.is_zipfile(p):
        with zipfile.ZipFile(p) as zf:
            for name in zf.namelist():
                if name.lower().endswith(PICKLE_SUFFIXES):
                    found.add(name)
                elif name.endswith("file_parameters.json"):
                    from_para(zf.read(name).decode("utf-8", "replace"), os.path.dirname(name))
    elif p.is_dir():
        for f in p.rglob("*"):
            rel = f.relative_to(p).as_posix()
            if f.name.lower().endswith(PICKLE_SUFFIXES):
                found.add(rel)
            elif f.name == "file_parameters.json":
                from_para(f.read_text(encoding="utf-8", errors="replace"),
                          "" if f.parent == p else f.parent.relative_to(p).as_posix())
    return sorted(found)


def read_pymrio(path: str | os.PathLike, extension: str, stressor, *,
                allow_pickle: bool = False) -> MRIO:
    """Read one stressor of an MRIO saved by pymrio (``save_all`` folder or zip).

    Parameters
    ----------
    allow_pickle : bool
        Also read tables saved as pickles (``.pkl``).  Unpickling runs code
        stored in the file: a crafted (e.g. downloaded) folder can do anything
        your user account can.  Only set it for folders you wrote yourself;
        by default only text (``.txt``/``.tsv``/``.csv``) and parquet tables
        are read, and pickled tables are refused before pymrio opens anything.

    Raises
    ------
    InputError
        If pymrio is not installed, the folder is not a pymrio save, it holds
        pickled tables (without ``allow_pickle``), or the extension/stressor
        is absent.
    """
    try:
        import pymrio
    except ImportError as exc:  # pragma: no cover - optional dependency
        raise InputError("reading MRIO folders needs pymrio: pip install 'spatial_carbon[io]'") from exc
    p = Path(path)
    if not p.exists():
        raise InputError(f"MRIO folder not found: {p}")
    if p.is_dir() and not (p / "file_parameters.json").is_file():
        raise InputError(
            f"{p} is not a pymrio folder (no file_parameters.json); write it with IOSystem.save_all()"
        )
    pickles = pickled_tables(p)
    if pickles and not allow_pickle:
        shown = ", ".join(pickles[:3]) + (f" and {len(pickles) - 3} more" if len(pickles) > 3 else "")
        raise InputError(
            f"{p} holds tables saved as pickles ({shown}); unpickling runs code stored in the "
            "files, so they are not read by default. Re-save the tables as text or parquet "
            "(pymrio: io.save_all(path, table_format='txt')), or, only for a folder you wrote "
            "yourself, allow them (--allow-pickle; allow_pickle=True)"
        )
    try:
        io = pymrio.load_all(p)
    except Exception as exc:  # pymrio raises bare exceptions on malformed folders
        raise InputError(f"pymrio could not read {p}: {exc}") from exc
    return mrio_from_pymrio(io, extension, stressor)


_OUTPUT_NAMES = {"total output", "totaloutput", "output", "总产出", "总产出合计", "to", "x"}
_EXPORT_NAMES = {"export", "exports", "出口"}
_IMPORT_NAMES = {"import", "imports", "进口"}
_OTHER_NAMES = {"other", "others", "error", "errors", "discrepancy", "其他", "误差"}


def read_mrio_table(
    path: str | os.PathLike, emissions: pd.Series, *, sheet: str | int = 0, unit: str = "",
    rest_of_world: str = "RoW",
) -> MRIO:
    """Read a CEADs-style Chinese MRIO table (31 provinces x 42 sectors, or any size).

    Expected layout (the shape of the CEADs China MRIO workbooks; our reading
    is a documented assumption, see ``docs/io.md``):

    * two header rows: column region (province, or blank) and column item
      (sector name, final-demand category, ``Export``, ``Import``,
      ``Other``, ``Total output``);
    * two label columns: row region and row sector; the intermediate-use rows
      are those whose (region, sector) also labels a column; rows below them
      (value added, total input) are ignored;
    * final-demand columns of a province carry the province in the first
      header row and any category name in the second.

    Exports minus imports (plus ``Other``, if present) become the
    pseudo-consumer ``rest_of_world``, so Σ production = Σ consumption holds.

    Parameters
    ----------
    emissions : Series
        Direct emissions indexed by (region, sector) in the table's labels.
    """
    raw = read_wide_table(path, sheet=sheet)
    return mrio_from_wide(raw, emissions, unit=unit, rest_of_world=rest_of_world, where=str(path))


def split_wide(raw: pd.DataFrame, *, where: str = "MRIO table") -> dict:
    """Split a wide CEADs-style MRIO frame (see :func:`read_mrio_table`) into its parts.

    Returns
    -------
    dict
        ``Z`` (n x n), ``Y`` (n x R, summed over categories per consuming
        region), ``Y_categories`` (n x (region, category), the final-demand
        columns as given), ``exports``, ``imports`` (positive), ``other`` (n each) and
        ``x`` (n, or None if the table has no total-output column); index
        MultiIndex ``(region, sector)``.
    """
    def norm(s):
        return "" if (s is None or (isinstance(s, float) and np.isnan(s)) or str(s).startswith("Unnamed")) \
            else str(s).strip()

    cols = [(norm(a), norm(b)) for a, b in raw.columns]
    rows = [(norm(a), norm(b)) for a, b in raw.index]
    raw = raw.copy()
    raw.columns = pd.MultiIndex.from_tuples(cols)
    raw.index = pd.MultiIndex.from_tuples(rows)
    colset = set(cols)
    core = [r for r in rows if r in colset and r[0] and r[1]]
    if not core:
        raise InputError(f"{where}: no row labels match column labels; expected (region, sector) on both axes")
    if len(set(core)) != len(core):
        raise InputError(f"{where}: duplicated (region, sector) rows")
    core_regions = {r for r, _ in core}
    kind = {}
    for c in cols:
        item = c[1].lower()
        if c in set(core):
            kind[c] = "Z"
        elif item in _OUTPUT_NAMES:
            kind[c] = "x"
        elif item in _EXPORT_NAMES:
            kind[c] = "ex"
        elif item in _IMPORT_NAMES:
            kind[c] = "im"
        elif item in _OTHER_NAMES:
            kind[c] = "other"
        elif c[0] in core_regions:
            kind[c] = "Y"
        else:
            kind[c] = "skip"
    body = raw.loc[core].apply(pd.to_numeric, errors="coerce")
    if body[[c for c in cols if kind[c] != "skip"]].isna().any().any():
        raise InputError(f"{where}: empty or non-numeric cells in the table body")
    idx = pd.MultiIndex.from_tuples(core, names=["region", "sector"])
    Z = body[core]
    Z.index = idx
    Z.columns = idx
    ycols = [c for c in cols if kind[c] == "Y"]
    if ycols:
        Y = body[ycols].T.groupby(level=0, sort=False).sum().T
        Ycat = body[ycols].copy()
        Ycat.columns = pd.MultiIndex.from_tuples(ycols, names=["region", "category"])
    else:
        Y = pd.DataFrame(index=body.index)
        Ycat = pd.DataFrame(index=body.index, columns=pd.MultiIndex.from_tuples([], names=["region", "category"]))
    Y.index = idx
    Ycat.index = idx

    def part(k):
        cs = [c for c in cols if kind[c] == k]
        v = body[cs].sum(axis=1).to_numpy() if cs else np.zeros(len(core))
        return pd.Series(v, index=idx)

    imports = part("im")
    if (imports <= 0).all():  # printed negative in some tables, positive in others
        imports = -imports
    xcols = [c for c in cols if kind[c] == "x"]
    x = pd.Series(body[xcols[0]].to_numpy(), index=idx) if xcols else None
    return {"Z": Z, "Y": Y, "Y_categories": Ycat, "exports": part("ex"), "imports": imports,
            "other": part("other"), "x": x}


def mrio_from_wide(
    raw: pd.DataFrame, emissions: pd.Series, *, unit: str = "", rest_of_world: str = "RoW",
    where: str = "MRIO table",
) -> MRIO:
    """Build an :class:`MRIO` from a wide CEADs-style frame (see :func:`read_mrio_table`).

    Exports − imports + other become the pseudo-consumer ``rest_of_world``.
    """
    parts = split_wide(raw, where=where)
    Y = parts["Y"].copy()
    row_ = parts["exports"] - parts["imports"] + parts["other"]
    if (row_ != 0).any():
        Y[rest_of_world] = row_.to_numpy()
    em = emissions.copy()
    em.index = pd.MultiIndex.from_tuples([(str(a), str(b)) for a, b in em.index], names=["region", "sector"])
    return mrio_from_frames(parts["Z"], Y, em, x=parts["x"], unit=unit)


def read_wide_table(path: str | os.PathLike, *, sheet: str | int = 0) -> pd.DataFrame:
    """Read a wide two-header-row, two-label-column table (CSV or xlsx) as is."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"table not found: {p}")
    if p.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(p, sheet_name=sheet, header=[0, 1], index_col=[0, 1])
    return read_csv(p, header=[0, 1], index_col=[0, 1])


def read_provincial_tables(path: str | os.PathLike, *, unit: str = "10^4 yuan") -> dict[str, ProvincialTable]:
    """Read the stacked provincial-table CSV (see :func:`~spatial_carbon.inputoutput.provincial.tables_from_frame`)."""
    df = read_csv(path)
    if "sector" in df.columns:  # a missing column is named by tables_from_frame
        df["sector"] = df["sector"].astype(str)
    try:
        return tables_from_frame(df, unit=unit)
    except InputError as exc:
        raise type(exc)(f"{path}: {exc}") from None


def read_long_table(path: str | os.PathLike, required: list[str]) -> pd.DataFrame:
    """Read a long CSV and check its columns (``region, sector, year, ...``)."""
    df = read_csv(path)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {missing}; expected {', '.join(required)}")
    return df


def read_national_table(path: str | os.PathLike, *, unit: str = "10^4 yuan") -> ProvincialTable:
    """Read the national IO table in the stacked provincial format (one region).

    Seed 002 values inflows with the national table's multipliers; its
    ``outflow`` and ``inflow`` columns are 0 (a national table has none).

    Raises
    ------
    InputError
        If the file holds more than one region.
    """
    tables = read_provincial_tables(path, unit=unit)
    if len(tables) != 1:
        raise InputError(f"national table {Path(path).name} holds {len(tables)} regions "
                         f"({show_list(list(tables), n=5)}); give the national table alone "
                         "(one region, e.g. China)")
    return next(iter(tables.values()))
