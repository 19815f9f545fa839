"""Excel workbooks of the inventories: one reader for the CEADs files (I/O).

Shared by the provincial (:mod:`spatial_carbon.inventory.ceads`) and the
city (:mod:`spatial_carbon.inventory.ceads_cities`) readers.  python-calamine
(Rust) is about ten times faster than openpyxl on the CEADs workbooks
(``benchmarks/bench_ceads.py``); openpyxl (read-only mode) is the fallback and
gives identical cells (tested).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DependencyError, InputError

ENGINES = ("auto", "openpyxl", "calamine")


def choose_engine(engine: str) -> str:
    """The workbook reader to use: ``"calamine"`` or ``"openpyxl"``.

    ``"auto"`` picks python-calamine when it is installed, else openpyxl.

    Raises
    ------
    InputError
        For an unknown engine name.
    DependencyError
        If ``"calamine"`` is asked for and python-calamine is not installed.
    """
    if engine not in ENGINES:
        raise InputError(f"engine must be 'auto', 'openpyxl' or 'calamine', got {engine!r}")
    if engine == "openpyxl":
        return engine
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        if engine == "calamine":
            raise DependencyError(
                "engine='calamine' needs the python-calamine package: pip install python-calamine"
            ) from None
        return "openpyxl"
    return "calamine"


class Book:
    """One workbook opened by openpyxl (read-only) or python-calamine.

    Parameters
    ----------
    path : Path
        The ``.xlsx`` file.
    engine : {"openpyxl", "calamine"}
        From :func:`choose_engine`.

    Raises
    ------
    InputError
        If the file cannot be opened as a workbook.
    """

    def __init__(self, path: Path, engine: str):
        self.engine = engine
        try:
            if engine == "calamine":
                from python_calamine import CalamineWorkbook

                self._wb = CalamineWorkbook.from_path(str(path))
                self.sheetnames = list(self._wb.sheet_names)
            else:
                import openpyxl

                self._wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
                self.sheetnames = list(self._wb.sheetnames)
        except Exception as exc:  # zip/xml errors of a broken file
            raise InputError(f"{path}: cannot open as an Excel workbook ({exc})") from None

    def rows(self, name: str) -> list[tuple]:
        """Cell values of sheet ``name``, row by row (empty cells: ``None`` or ``""``)."""
        if self.engine == "calamine":
            return [tuple(r) for r in self._wb.get_sheet_by_name(name).to_python()]
        return list(self._wb[name].iter_rows(values_only=True))

    def close(self) -> None:
        if self.engine == "openpyxl":
            self._wb.close()

    def __enter__(self) -> "Book":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
