"""Tests of spatial_carbon.fetch and ``spatial-carbon data fetch clcd``.

A local HTTP server on 127.0.0.1 (started by the fixture) plays Zenodo: it
serves a record's JSON (``/api/records/<id>``, the REST API's fields
``files[].key, size, checksum "md5:..", links.self``) and small CLCD-like
GeoTIFFs, with HTTP Range support, and can drop a connection half way or
serve corrupted bytes.  Nothing reaches the internet.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
from affine import Affine

from spatial_carbon import fetch, landcover
from spatial_carbon.errors import DataQualityWarning, DownloadError, InputError, MissingDataError

from test_landcover import X0, Y0, make_classes, make_zones, write_raster


class _Zenodo(http.server.BaseHTTPRequestHandler):
    files: dict = {}  # key -> bytes
    record: dict = {}
    hits: list = []
    drop_once: set = set()  # keys whose first GET stops half way
    corrupt: set = set()  # keys served with a flipped byte

    def log_message(self, *a):  # quiet
        pass

    def do_GET(self):
        self.hits.append((self.path, self.headers.get("Range")))
        if self.path.startswith("/api/records/") and "/files/" not in self.path:
            rid = self.path.rsplit("/", 1)[1]
            if rid != self.record["id"]:
                self.send_error(404)
                return
            body = json.dumps(self.record).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        key = self.path.split("/")[-1]
        data = self.files.get(key)
        if data is None:
            self.send_error(404)
            return
        if key in self.corrupt:
            data = data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]
        start = 0
        rng = self.headers.get("Range")
        if rng:
            start = int(rng.split("=")[1].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if key in self.drop_once:
            self.drop_once.discard(key)
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def zenodo(tmp_path, monkeypatch):
    """Fake record 4242 with 3 Albers years, 2 WGS84 years and non-raster files."""
    for v in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    t = Affine(30.0, 0, X0, 0, -30.0, Y0)
    files = {}
    src = tmp_path / "src"
    src.mkdir()
    for i, y in enumerate((2000, 2001)):
        p = write_raster(src / f"CLCD_v01_{y}_albert.tif", make_classes((80, 100), seed=30 + i), t)
        files[f"CLCD_v01_{y}_albert.tif"] = open(p, "rb").read()
    # 2002: 1.2 MB, uncompressed noise, so that a dropped connection loses many chunks
    noise = np.random.default_rng(3).integers(1, 10, (1000, 1200), dtype=np.uint8)
    p = write_raster(src / "CLCD_v01_2002_albert.tif", noise, t, compress="none")
    files["CLCD_v01_2002_albert.tif"] = open(p, "rb").read()
    for y in (2000, 2001):
        p = write_raster(src / f"CLCD_v01_{y}.tif", make_classes((40, 50), seed=40), t)
        files[f"CLCD_v01_{y}.tif"] = open(p, "rb").read()
    files["CLCD_v01_2000_albert_province.zip"] = b"PK not a real zip"
    files["CLCD_classificationsystem.xlsx"] = b"not a workbook"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Zenodo)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    record = {"id": "4242", "links": {"html": f"{base}/records/4242"}, "files": [
        {"key": k, "size": len(b), "checksum": "md5:" + hashlib.md5(b).hexdigest(),
         "links": {"self": f"{base}/api/records/4242/files/{k}"}}
        for k, b in files.items()]}
    _Zenodo.files, _Zenodo.record, _Zenodo.hits = files, record, []
    _Zenodo.drop_once, _Zenodo.corrupt = set(), set()
    th = threading.Thread(target=server.serve_forever, daemon=True)
    th.start()
    try:
        yield {"api": f"{base}/api/records/4242", "base": base, "files": files,
               "server": server}
    finally:
        server.shutdown()
        server.server_close()


def _file_gets():
    return [h for h in _Zenodo.hits if "/files/" in h[0]]


def test_fetch_verifies_and_reruns_skip(zenodo, tmp_path):
    d = tmp_path / "clcd"
    seen = []
    res = fetch.fetch_clcd([2000, 2001], albers=True, directory=d, record=zenodo["api"],
                           progress=lambda k, done, tot: seen.append((k, done, tot)))
    assert [p.name for p in res.paths] == ["CLCD_v01_2000_albert.tif", "CLCD_v01_2001_albert.tif"]
    for p in res.paths:
        assert p.read_bytes() == zenodo["files"][p.name]
    assert res.downloaded == [p.name for p in res.paths] and res.verified == []
    assert seen[-1][1] == seen[-1][2] == len(zenodo["files"]["CLCD_v01_2001_albert.tif"])
    assert res.pattern == str(d / "CLCD_v01_{year}_albert.tif")
    assert len(_file_gets()) == 2
    # a re-run downloads nothing: the files are verified
    again = fetch.fetch_clcd([2000, 2001], albers=True, directory=d, record=zenodo["api"])
    assert again.downloaded == [] and again.verified == res.downloaded
    assert len(_file_gets()) == 2
    # no temporary or partial file left behind
    assert sorted(p.name for p in d.iterdir() if p.name.startswith(".")) == [
        ".record-4242.json", ".spatial_carbon_downloads.json"]
    # the whole path: fetched files -> {year} pattern -> class areas
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        areas = landcover.class_areas(res.pattern, make_zones(), "name", workers=1)
    assert sorted(areas["year"].unique()) == [2000, 2001]


def test_fetch_resumes_an_interrupted_download(zenodo, tmp_path):
    key = "CLCD_v01_2002_albert.tif"
    _Zenodo.drop_once = {key}
    res = fetch.fetch_clcd([2002], albers=True, directory=tmp_path, record=zenodo["api"])
    assert res.paths[0].read_bytes() == zenodo["files"][key]
    gets = _file_gets()
    # the second request asked only for what was missing (the first half was kept,
    # less the chunk being read when the connection dropped)
    half = len(zenodo["files"][key]) // 2
    assert len(gets) == 2 and gets[0][1] is None and gets[1][1].startswith("bytes=")
    start = int(gets[1][1][6:-1])
    assert half - (1 << 16) <= start <= half


def test_wrong_checksum_is_an_error_and_deletes_the_download(zenodo, tmp_path):
    _Zenodo.corrupt = {"CLCD_v01_2000_albert.tif"}
    with pytest.raises(DownloadError, match="CLCD_v01_2000_albert.tif: wrong checksum.*deleted"):
        fetch.fetch_clcd([2000], albers=True, directory=tmp_path, record=zenodo["api"])
    assert not (tmp_path / "CLCD_v01_2000_albert.tif").exists()
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".part", ".tmp")
                or p.name.startswith("tmp")]


def test_a_users_file_is_never_replaced(zenodo, tmp_path):
    mine = tmp_path / "CLCD_v01_2001_albert.tif"
    mine.write_bytes(b"my own edited raster")
    with pytest.raises(DownloadError, match="did not download it, so it is left alone"):
        fetch.fetch_clcd([2001], albers=True, directory=tmp_path, record=zenodo["api"])
    assert mine.read_bytes() == b"my own edited raster"
    # a correct copy the user put there is accepted without download
    mine.write_bytes(zenodo["files"][mine.name])
    res = fetch.fetch_clcd([2001], albers=True, directory=tmp_path, record=zenodo["api"])
    assert res.verified == [mine.name] and not _file_gets()
    # our own download, damaged later, is replaced
    mine.write_bytes(b"truncated")
    res = fetch.fetch_clcd([2001], albers=True, directory=tmp_path, record=zenodo["api"])
    assert res.downloaded == [mine.name] and mine.read_bytes() == zenodo["files"][mine.name]


def test_offline_lists_the_files_and_the_page(zenodo, tmp_path):
    zenodo["server"].shutdown()
    zenodo["server"].server_close()
    with pytest.raises(DownloadError, match=r"cannot reach 127\.0\.0\.1.*Offline\? Download by "
                       r"hand from http://127\.0\.0\.1:\d+/records/4242 into .*"
                       r"CLCD_v01_2000_albert\.tif, CLCD_v01_2001_albert\.tif"):
        fetch.fetch_clcd([2000, 2001], albers=True, directory=tmp_path, record=zenodo["api"])


def test_offline_after_a_first_run_verifies_and_lists_what_is_missing(zenodo, tmp_path):
    fetch.fetch_clcd([2000], albers=True, directory=tmp_path, record=zenodo["api"])
    zenodo["server"].shutdown()
    zenodo["server"].server_close()
    # the cached record still verifies the file we have
    res = fetch.fetch_clcd([2000], albers=True, directory=tmp_path, record=zenodo["api"])
    assert res.verified == ["CLCD_v01_2000_albert.tif"]
    with pytest.raises(DownloadError, match=r"1 file\(s\) could not be downloaded.*"
                       r"CLCD_v01_2001_albert\.tif \(\d[\d,]* bytes, md5 [0-9a-f]{32}\) http.*"
                       r"by hand from http://127\.0\.0\.1:\d+/records/4242"):
        fetch.fetch_clcd([2000, 2001], albers=True, directory=tmp_path, record=zenodo["api"])


def test_years_and_projection_not_in_the_record(zenodo, tmp_path):
    with pytest.raises(MissingDataError, match=r"no WGS84 CLCD file for year\(s\) 2002 .*"
                       r"WGS84 years are 2000-2001.*add --albers"):
        fetch.fetch_clcd([2001, 2002], directory=tmp_path, record=zenodo["api"])
    with pytest.raises(MissingDataError, match=r"year\(s\) 1999, 2003-2004 .*2000-2002"):
        fetch.fetch_clcd([1999, 2003, 2004], albers=True, directory=tmp_path,
                         record=zenodo["api"])
    with pytest.raises(DownloadError, match="no such record"):
        fetch.fetch_clcd([2000], directory=tmp_path, record=zenodo["api"].replace("4242", "9"))


def test_record_ids_dois_and_urls():
    api = "https://zenodo.org/api/records/8176941"
    for r in ("8176941", "10.5281/zenodo.8176941", "https://doi.org/10.5281/zenodo.8176941",
              "https://zenodo.org/records/8176941", "https://zenodo.org/record/8176941/"):
        rid, url, page = fetch.record_urls(r)
        assert (rid, url) == ("8176941", api), r
        assert page.startswith("https://zenodo.org/record") and "8176941" in page
    assert fetch.record_urls("http://127.0.0.1:8000/api/records/12") == (
        "12", "http://127.0.0.1:8000/api/records/12", "http://127.0.0.1:8000/records/12")
    with pytest.raises(InputError, match="cannot read the record 'clcd'"):
        fetch.record_urls("clcd")
    assert fetch.parse_years("1985,1990-1992") == [1985, 1990, 1991, 1992]
    with pytest.raises(InputError, match="runs backwards"):
        fetch.parse_years("2021-2000")
    with pytest.raises(InputError, match="use 2000-2021"):
        fetch.parse_years("twenty")


def test_default_cache_folder_is_per_user_and_record(monkeypatch, tmp_path):
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda app: str(tmp_path / app))
    assert fetch.cache_dir("clcd", "8176941") == tmp_path / "spatial_carbon" / "clcd" / \
        "record-8176941"


@pytest.mark.filterwarnings("ignore:1 zone:spatial_carbon.errors.DataQualityWarning")
def test_cli_data_fetch_clcd(zenodo, tmp_path):
    from click.testing import CliRunner

    from spatial_carbon.cli import main

    d = tmp_path / "dl"
    r = CliRunner().invoke(main, ["data", "fetch", "clcd", "--years", "2000-2002", "--albers",
                                  "--dir", str(d), "--record", zenodo["api"]])
    assert r.exit_code == 0, r.output
    assert str(d / "CLCD_v01_{year}_albert.tif") in r.output
    assert "3 downloaded" in r.output
    r = CliRunner().invoke(main, ["data", "fetch", "clcd", "--years", "2000-2002", "--albers",
                                  "--dir", str(d), "--record", zenodo["api"], "--quiet"])
    assert r.exit_code == 0 and "0 downloaded, 3 already there and verified" in r.output
    r = CliRunner().invoke(main, ["data", "fetch", "clcd", "--years", "2003", "--albers",
                                  "--dir", str(d), "--record", zenodo["api"]])
    assert r.exit_code == 2 and "no Albers" in r.output and "Traceback" not in r.output
    # the study path: the printed pattern feeds `landcover`
    zpath = tmp_path / "zones.gpkg"
    make_zones().to_file(zpath, driver="GPKG")
    out = tmp_path / "areas.csv"
    r = CliRunner().invoke(main, ["landcover", str(d / "CLCD_v01_{year}_albert.tif"), "--zones",
                                  str(zpath), "--zone-field", "name", "-o", str(out),
                                  "--workers", "1", "--quiet"])
    assert r.exit_code == 0, r.output
    assert sorted(pd.read_csv(out, encoding="utf-8-sig")["year"].unique()) == [2000, 2001, 2002]
    assert np.isfinite(pd.read_csv(out, encoding="utf-8-sig")["area_hm2"]).all()
