"""Download open datasets from their Zenodo records: resolved, verified, resumable.

Only the China Land Cover Dataset (CLCD, Yang & Huang 2021, ESSD 13:3907,
CC BY 4.0) is registered for now (:func:`fetch_clcd`, CLI ``spatial-carbon
data fetch clcd``).  The record's metadata is read through the Zenodo REST
API (``/api/records/{id}``: ``files[].key``, ``size``, ``checksum
"md5:..."``, ``links.self``), so names, sizes and checksums always come from
the record itself, never from a list kept here.

Downloads go through pooch (:class:`pooch.Pooch`: verified against the md5,
written to a temporary file and moved into place only when the checksum
matches), with a downloader of ours that resumes an interrupted transfer
with an HTTP ``Range`` request (pooch's own restarts from zero: a lost
connection at 900 MB of a 1 GB file would cost the 900 MB again).  The
default folder is the user cache of platformdirs
(``~/.cache/spatial_carbon/clcd/<record>`` on Linux).

Safety: a file is replaced only if spatial_carbon downloaded it (a ledger,
``.spatial_carbon_downloads.json``, in the folder lists what we wrote); a
file of the same name that the user put there and that does not match the
record is left alone and reported.  A download whose checksum is wrong is
deleted and reported.  Re-runs skip files already verified (size and mtime
unchanged since the checksum was verified: no re-hashing of 22 GB).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import urlparse

from .errors import DownloadError, InputError

#: CLCD record used when none is given: Zenodo 10.5281/zenodo.8176941, the
#: version with annual maps 1985-2022 (all 38 years, as Cloud Optimized
#: GeoTIFFs with internal tiles and overviews), and the DOI that the Chinese
#: national mirror (National Cryosphere Desert Data Center) cites.  Earlier
#: versions: 4417810 (v1.0.0, cited by the ESSD paper: 1985, 1990-2019) and
#: 5816591 (v1.0.1: 1985, 1990-2021, no 1986-1989); later ones extend the
#: series (its 2022 map is made from Landsat Collection 2, the earlier years
#: from Collection 1).  Override with ``record=`` / ``--record``; keep one
#: version for a whole time series.
CLCD_RECORD = "8176941"
ZENODO_API = "https://zenodo.org/api/records/"
LEDGER = ".spatial_carbon_downloads.json"
#: CLCD national files: CLCD_v01_2020.tif (WGS84) and CLCD_v01_2020_albert.tif (Albers)
_CLCD_NAME = re.compile(r"^CLCD_v\d+_(\d{4})(_albert)?\.tif$", re.IGNORECASE)
_CHUNK = 1 << 16  # bytes per read: at most this much is lost when a connection drops


@dataclass(frozen=True)
class RemoteFile:
    """One file of a record: name, size (bytes), md5 (hex) and download URL."""

    key: str
    size: int
    md5: str
    url: str


def record_urls(record: str) -> tuple[str, str, str]:
    """``(record id, API URL, page URL)`` of a record given as id, DOI or URL.

    Accepts ``8176941``, ``10.5281/zenodo.8176941``,
    ``https://doi.org/10.5281/zenodo.8176941``,
    ``https://zenodo.org/records/8176941`` (or ``/record/``) and any
    ``http(s)://host/api/records/<id>`` (an InvenioRDM server other than
    zenodo.org, or a test server).
    """
    s = str(record).strip()
    if re.fullmatch(r"\d+", s):
        return s, ZENODO_API + s, f"https://zenodo.org/records/{s}"
    m = re.search(r"zenodo\.(\d+)$", s)
    if m:
        rid = m.group(1)
        return rid, ZENODO_API + rid, f"https://zenodo.org/records/{rid}"
    u = urlparse(s)
    m = re.fullmatch(r"(.*)/api/records/([^/]+)/?", u.path)
    if u.scheme in ("http", "https") and m:
        rid = m.group(2)
        page = f"{u.scheme}://{u.netloc}{m.group(1)}/records/{rid}"
        return rid, s.rstrip("/"), page
    m = re.fullmatch(r"/records?/(\d+)/?", u.path)
    if u.scheme in ("http", "https") and m:
        rid = m.group(1)
        return rid, f"{u.scheme}://{u.netloc}/api/records/{rid}", s
    raise InputError(
        f"cannot read the record {record!r}: give a Zenodo record id (8176941), a DOI "
        "(10.5281/zenodo.8176941) or a URL (https://zenodo.org/records/8176941)"
    )


def cache_dir(dataset: str, record_id: str) -> Path:
    """Default download folder: the user cache of platformdirs, per dataset and record."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("spatial_carbon")) / dataset / f"record-{record_id}"


def read_record(api_url: str, *, timeout: float = 30.0) -> dict:
    """The record's JSON metadata (Zenodo REST API).

    Raises
    ------
    DownloadError
        Server unreachable or error status (the message says which).
    """
    import requests

    try:
        r = requests.get(api_url, timeout=timeout, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise DownloadError(f"cannot reach {urlparse(api_url).netloc} ({exc})") from None
    if r.status_code == 404:
        raise DownloadError(f"{api_url}: no such record (HTTP 404); check --record")
    if r.status_code != 200:
        raise DownloadError(f"{api_url}: HTTP {r.status_code} {r.reason}")
    try:
        return r.json()
    except ValueError:
        raise DownloadError(f"{api_url}: the answer is not JSON; is it a records API URL?"
                            ) from None


def record_files(meta: dict) -> list[RemoteFile]:
    """The files of a record's metadata (``files[].key, size, checksum, links.self``)."""
    files = meta.get("files")
    if isinstance(files, dict):  # InvenioRDM's own serialisation: {"entries": {...}}
        files = list((files.get("entries") or {}).values())
    out = []
    for f in files or []:
        ck = str(f.get("checksum", ""))
        if not ck.startswith("md5:"):
            raise DownloadError(f"file {f.get('key')!r} of the record has no md5 checksum ({ck!r})")
        links = f.get("links") or {}
        url = links.get("self") or links.get("content")
        if not url:
            raise DownloadError(f"file {f.get('key')!r} of the record has no download link")
        out.append(RemoteFile(key=str(f["key"]), size=int(f["size"]), md5=ck[4:].lower(),
                              url=str(url)))
    if not out:
        raise DownloadError("the record lists no file (is it restricted or a concept record?)")
    return out


def clcd_selection(files: list[RemoteFile], years: Iterable[int], albers: bool
                   ) -> list[RemoteFile]:
    """The national CLCD GeoTIFFs of ``years`` (``*_albert.tif`` when ``albers``).

    Raises
    ------
    MissingDataError
        A year (or the requested projection) is not in the record; the
        message lists what the record holds.
    """
    from .errors import MissingDataError

    have: dict[tuple[int, bool], RemoteFile] = {}
    for f in files:
        m = _CLCD_NAME.match(f.key)
        if m:
            have[(int(m.group(1)), m.group(2) is not None)] = f
    years = sorted(set(int(y) for y in years))
    want = [have.get((y, albers)) for y in years]
    missing = [y for y, f in zip(years, want) if f is None]
    if missing:
        other = sorted(y for (y, a) in have if a != albers)
        same = sorted(y for (y, a) in have if a == albers)
        kind = "Albers (*_albert.tif)" if albers else "WGS84"
        hint = ""
        if set(missing) <= set(other):
            hint = (" The record has them in the other projection: "
                    + ("drop --albers (albers=False)" if albers else "add --albers (albers=True)"))
        raise MissingDataError(
            f"no {kind} CLCD file for year(s) {_span(missing)} in the record; its {kind} "
            f"years are {_span(same) or 'none'}.{hint}"
        )
    return want


def _span(years: list[int]) -> str:
    """1990, 1991, 1992, 1995 -> '1990-1992, 1995'."""
    out, i = [], 0
    while i < len(years):
        j = i
        while j + 1 < len(years) and years[j + 1] == years[j] + 1:
            j += 1
        out.append(str(years[i]) if i == j else f"{years[i]}-{years[j]}")
        i = j + 1
    return ", ".join(out)


def parse_years(text: str) -> list[int]:
    """``"2000-2021"``, ``"2000,2005,2010"`` or ``"1985,1990-2000"`` -> years."""
    out: list[int] = []
    for part in str(text).replace(" ", "").split(","):
        m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", part)
        if not m:
            raise InputError(f"years {text!r}: use 2000-2021 or 2000,2005,2010")
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        if b < a:
            raise InputError(f"years {text!r}: {a}-{b} runs backwards")
        out += range(a, b + 1)
    return sorted(set(out))


# --------------------------------------------------------------------------- downloads

def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 23), b""):
            h.update(chunk)
    return h.hexdigest()


class _Ledger:
    """The files spatial_carbon wrote in a folder, with what was verified."""

    def __init__(self, folder: Path):
        self.path = folder / LEDGER
        try:
            self.data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}

    def ours(self, key: str) -> bool:
        return key in self.data

    def verified(self, f: RemoteFile, path: Path) -> bool:
        e = self.data.get(f.key)
        if not e or e.get("md5") != f.md5:
            return False
        st = path.stat()
        return e.get("size") == st.st_size == f.size and e.get("mtime_ns") == st.st_mtime_ns

    def record(self, f: RemoteFile, path: Path) -> None:
        st = path.stat()
        self.data[f.key] = {"md5": f.md5, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                            "url": f.url}
        self._save()

    def forget(self, key: str) -> None:
        self.data.pop(key, None)
        self._save()

    def _save(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)


class ResumableDownloader:
    """pooch downloader that resumes into ``part`` with HTTP Range requests.

    pooch calls it with a fresh temporary file; the bytes accumulate in
    ``part`` (kept across interruptions and re-runs), which is moved onto
    the temporary file when complete, so that pooch then checks the md5
    and moves it into place.
    """

    def __init__(self, part: Path, size: int, progress: Callable[[int, int], None] | None = None,
                 retries: int = 3, timeout: float = 60.0):
        self.part, self.size, self.progress = part, size, progress
        self.retries, self.timeout = retries, timeout

    def __call__(self, url: str, output_file, pooch_obj=None, check_only: bool = False):
        import requests

        last = None
        for attempt in range(self.retries + 1):
            have = self.part.stat().st_size if self.part.exists() else 0
            if have > self.size:  # not the file we expect: start again
                self.part.unlink()
                have = 0
            try:
                if have < self.size:
                    self._get(requests, url, have)
                break
            except (requests.RequestException, OSError) as exc:
                last = exc
                if attempt < self.retries:
                    time.sleep(min(2 ** attempt, 10) * 0.1)
        else:
            raise DownloadError(f"{url}: download interrupted ({last}); "
                                f"{self.part.stat().st_size if self.part.exists() else 0:,} of "
                                f"{self.size:,} bytes kept in {self.part} for the next run")
        os.replace(self.part, output_file)

    def _get(self, requests, url: str, have: int) -> None:
        headers = {"Range": f"bytes={have}-"} if have else {}
        with requests.get(url, stream=True, timeout=self.timeout, headers=headers) as r:
            if have and r.status_code == 200:  # server ignores Range: start again
                have = 0
            elif r.status_code not in (200, 206):
                raise requests.HTTPError(f"HTTP {r.status_code} {r.reason}", response=r)
            mode = "ab" if have else "wb"
            done = have
            with open(self.part, mode) as out:
                for chunk in r.iter_content(_CHUNK):
                    out.write(chunk)
                    done += len(chunk)
                    if self.progress is not None:
                        self.progress(done, self.size)
            if done < self.size:
                raise requests.ConnectionError(f"connection closed at {done:,} of "
                                               f"{self.size:,} bytes")


@dataclass
class FetchResult:
    """What :func:`fetch_clcd` did: paths in year order, and the pattern to use them."""

    paths: list[Path]
    downloaded: list[str]
    verified: list[str]
    folder: Path
    pattern: str
    record: str


def fetch_clcd(
    years: Iterable[int],
    *,
    albers: bool = False,
    directory: str | os.PathLike | None = None,
    record: str = CLCD_RECORD,
    progress: Callable[[str, int, int], None] | None = None,
    timeout: float = 30.0,
) -> FetchResult:
    """Download the national CLCD GeoTIFFs of ``years`` (verified, resumable).

    Parameters
    ----------
    years : iterable of int
        Years, e.g. ``range(2000, 2022)``.
    albers : bool
        The Albers equal-area files (``CLCD_v01_{year}_albert.tif``, nominal
        900 m2 pixels) instead of the WGS84 ones (``CLCD_v01_{year}.tif``).
    directory : path, optional
        Download folder; default the user cache (:func:`cache_dir`).
    record : str
        Zenodo record id, DOI or URL (default :data:`CLCD_RECORD`).
    progress : callable(name, bytes_done, bytes_total), optional
        Called while downloading.

    Returns
    -------
    FetchResult
        ``paths`` (one per year), ``pattern`` (``folder/CLCD_v01_{year}_albert.tif``,
        ready for :func:`spatial_carbon.landcover.class_areas` or a study
        config), and which files were downloaded or found verified.

    Raises
    ------
    DownloadError
        Offline or server error (the message lists the files and the page to
        fetch them by hand), wrong checksum (the bad file is deleted), or a
        file of that name in the folder that spatial_carbon did not write and
        that does not match the record (it is left alone).
    MissingDataError
        Years (or the projection) not in the record.
    """
    import pooch

    rid, api, page = record_urls(record)
    folder = Path(directory) if directory is not None else cache_dir("clcd", rid)
    years = sorted(set(int(y) for y in years))
    if not years:
        raise InputError("no year requested")
    folder.mkdir(parents=True, exist_ok=True)
    cached = folder / f".record-{rid}.json"
    try:
        meta = read_record(api, timeout=timeout)
        cached.write_text(json.dumps(meta), encoding="utf-8")
    except DownloadError as exc:
        if not cached.exists():
            names = ", ".join(f"CLCD_v01_{y}{'_albert' if albers else ''}.tif" for y in years)
            raise DownloadError(
                f"{exc}. Offline? Download by hand from {page} into {folder}: {names} (names as "
                "in the CLCD records; check the page), then run this again to verify them"
            ) from None
        meta = json.loads(cached.read_text(encoding="utf-8"))  # verify what is here
    want = clcd_selection(record_files(meta), years, albers)
    ledger = _Ledger(folder)
    reg = pooch.create(path=folder, base_url="", registry={f.key: f"md5:{f.md5}" for f in want},
                       urls={f.key: f.url for f in want}, retry_if_failed=0, allow_updates=False)
    downloaded, verified, failed = [], [], []
    for f in want:
        target = folder / f.key
        if target.exists():
            if ledger.verified(f, target):
                verified.append(f.key)
                continue
            if target.stat().st_size == f.size and _md5(target) == f.md5:
                ledger.record(f, target)  # a correct copy (ours or the user's): keep it
                verified.append(f.key)
                continue
            if not ledger.ours(f.key):
                raise DownloadError(
                    f"{target} exists but does not match the record ({f.size:,} bytes, md5 "
                    f"{f.md5}); spatial_carbon did not download it, so it is left alone: move "
                    "it away or choose another --dir"
                )
            target.unlink()  # our own earlier download, changed since: replace it
            ledger.forget(f.key)
        part = folder / f".{f.key}.part"
        cb = None if progress is None else (lambda d, t, k=f.key: progress(k, d, t))
        try:
            reg.fetch(f.key, downloader=ResumableDownloader(part, f.size, cb))
        except ValueError as exc:  # pooch: checksum mismatch (its temporary file is gone)
            part.unlink(missing_ok=True)
            raise DownloadError(
                f"{f.key}: wrong checksum after download ({exc}); the bad file was deleted. "
                f"Try again, or download it by hand from {page}"
            ) from None
        except DownloadError as exc:
            failed.append((f, exc))
            continue
        ledger.record(f, target)
        downloaded.append(f.key)
    if failed:
        lst = "; ".join(f"{f.key} ({f.size:,} bytes, md5 {f.md5}) {f.url}" for f, _ in failed)
        raise DownloadError(
            f"{len(failed)} file(s) could not be downloaded ({failed[0][1]}): {lst}. "
            f"Run this again to resume, or download them by hand from {page} into {folder}"
        )
    paths = [folder / f.key for f in want]
    name = want[0].key
    m = _CLCD_NAME.match(name)
    pattern = str(folder / (name[:m.start(1)] + "{year}" + name[m.end(1):]))
    return FetchResult(paths=paths, downloaded=downloaded, verified=verified, folder=folder,
                       pattern=pattern, record=rid)
