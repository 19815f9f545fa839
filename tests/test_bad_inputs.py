"""Bad-input catalogue: every case through the CLI as a user runs it (a subprocess).

Each case asserts (issue 11): exit status 2; exactly one line on standard
error, ``Error: ...``, with no traceback; the message names the input (file,
option or key) and says how to fix it; every file in the case's folder is
unchanged (SHA-256 before and after); and no output appears, complete,
partial or zero-byte (the folder holds exactly the files it held before).

The cases run two at a time in one fixture (each subprocess imports the
scientific stack, about 1-2 s); a failure names the case.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from _small import small_landcover

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
FIX = re.compile(r"\b(use|give|choose|save|check|remove|add|name|pass|rename|lower|drop|"
                 r"fix|select|correct|aggregate|move|free|see|re-save|write|fill|map)\b", re.I)

AREAS = "region,year,sink_class,area_hm2\nBeijing,2019,forest,100\nBeijing,2019,grassland,50\n"
ICE = "region,year,CO2_t\nBeijing,2019,1000000\n"
# as `spatial-carbon sinks` writes it (with the rates it used, which the footprint checks)
SINKS = ("region,year,A_forest_hm2,A_grassland_hm2,CS_forest,CS_grassland,CS,"
         "NEP_forest_t_per_hm2_a,NEP_grassland_t_per_hm2_a,rates_basis\n"
         "Beijing,2019,100,50,480.0096,21.8086,501.8182,3.8096,0.9482,C\n")
FP = ("region,year,ICF_size,ICF_depth\nBeijing,2019,1,2\nHebei,2019,2,1\nShanxi,2019,3,3\n"
      "Shanghai,2019,4,1\n")
VALUES = "region,year,v\n" + "".join(f"{r},2019,{v}\n" for r, v in [
    ("Beijing", 3), ("Tianjin", 1), ("Hebei", 4), ("Shanxi", 1), ("Inner Mongolia", 5),
    ("Liaoning", 9), ("Jilin", 2), ("Heilongjiang", 6)])
IO_TABLE = """region,sector,agri,ind,final_use,export,outflow,import,inflow,output
Beijing,agri,10.0,20.0,65.0,20.0,20.0,5.0,30.0,100.0
Beijing,ind,30.0,40.0,110.0,50.0,40.0,10.0,60.0,200.0
Hebei,agri,20.0,10.0,75.0,10.0,20.0,30.0,5.0,100.0
Hebei,ind,20.0,60.0,30.0,20.0,10.0,30.0,10.0,100.0
"""
EMIS = "region,sector,emissions\nBeijing,agri,10\nBeijing,ind,100\nHebei,agri,20\nHebei,ind,90\n"
LONG = ("region,sector,year,output,emissions\nBeijing,s1,2000,10,5\nBeijing,s1,2010,20,6\n"
        "Hebei,s1,2000,10,5\nHebei,s1,2010,20,6\n")
FUEL = "region,year,fuel,amount,unit\nBeijing,2011,原煤,100,万吨\n"
STUDY = ('[study]\nfirst_year = 2018\nlast_year = 2019\n[inputs]\n'
         'ceads = "bundled:ceads/provinces"\n[inputs.landcover]\nareas = "areas.csv"\n')


@dataclass
class Case:
    id: str
    args: list[str]                      # "{d}" is the case's folder
    files: dict[str, bytes | str | Callable] = field(default_factory=dict)
    names: tuple[str, ...] = ()          # the message names the input
    fix: str | None = None               # a word of the fix (default: any of FIX)
    cwd: str | None = None               # relative to the case folder


def _study(extra: str = "", replace: tuple[str, str] | None = None) -> dict:
    text = STUDY + extra
    if replace:
        text = text.replace(*replace)
    return {"study.toml": text, "areas.csv": AREAS}


def _landcover(d: Path) -> None:
    small_landcover(d)


def _pickled_mrio(d: Path) -> None:
    """A pymrio-looking folder whose table is a pickle that would create a file."""
    m = d / "mrio"
    m.mkdir()
    (m / "file_parameters.json").write_text(json.dumps({
        "systemtype": "IOSystem", "name": "crafted",
        "files": {"Z": {"name": "Z.pkl", "nr_index_col": "2", "nr_header": "2"}}}))

    class Payload:
        def __reduce__(self):
            return (open, (str(d / "PWNED"), "w"))

    (m / "Z.pkl").write_bytes(pickle.dumps(Payload()))


def _garbage_gpkg(d: Path) -> None:
    (d / "b.gpkg").write_bytes(b"this is not a GeoPackage\n" * 10)


def _foreign_out(d: Path) -> None:
    (d / "thesis").mkdir()
    (d / "thesis" / "chapter1.docx").write_bytes(b"my thesis")


def _subdir(name: str) -> Callable:
    return lambda d: (d / name).mkdir()


CASES = [
    # ---------------------------------------------------------------- CSV reading
    Case("csv_zero_bytes", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": b""}, ("a.csv", "empty")),
    Case("csv_only_comments", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": "# a comment\n\n"}, ("a.csv", "no columns")),
    Case("csv_ragged", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": AREAS + "Beijing,2019,shrub,1,2,3\n"}, ("a.csv", "not well-formed")),
    Case("csv_unterminated_quote", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": AREAS + '"Beijing,2019,shrub,1\n'}, ("a.csv", "not well-formed")),
    Case("csv_utf16", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": AREAS.encode("utf-16")}, ("a.csv", "UTF-16"), "save"),
    Case("csv_latin1_read_as_gb18030", ["moran", "{d}/a.csv", "--column", "v", "--id-field",
                                         "name", "--zones", "{d}/zones.gpkg", "-o", "{d}/o.csv"],
         {"a.csv": "name,v\nBéijíng,1\nZürich,2\nMünchen,3\n".encode("latin-1"),
          "zones.gpkg": _landcover}, ("a.csv", "Latin-1"), "save"),
    Case("csv_binary", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": b"\x00\x01\x02binary\x00" * 20}, ("a.csv", "NUL"), "save"),
    Case("csv_is_a_folder", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": _subdir("a.csv")}, ("a.csv", "directory")),
    Case("csv_missing", ["sinks", "--areas", "{d}/nope.csv", "-o", "{d}/o.csv"],
         {}, ("nope.csv", "does not exist")),
    # ---------------------------------------------------------------- sinks
    Case("sinks_no_region_column", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": "place,year,sink_class,area_hm2\nBeijing,2019,forest,1\n"},
         ("a.csv", "no region column"), "name"),
    Case("sinks_unknown_region", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": AREAS.replace("Beijing,2019,forest", "Bejing,2019,forest")},
         ("a.csv", "Bejing"), "use"),
    Case("sinks_long_region_name", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": "region,year,sink_class,area_hm2\n" + ("X" * 100_000 + ",2019,forest,1\n") * 2},
         ("a.csv", "100,000 characters", "repeated"), "remove"),
    Case("sinks_duplicate_rows", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": AREAS + "Beijing,2019,forest,100\n"}, ("a.csv", "Beijing", "repeated"),
         "aggregate"),
    Case("sinks_negative_area", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": AREAS.replace(",100", ",-100")}, ("a.csv", "area_hm2", "non-negative")),
    Case("sinks_text_area", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": AREAS.replace(",100", ",lots")}, ("a.csv", "area_hm2", "not a number")),
    Case("sinks_inf_area", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": AREAS.replace(",100", ",inf")}, ("a.csv", "area_hm2", "infinite"), "give"),
    Case("sinks_no_area_column", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": "region,year,sink_class,size\nBeijing,2019,forest,1\n"},
         ("a.csv", "area column"), "name"),
    Case("sinks_bad_year", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": AREAS.replace("2019,forest", "2019.5,forest")}, ("a.csv", "2019.5", "year"),
         "correct"),
    Case("sinks_area_unit", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/o.csv"],
         {"a.csv": AREAS.replace("area_hm2", "area_acres")}, ("a.csv", "area_acres")),
    # ---------------------------------------------------------------- footprint
    Case("footprint_inf_ice", ["footprint", "--ice", "{d}/ice.csv", "--sinks", "{d}/s.csv",
                               "-o", "{d}/o.csv"],
         {"ice.csv": ICE.replace("1000000", "inf"), "s.csv": SINKS}, ("ICE", "CO2_t", "infinite"),
         "give"),
    Case("footprint_ice_without_unit", ["footprint", "--ice", "{d}/ice.csv", "--sinks",
                                        "{d}/s.csv", "-o", "{d}/o.csv"],
         {"ice.csv": ICE.replace("CO2_t", "emissions"), "s.csv": SINKS},
         ("ICE", "CO2_t"), "such as"),
    Case("footprint_sinks_without_cs", ["footprint", "--ice", "{d}/ice.csv", "--sinks",
                                        "{d}/s.csv", "-o", "{d}/o.csv"],
         {"ice.csv": ICE, "s.csv": AREAS}, ("sinks", "CS"), "as written by"),
    Case("footprint_coverage", ["footprint", "--ice", "{d}/ice.csv", "--sinks", "{d}/s.csv",
                                "-o", "{d}/o.csv"],
         {"ice.csv": ICE.replace("2019", "2018"), "s.csv": SINKS}, ("2018", "2019"), "select"),
    Case("footprint_long_unknown_region", ["footprint", "--ice", "{d}/ice.csv", "--sinks",
                                           "{d}/s.csv", "-o", "{d}/o.csv"],
         {"ice.csv": ICE + "Y" * 100_000 + ",2019,5\n", "s.csv": SINKS},
         ("ICE", "100,000 characters"), "use"),
    Case("footprint_bad_shares", ["footprint", "--ice", "{d}/ice.csv", "--sinks", "{d}/s.csv",
                                  "--shares", "forest:0.8", "-o", "{d}/o.csv"],
         {"ice.csv": ICE, "s.csv": SINKS}, ("--shares", "forest:0.8"), "use"),
    Case("footprint_duplicate_ice", ["footprint", "--ice", "{d}/ice.csv", "--sinks",
                                     "{d}/s.csv", "-o", "{d}/o.csv"],
         {"ice.csv": ICE + "北京,2019,5\n", "s.csv": SINKS}, ("ICE", "Beijing", "repeated"),
         "aggregate"),
    # ---------------------------------------------------------------- breaks, zones
    Case("breaks_inf", ["breaks", "-i", "{d}/t.csv", "-c", "v", "-k", "2", "-o", "{d}/o.csv"],
         {"t.csv": VALUES.replace(",9\n", ",inf\n")}, ("v", "infinite"), "drop"),
    Case("breaks_too_many_classes", ["breaks", "-i", "{d}/t.csv", "-c", "v", "-k", "9", "-o",
                                     "{d}/o.csv"],
         {"t.csv": VALUES}, ("v", "distinct values"), "lower"),
    Case("breaks_no_column", ["breaks", "-i", "{d}/t.csv", "-c", "ICF_pc", "-o", "{d}/o.csv"],
         {"t.csv": VALUES}, ("ICF_pc",)),
    Case("breaks_unknown_scheme", ["breaks", "-i", "{d}/t.csv", "-c", "v", "--scheme", "jenks",
                                   "-o", "{d}/o.csv"],
         {"t.csv": VALUES}, ("jenks", "scheme"), "use"),
    Case("breaks_k_one", ["breaks", "-i", "{d}/t.csv", "-c", "v", "-k", "1", "-o", "{d}/o.csv"],
         {"t.csv": VALUES}, ("k", ">= 2")),
    Case("zones_missing_column", ["zones", "-i", "{d}/fp.csv", "--size", "ICF", "-o",
                                  "{d}/o.csv"],
         {"fp.csv": FP}, ("ICF",)),
    # ---------------------------------------------------------------- inventory
    Case("emissions_unknown_unit", ["emissions", "{d}/f.csv", "-o", "{d}/o.csv"],
         {"f.csv": FUEL.replace("万吨", "bushels")}, ("bushels",)),
    Case("emissions_empty", ["emissions", "{d}/f.csv", "-o", "{d}/o.csv"],
         {"f.csv": b""}, ("f.csv", "empty")),
    Case("emissions_unknown_fuel", ["emissions", "{d}/f.csv", "-o", "{d}/o.csv"],
         {"f.csv": FUEL.replace("原煤", "unobtainium")}, ("unobtainium",)),
    Case("ceads_bad_years", ["ceads", "{d}/x", "--years", "2000-x", "-o", "{d}/o.csv"],
         {"x": _subdir("x")}, ("--years", "2000-x"), "range"),
    # ---------------------------------------------------------------- input-output
    Case("io_zero_byte_table", ["io-transfer", "{d}/t.csv", "--emissions", "{d}/e.csv", "-o",
                                "{d}/o.csv"],
         {"t.csv": b"", "e.csv": EMIS}, ("t.csv", "empty")),
    Case("io_table_without_sector", ["io-transfer", "{d}/t.csv", "--emissions", "{d}/e.csv",
                                     "-o", "{d}/o.csv"],
         {"t.csv": IO_TABLE.replace("region,sector,", "region,branch,"), "e.csv": EMIS},
         ("t.csv", "sector"), "expected"),
    Case("io_nan_emissions", ["io-transfer", "{d}/t.csv", "--emissions", "{d}/e.csv", "-o",
                              "{d}/o.csv"],
         {"t.csv": IO_TABLE, "e.csv": EMIS.replace("Beijing,ind,100", "Beijing,ind,")},
         ("emissions", "Beijing", "ind", "not a number"), "give"),
    Case("io_ragged_table", ["io-transfer", "{d}/t.csv", "--emissions", "{d}/e.csv", "-o",
                             "{d}/o.csv"],
         {"t.csv": IO_TABLE + "Hebei,x,1,2,3,4,5,6,7,8,9,10,11\n", "e.csv": EMIS},
         ("t.csv", "not well-formed")),
    Case("io_no_method", ["io-transfer", "{d}/t.csv", "-o", "{d}/o.csv"],
         {"t.csv": IO_TABLE}, ("--emissions",)),
    Case("io_dash_with_several_files", ["io-transfer", "{d}/t.csv", "--emissions", "{d}/e.csv",
                                        "-o", "-"],
         {"t.csv": IO_TABLE, "e.csv": EMIS}, ("-o", "standard output"), "give"),
    Case("decompose_missing_year", ["decompose", "{d}/l.csv", "--from", "2000", "--to", "2020",
                                    "-o", "{d}/o.csv"],
         {"l.csv": LONG}, ("2020", "years present")),
    Case("decompose_missing_columns", ["decompose", "{d}/l.csv", "--from", "2000", "--to",
                                       "2010", "-o", "{d}/o.csv"],
         {"l.csv": LONG.replace("emissions", "co2")}, ("l.csv", "emissions"), "expected"),
    Case("mrio_pickled_tables", ["mrio", "{d}/mrio", "--extension", "x", "--stressor", "CO2",
                                 "-o", "{d}/o.csv"],
         {"mrio": _pickled_mrio}, ("mrio", "Z.pkl", "pickles"), "--allow-pickle"),
    Case("mrio_not_pymrio", ["mrio", "{d}/m", "--extension", "x", "--stressor", "CO2", "-o",
                             "{d}/o.csv"],
         {"m": _subdir("m")}, ("m", "file_parameters.json"), "write"),
    # ---------------------------------------------------------------- spatial
    Case("moran_unknown_weights", ["moran", "{d}/t.csv", "--column", "v", "--weights", "queens",
                                   "-o", "{d}/o.csv"],
         {"t.csv": VALUES}, ("queens", "weights"), "use"),
    Case("moran_ids_not_regions", ["moran", "{d}/t.csv", "--column", "v", "--id-field", "id",
                                   "-o", "{d}/o.csv"],
         {"t.csv": "id,v\na,1\nb,2\nc,3\n"}, ("id", "--zones"), "give"),
    Case("moran_constant_column", ["moran", "{d}/t.csv", "--column", "v", "-o", "{d}/o.csv"],
         {"t.csv": re.sub(r",\d+\n", ",7\n", VALUES)}, ("v", "same value")),
    Case("moran_dash", ["moran", "{d}/t.csv", "--column", "v", "-o", "-"],
         {"t.csv": VALUES}, ("-o", "standard output"), "give"),
    Case("moran_missing_column", ["moran", "{d}/t.csv", "--column", "w", "-o", "{d}/o.csv"],
         {"t.csv": VALUES}, ("w",)),
    Case("lisa_gpkg_is_the_zones", ["lisa", "{d}/t.csv", "--column", "v", "--id-field", "name",
                                    "--zones", "{d}/zones.gpkg", "--gpkg", "{d}/zones.gpkg",
                                    "-o", "{d}/o.csv"],
         {"t.csv": "name,v\nA,1\nB,2\n", "zones.gpkg": _landcover},
         ("zones.gpkg", "also an input"), "write"),
    # ---------------------------------------------------------------- maps
    Case("map_unreadable_boundaries", ["map", "{d}/t.csv", "--column", "v", "--boundaries",
                                       "{d}/b.gpkg", "-o", "{d}/m.png"],
         {"t.csv": VALUES, "b.gpkg": _garbage_gpkg}, ("b.gpkg", "cannot read"),
         "vector file GDAL can open"),
    Case("map_output_is_the_boundaries", ["map", "{d}/t.csv", "--column", "v", "--boundaries",
                                          "{d}/zones.gpkg", "-o", "{d}/zones.gpkg"],
         {"t.csv": VALUES, "zones.gpkg": _landcover}, ("zones.gpkg", "also an input"), "write"),
    Case("map_bad_years", ["map", "{d}/t.csv", "--column", "v", "--years", "20x9", "-o",
                           "{d}/m.png"],
         {"t.csv": VALUES}, ("--years", "20x9")),
    Case("style_without_breaks", ["style", "graduated", "-o", "{d}/s.qml"], {},
         ("--breaks",)),
    # ---------------------------------------------------------------- land cover
    Case("landcover_zone_field", ["landcover", "{d}/clcd_2019.tif", "--zones", "{d}/zones.gpkg",
                                  "--zone-field", "nom", "--quiet", "-o", "{d}/o.csv"],
         {"clcd_2019.tif": _landcover}, ("nom",)),
    Case("landcover_no_raster", ["landcover", "{d}/missing_{{year}}.tif", "--zones",
                                 "{d}/zones.gpkg", "--zone-field", "name", "-o", "{d}/o.csv"],
         {"zones.gpkg": _landcover}, ("missing_{year}.tif",)),
    Case("landcover_unknown_legend", ["landcover", "{d}/clcd_2019.tif", "--zones",
                                      "{d}/zones.gpkg", "--zone-field", "name", "--legend",
                                      "corine", "--quiet", "-o", "{d}/o.csv"],
         {"clcd_2019.tif": _landcover}, ("corine",)),
    # ---------------------------------------------------------------- study (run, demo)
    Case("toml_utf16", ["run", "{d}/study.toml", "--out", "{d}/out"],
         {"study.toml": STUDY.encode("utf-16"), "areas.csv": AREAS}, ("study.toml", "UTF-16"),
         "save"),
    Case("toml_gbk", ["run", "{d}/study.toml", "--out", "{d}/out"],
         {"study.toml": ('title = "碳足迹"\n' + STUDY).encode("gbk"), "areas.csv": AREAS},
         ("study.toml", "GBK"), "save"),
    Case("toml_invalid", ["run", "{d}/study.toml", "--out", "{d}/out"],
         {"study.toml": "[study\n", "areas.csv": AREAS}, ("study.toml", "not valid TOML")),
    Case("toml_unknown_key", ["run", "{d}/study.toml", "--out", "{d}/out"],
         _study("[sinks]\nnep_forst = 3\n"), ("nep_forst", "[sinks]"), "valid keys"),
    Case("toml_nep_text", ["run", "{d}/study.toml", "--out", "{d}/out"],
         _study("[sinks]\nnep_forest = \"abc\"\n"), ("[sinks] nep_forest", "'abc'"),
         "must be"),
    Case("toml_projection_text", ["run", "{d}/study.toml", "--out", "{d}/out"],
         _study("[footprint]\nproject_cec_to = \"soon\"\n"), ("project_cec_to", "'soon'"),
         "must be"),
    Case("toml_first_year_bool", ["run", "{d}/study.toml", "--out", "{d}/out"],
         _study(replace=("first_year = 2018", "first_year = true")), ("first_year", "True"),
         "must be"),
    Case("toml_permutations_bool", ["run", "{d}/study.toml", "--out", "{d}/out"],
         _study("[spatial]\npermutations = true\n"), ("permutations", "True"), "must be"),
    Case("toml_map_year_outside", ["run", "{d}/study.toml", "--out", "{d}/out"],
         _study("[maps]\nyears = [1800]\n"), ("[maps] years", "1800"), "map"),
    Case("toml_map_format", ["run", "{d}/study.toml", "--out", "{d}/out"],
         _study("[maps]\nformats = [\"jpg\"]\n"), ("[maps] formats", "jpg"), "must be"),
    Case("toml_weights", ["run", "{d}/study.toml", "--out", "{d}/out"],
         _study("[spatial]\nweights = \"queens\"\n"), ("[spatial] weights", "queens"), "use"),
    Case("toml_bundled_traversal", ["run", "{d}/study.toml", "--out", "{d}/out"],
         _study(replace=("bundled:ceads/provinces", "bundled:../../../../etc/passwd")),
         ("inputs.ceads", "leaves the bundled"), "name"),
    Case("toml_missing_input", ["run", "{d}/study.toml", "--out", "{d}/out"],
         {"study.toml": STUDY}, ("inputs.landcover.areas", "areas.csv", "not found")),
    Case("run_out_is_a_foreign_folder", ["run", "{d}/study.toml", "--out", "{d}/thesis",
                                         "--overwrite"],
         {**_study(), "thesis": _foreign_out}, ("thesis", "chapter1.docx", "not written"),
         "choose"),
    Case("run_out_holds_the_inputs", ["run", "study.toml", "--out", "."], _study(),
         ("an input of this run",), "choose"),
    Case("demo_out_is_a_foreign_folder", ["demo", "--out", "{d}/thesis"],
         {"thesis": _foreign_out}, ("thesis", "not written by spatial_carbon"), "choose"),
    Case("demo_write_config_under_a_file", ["demo", "--write-config", "{d}/f.txt/study.toml"],
         {"f.txt": "x"}, ("f.txt", "is a file"), "choose"),
    # ---------------------------------------------------------------- outputs
    Case("report_into_a_foreign_folder", ["report", "{d}/thesis"],
         {"thesis": _subdir("thesis"), "thesis/report.html": "my own report\n"},
         ("thesis", "not written by spatial_carbon"), "give"),
    Case("figures_into_a_foreign_folder", ["figures", "{d}/thesis"],
         {"thesis": _subdir("thesis"), "thesis/tables": _subdir("thesis/tables"),
          "thesis/tables/footprint.csv": FP, "thesis/maps": _subdir("thesis/maps"),
          "thesis/maps/figure1.png": b"my own figure"},
         ("thesis", "not written by spatial_carbon"), "give"),
    Case("output_under_a_file", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/a.csv/o.csv"],
         {"a.csv": AREAS}, ("a.csv", "is a file, not a folder"), "choose"),
    Case("output_is_the_input", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/a.csv"],
         {"a.csv": AREAS}, ("a.csv", "also an input"), "write"),
    Case("output_is_a_folder", ["sinks", "--areas", "{d}/a.csv", "-o", "{d}/sub"],
         {"a.csv": AREAS, "sub": _subdir("sub")}, ("sub", "directory")),
    Case("output_disk_full", ["sinks", "--areas", "{d}/a.csv", "-o", "/dev/full"],
         {"a.csv": AREAS}, ("/dev/full", "ENOSPC"), "free"),
    Case("output_two_names_one_file", ["breaks", "-i", "{d}/t.csv", "-c", "v", "-k", "2", "-o",
                                       "{d}/x.csv", "-b", "{d}/x.csv"],
         {"t.csv": VALUES}, ("x.csv", "same file"), "give"),
]


def _prepare(root: Path, case: Case) -> Path:
    d = root / case.id
    d.mkdir()
    for name, content in case.files.items():
        if callable(content):
            content(d)
        else:
            (d / name).write_bytes(content if isinstance(content, bytes)
                                   else content.encode("utf-8"))
    return d


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest()
                                                if p.is_file() else "<dir>")
            for p in sorted(folder.rglob("*"))}


def _run(root: Path, case: Case) -> dict:
    d = _prepare(root, case)
    before = _digest(d)
    args = [a.replace("{d}", str(d)).replace("{{year}}", "{year}") for a in case.args]
    r = subprocess.run([sys.executable, "-m", "spatial_carbon", *args], cwd=d / (case.cwd or ""),
                       env=ENV, capture_output=True, text=True, timeout=600)
    return {"rc": r.returncode, "stderr": r.stderr, "stdout": r.stdout, "before": before,
            "after": _digest(d), "folder": d}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad_inputs")
    with ThreadPoolExecutor(max_workers=2) as ex:
        futs = {c.id: ex.submit(_run, root, c) for c in CASES}
    return {k: f.result() for k, f in futs.items()}


def test_the_catalogue_is_big_enough():
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(results, case):
    r = results[case.id]
    lines = [x for x in r["stderr"].splitlines() if x.strip()]
    assert r["rc"] == 2, (r["rc"], r["stderr"][-3000:])
    assert "Traceback" not in r["stderr"] + r["stdout"]
    assert len(lines) == 1, r["stderr"]
    msg = lines[0]
    assert msg.startswith("Error: "), msg
    assert len(msg) < 800, f"{len(msg)} characters"
    assert not re.search(r"np\.(float|int|str|bool)\w*\(", msg), msg
    for name in case.names:
        assert name in msg, (name, msg)
    if case.fix:
        assert case.fix.lower() in msg.lower(), (case.fix, msg)
    else:
        assert FIX.search(msg) or "(see '" in msg, msg
    # inputs unchanged, no output (not even an empty or partial one)
    assert r["after"] == r["before"]
    assert r["stdout"] == ""


def test_the_crafted_pickle_did_not_run(results):
    """The crafted folder's pickle would create PWNED when unpickled."""
    assert not (results["mrio_pickled_tables"]["folder"] / "PWNED").exists()
