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


def write_gpkg_layers(layers: dict, path: str | os.PathLike) -> Path:
    """Write several layers (``{name: GeoDataFrame}``) into one GeoPackage atomically."""
    with atomic_path(path, suffix=".gpkg") as tmp:
        for name, gdf in layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio",
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


#: Fixed timestamp of metadata references, so the same inputs give the same file.
_FIXED_TIMESTAMP = "1970-01-01T00:00:00.000Z"


def write_gpkg_metadata(path: str | os.PathLike, layer: str, dataset: tuple[str, str, str],
                        columns: dict[str, str]) -> Path:
    """Store metadata of a layer and its columns in a GeoPackage (metadata extension).

    Parameters
    ----------
    path : path
        An existing GeoPackage holding ``layer``; rewritten through a
        temporary copy (a failure leaves it unchanged).
    layer : str
        Table the metadata describes.
    dataset : (mime_type, md_standard_uri, text)
        Metadata of the layer (``md_scope`` dataset, reference scope
        ``table``), e.g. a QGIS metadata document (``text/xml``,
        ``http://mrcc.com/qgis.dtd``), which QGIS shows under Layer
        Properties > Metadata.
    columns : dict of str -> str
        Column -> plain text (reference scope ``column``).

    Returns
    -------
    pathlib.Path
        ``path``.  Earlier metadata of ``layer`` written by this function is
        replaced; timestamps are fixed.

    Notes
    -----
    Tables ``gpkg_metadata`` and ``gpkg_metadata_reference`` as in the OGC
    GeoPackage 1.2 specification (clause F.8, "Metadata"), registered in
    ``gpkg_extensions`` as ``gpkg_metadata``.
    """
    import shutil
    import sqlite3

    path = Path(path)
    if not path.is_file():
        raise InputError(f"GeoPackage not found: {path}")
    with atomic_path(path, suffix=".gpkg") as tmp:
        shutil.copyfile(path, tmp)
        con = sqlite3.connect(tmp)
        try:
            cur = con.cursor()
            if cur.execute("SELECT count(*) FROM gpkg_contents WHERE table_name = ?",
                           (layer,)).fetchone()[0] == 0:
                raise InputError(f"{path} has no layer {layer!r}")
            cur.execute(
                "CREATE TABLE IF NOT EXISTS gpkg_metadata (id INTEGER CONSTRAINT m_pk PRIMARY "
                "KEY ASC NOT NULL, md_scope TEXT NOT NULL DEFAULT 'dataset', md_standard_uri TEXT "
                "NOT NULL, mime_type TEXT NOT NULL DEFAULT 'text/xml', metadata TEXT NOT NULL "
                "DEFAULT '')")
            cur.execute(
                "CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (reference_scope TEXT NOT "
                "NULL, table_name TEXT, column_name TEXT, row_id_value INTEGER, timestamp "
                "DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), md_file_id "
                "INTEGER NOT NULL, md_parent_id INTEGER, CONSTRAINT crmr_mfi_fk FOREIGN KEY "
                "(md_file_id) REFERENCES gpkg_metadata(id), CONSTRAINT crmr_mpi_fk FOREIGN KEY "
                "(md_parent_id) REFERENCES gpkg_metadata(id))")
            for t in ("gpkg_metadata", "gpkg_metadata_reference"):
                if cur.execute("SELECT count(*) FROM gpkg_extensions WHERE table_name = ? AND "
                               "extension_name = 'gpkg_metadata'", (t,)).fetchone()[0] == 0:
                    cur.execute("INSERT INTO gpkg_extensions (table_name, column_name, "
                                "extension_name, definition, scope) VALUES (?, NULL, "
                                "'gpkg_metadata', 'http://www.geopackage.org/spec121/"
                                "#extension_metadata', 'read-write')", (t,))
            old = [r[0] for r in cur.execute(
                "SELECT md_file_id FROM gpkg_metadata_reference WHERE table_name = ?", (layer,))]
            cur.execute("DELETE FROM gpkg_metadata_reference WHERE table_name = ?", (layer,))
            cur.executemany("DELETE FROM gpkg_metadata WHERE id = ?", [(i,) for i in old])
            mime, uri, text = dataset
            cur.execute("INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, "
                        "metadata) VALUES ('dataset', ?, ?, ?)", (uri, mime, text))
            parent = cur.lastrowid
            cur.execute("INSERT INTO gpkg_metadata_reference (reference_scope, table_name, "
                        "column_name, row_id_value, timestamp, md_file_id, md_parent_id) VALUES "
                        "('table', ?, NULL, NULL, ?, ?, NULL)", (layer, _FIXED_TIMESTAMP, parent))
            for col, txt in columns.items():
                cur.execute("INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, "
                            "metadata) VALUES ('attributeType', 'http://www.isotc211.org/2005/gmd"
                            "', 'text/plain', ?)", (txt,))
                cur.execute("INSERT INTO gpkg_metadata_reference (reference_scope, table_name, "
                            "column_name, row_id_value, timestamp, md_file_id, md_parent_id) "
                            "VALUES ('column', ?, ?, NULL, ?, ?, ?)",
                            (layer, col, _FIXED_TIMESTAMP, cur.lastrowid, parent))
            con.commit()
        finally:
            con.close()
    return path
