"""QGIS styles: the QML parses, has the right renderer, classes, bounds and
colours; and (where QGIS is installed) QGIS itself loads it."""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatial_carbon import styles
from spatial_carbon.errors import ClassificationError, InputError
from spatial_carbon.maps import LISA_CLUSTERS, ZONE_STYLE, class_colors


def _parse(text: str) -> ET.Element:
    assert text.startswith("<!DOCTYPE qgis")
    root = ET.fromstring(text.split("\n", 1)[1])
    assert root.tag == "qgis"
    return root


def _symbol_colors(renderer: ET.Element) -> list[str]:
    out = []
    for sym in renderer.find("symbols"):
        lay = sym.find("layer")
        opts = {o.get("name"): o.get("value") for o in lay.find("Option")}
        props = {p.get("k"): p.get("v") for p in lay.findall("prop")}
        assert opts == props  # both encodings carry the same properties
        out.append(opts.get("color") or opts.get("line_color"))
    return out


def _rgba(hexcolor: str) -> str:
    h = hexcolor.lstrip("#")
    return ",".join(str(int(h[i:i + 2], 16)) for i in (0, 2, 4)) + ",255"


BREAKS = pd.DataFrame({
    "column": ["ICF"] * 8,
    "year": [2019] * 3 + [None] * 5,
    "pooled": [False] * 3 + [True] * 5,
    "break_class": [1, 2, 3, 1, 2, 3, 4, 5],
    "lower": [0.0, 1.0, 2.0, 12.5, 100.0, 250.5, 1000.0, 5000.0],
    "upper": [1.0, 2.0, 3.0, 100.0, 250.5, 1000.0, 5000.0, 123456.789],
    "count": [1] * 8,
})


def test_graduated_qml_ranges_are_the_pooled_breaks():
    root = _parse(styles.graduated_qml("ICF", BREAKS))
    r = root.find("renderer-v2")
    assert r.get("type") == "graduatedSymbol" and r.get("attr") == "ICF"
    ranges = r.find("ranges").findall("range")
    assert len(ranges) == 5
    np.testing.assert_array_equal([float(x.get("lower")) for x in ranges],
                                  [12.5, 100.0, 250.5, 1000.0, 5000.0])
    np.testing.assert_array_equal([float(x.get("upper")) for x in ranges],
                                  [100.0, 250.5, 1000.0, 5000.0, 123456.789])
    assert [x.get("symbol") for x in ranges] == ["0", "1", "2", "3", "4"]
    # same colours as the maps
    assert _symbol_colors(r) == [_rgba(c) for c in class_colors(5)]
    # labels: the bounds to 3 significant figures, as in the maps (maps._base.class_labels)
    assert ranges[0].get("label") == "12.5 – 100"
    assert ranges[1].get("label") == "100 – 251"  # 250.5 rounds half up
    assert root.find("layerGeometryType").text == "2"


def test_graduated_qml_per_year_and_plain_bounds():
    r = _parse(styles.graduated_qml("ICF", BREAKS, year=2019)).find("renderer-v2")
    assert len(r.find("ranges")) == 3
    r = _parse(styles.graduated_qml("x", [1.0, 2.0], ["#000000", "#ffffff"], lower=0.0,
                                    labels=["low", "high"])).find("renderer-v2")
    assert [x.get("label") for x in r.find("ranges")] == ["low", "high"]
    assert _symbol_colors(r) == ["0,0,0,255", "255,255,255,255"]
    with pytest.raises(ClassificationError, match="lower="):
        styles.graduated_qml("x", [1.0, 2.0])
    with pytest.raises(InputError, match="3 colours for 2 classes"):
        styles.graduated_qml("x", [1.0, 2.0], ["#000000"] * 3, lower=0.0)
    with pytest.raises(ClassificationError, match="no rows"):
        styles.graduated_qml("CEC", BREAKS)


def test_graduated_qml_from_mapclassify():
    import mapclassify

    y = np.array([1.0, 2, 3, 10, 11, 12, 30, 31, 32])
    fj = mapclassify.FisherJenks(y, k=3)
    r = _parse(styles.graduated_qml("v", fj)).find("renderer-v2")
    np.testing.assert_array_equal([float(x.get("upper")) for x in r.find("ranges")], fj.bins)
    assert float(r.find("ranges")[0].get("lower")) == 1.0


def test_lisa_qml_geoda_codes_and_colours():
    r = _parse(styles.lisa_qml()).find("renderer-v2")
    assert r.get("type") == "categorizedSymbol" and r.get("attr") == "cluster"
    cats = r.find("categories").findall("category")
    assert [c.get("value") for c in cats] == ["0", "1", "2", "3", "4", "5", "6"]
    assert [c.get("label") for c in cats][:5] == ["Not significant", "High-High", "Low-Low",
                                                  "Low-High", "High-Low"]
    # GeoDa Explore/LisaMapNewView.cpp colours
    assert _symbol_colors(r) == ["240,240,240,255", "255,0,0,255", "0,0,255,255",
                                 "150,150,255,255", "255,150,150,255", "70,70,70,255",
                                 "140,140,140,255"]
    zh = _parse(styles.lisa_qml(lang="zh")).find("renderer-v2")
    assert zh.find("categories")[1].get("label") == "高-高"
    assert len(LISA_CLUSTERS) == 7


def test_significance_and_zones_and_flows_qml():
    r = _parse(styles.significance_qml(alpha=0.01)).find("renderer-v2")
    ups = [float(x.get("upper")) for x in r.find("ranges")]
    assert ups == [0.0001, 0.001, 0.01, 1.0]
    assert r.find("ranges")[-1].get("label") == "Not significant"
    z = _parse(styles.zones_qml()).find("renderer-v2")
    assert [c.get("value") for c in z.find("categories")] == ["I", "II", "III", "IV"]
    assert _symbol_colors(z) == [_rgba(v[1]) for v in ZONE_STYLE.values()]
    f = _parse(styles.flows_qml(values=[1, 2, 3, 10, 20, 50, 100], k=3))
    fr = f.find("renderer-v2")
    assert fr.get("graduatedMethod") == "GraduatedSize"
    widths = [float({o.get("name"): o.get("value") for o in s.find("layer").find("Option")}
                    ["line_width"]) for s in fr.find("symbols")]
    np.testing.assert_allclose(widths, [0.3, 1.4, 2.5])
    assert f.find("layerGeometryType").text == "1"
    with pytest.raises(InputError, match="breaks= or values="):
        styles.flows_qml()


def test_write_qml(tmp_path):
    p = styles.write_qml(styles.zones_qml(), tmp_path / "zones")
    assert p.name == "zones.qml" and p.read_text(encoding="utf-8").startswith("<!DOCTYPE qgis")
    with pytest.raises(InputError, match="not a QML"):
        styles.write_qml("<html/>", tmp_path / "x.qml")


_QGIS_PY = "/usr/bin/python3"
_CHECK = r"""
import sys, json
from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False); app.initQgis()
out = {}
for name, geom, field, path in json.loads(sys.argv[1]):
    lyr = QgsVectorLayer(f"{geom}?crs=EPSG:4326&field={field}", name, "memory")
    msg, ok = lyr.loadNamedStyle(path)
    r = lyr.renderer()
    items = r.legendSymbolItems()
    out[name] = {"ok": ok, "type": r.type(), "labels": [i.label() for i in items],
                 "colors": [i.symbol().color().name() for i in items]}
gpkg = sys.argv[2]
lyr = QgsVectorLayer(gpkg + "|layername=region_years", "g", "ogr")
n, ids, names, descs, err = lyr.listStylesInDatabase()
out["gpkg"] = {"type": lyr.renderer().type(), "attr": lyr.renderer().classAttribute(),
               "styles": list(names)}
print(json.dumps(out), flush=True)
import os
os._exit(0)  # QGIS 3.22 may crash in exitQgis() with an OGR layer still open
"""


def _qgis_available() -> bool:
    if not Path(_QGIS_PY).exists():
        return False
    r = subprocess.run([_QGIS_PY, "-c", "import qgis.core"], capture_output=True)
    return r.returncode == 0


@pytest.mark.skipif(not _qgis_available() and not os.environ.get("SPATIAL_CARBON_REQUIRE_QGIS"),
                    reason="QGIS (python3-qgis) not installed")
def test_qgis_loads_every_style(tmp_path):
    import json

    specs = []
    for name, text, geom, field in [
        ("grad", styles.graduated_qml("ICF", BREAKS), "Polygon", "ICF:double"),
        ("lisa", styles.lisa_qml(), "Polygon", "cluster:integer"),
        ("sig", styles.significance_qml(), "Polygon", "p_sim:double"),
        ("zones", styles.zones_qml(), "Polygon", "zone:string"),
        ("flows", styles.flows_qml(values=[1, 5, 9, 40]), "LineString", "value:double"),
    ]:
        p = styles.write_qml(text, tmp_path / f"{name}.qml")
        specs.append((name, geom, field, str(p)))
    gpkg = _gpkg(tmp_path)
    styles.save_to_gpkg(gpkg, "region_years", {"zone": styles.zones_qml(),
                                               "lisa": styles.lisa_qml("lisa_ICF_size")},
                        default="lisa")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([_QGIS_PY, "-c", _CHECK, json.dumps(specs), str(gpkg)], capture_output=True,
                       text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert all(v["ok"] for k, v in res.items() if k != "gpkg")
    assert res["grad"]["type"] == "graduatedSymbol" and len(res["grad"]["labels"]) == 5
    assert res["lisa"]["type"] == "categorizedSymbol"
    assert res["lisa"]["colors"][:5] == ["#f0f0f0", "#ff0000", "#0000ff", "#9696ff", "#ff9696"]
    assert res["zones"]["labels"] == [v[0] for v in ZONE_STYLE.values()]
    assert res["flows"]["type"] == "graduatedSymbol"
    # the GeoPackage's default style is applied when QGIS opens the layer
    assert res["gpkg"] == {"type": "categorizedSymbol", "attr": "lisa_ICF_size",
                           "styles": ["zone", "lisa"]}


def _gpkg(tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    p = tmp_path / "study.gpkg"
    gpd.GeoDataFrame({"zone": ["I", "II"], "lisa_ICF_size": [1, 0]},
                     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:4326").to_file(
        p, layer="region_years", driver="GPKG")
    return p


def test_save_to_gpkg_layer_styles_table(tmp_path):
    import pyogrio

    p = _gpkg(tmp_path)
    styles.save_to_gpkg(p, "region_years", {"zone": styles.zones_qml(),
                                            "lisa": styles.lisa_qml("lisa_ICF_size")})
    # a second call replaces a style of the same name and moves the default
    styles.save_to_gpkg(p, "region_years", {"lisa": styles.lisa_qml("lisa_ICF_size", lang="zh")},
                        default="lisa")
    t = pyogrio.read_dataframe(p, layer="layer_styles", read_geometry=False)
    assert t["styleName"].tolist() == ["zone", "lisa"]
    assert t["useAsDefault"].tolist() == [False, True]
    assert (t["f_table_name"] == "region_years").all() and (t["f_geometry_column"] == "geom").all()
    assert "高-高" in t["styleQML"].iloc[1]
    # the data layer is untouched
    assert pyogrio.read_dataframe(p, layer="region_years")["zone"].tolist() == ["I", "II"]
    with pytest.raises(InputError, match="no layer 'nope'"):
        styles.save_to_gpkg(p, "nope", {"zone": styles.zones_qml()})
    with pytest.raises(InputError, match="default style"):
        styles.save_to_gpkg(p, "region_years", {"zone": styles.zones_qml()}, default="x")
    with pytest.raises(InputError, match="not a QML"):
        styles.save_to_gpkg(p, "region_years", {"zone": "<html/>"})


def test_study_styles_names_match_the_study_layer():
    lisa = pd.DataFrame({"region_code": [1], "year": [2019], "cluster": [1], "p_sim": [0.01],
                         "column": ["ICF_size"]})
    zones = pd.DataFrame({"region_code": [1], "year": [2019], "zone": ["I"]})
    st = styles.study_styles({"breaks": BREAKS, "lisa": lisa, "zones": zones})
    assert list(st) == ["ICF", "lisa_ICF_size", "lisa_ICF_size_p", "zone"]
    assert _parse(st["lisa_ICF_size"]).find("renderer-v2").get("attr") == "lisa_ICF_size"
    assert _parse(st["lisa_ICF_size_p"]).find("renderer-v2").get("attr") == "lisa_ICF_size_p"
