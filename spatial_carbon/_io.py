"""File I/O helpers shared by the I/O layer: atomic writes, tolerant CSV reads.

Only I/O functions open paths.  Every output is written to a temporary file
in the destination folder and moved into place with :func:`os.replace`, so a
failure never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

import pandas as pd

from .errors import InputError

#: Encoding of every CSV we write: UTF-8 with BOM, so Excel shows Chinese names.
CSV_ENCODING = "utf-8-sig"


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it into place on success.

    On an exception the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=suffix if suffix is not None else path.suffix,
        dir=path.parent,
    )
    os.close(fd)
    os.unlink(tmp)  # writers such as GDAL want to create the file themselves
    tmp = Path(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_csv(df: pd.DataFrame, path: str | os.PathLike, **kwargs) -> Path:
    """Write ``df`` as UTF-8-with-BOM CSV atomically; return the path."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, encoding=CSV_ENCODING, lineterminator="\n", **kwargs)
    return Path(path)


def write_text(text: str, path: str | os.PathLike) -> Path:
    """Write a text file (UTF-8) atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_gpkg(gdf, path: str | os.PathLike, layer: str) -> Path:
    """Write one GeoPackage layer atomically (the whole file is replaced)."""
    with atomic_path(path, suffix=".gpkg") as tmp:
        # GeoPackage 1.2: QGIS 3.22's GDAL 3.6 reads the wheels' default 1.4 with a warning
        gdf.to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio",
                    dataset_options={"VERSION": "1.2"})
    return Path(path)


def read_csv(path: str | os.PathLike, **kwargs) -> pd.DataFrame:
    """Read a CSV as users save it: UTF-8 (with or without BOM) or GBK/GB18030.

    Lines starting with ``#`` are comments.  Excel in Chinese locales saves
    CSV as GB18030; we try UTF-8 first and fall back, never guessing silently
    between other encodings.

    Raises
    ------
    InputError
        If the file does not exist or is not decodable as UTF-8 or GB18030.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    kwargs.setdefault("comment", "#")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, encoding=enc, **kwargs)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path}: not UTF-8 or GB18030 text; save the CSV as UTF-8")


def sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file (for the run manifest)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()
