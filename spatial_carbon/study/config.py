"""Study configuration: read, validate and resolve a ``study.toml``.

The configuration is plain TOML (see ``spatial_carbon/data/demo_study.toml``,
the demo's own file, for every key with comments).  Unknown sections or keys
are errors (a typo must not silently fall back to a default), every value is
checked against its type in :data:`TYPES` before anything is computed (a
boolean is not a number, ``"abc"`` is not a rate); relative paths are resolved
against the file's folder, and ``bundled:...`` names a file in the sample data
shipped with spatial_carbon (never outside it).  The file must be UTF-8 (as
TOML requires); UTF-16 and GBK files are recognised and named.
"""

from __future__ import annotations

import copy
import sys
from importlib import resources
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .. import datasets, defaults
from ..errors import ConfigError, InputError, show

#: Every section and key a study file may hold, with its default (``None``:
#: optional without default; ``...``: required).
SCHEMA: dict[str, dict[str, Any]] = {
    "study": {"title": "spatial_carbon study", "first_year": ..., "last_year": ...},
    "inputs": {
        "ceads": None, "ceads_group": "industry", "ceads_cities": None, "emissions": None,
        "emissions_scope": "total", "fuel": None, "factors": "ipcc2006",
        "population": None, "boundaries": "bundled:province", "id_field": None,
        "name_field": None, "ids": "auto", "landcover": None,
    },
    "sinks": {"nep_forest": 3.8096, "nep_grassland": 0.9482, "equivalence": "default"},
    "footprint": {
        "basis": "CO2", "shares": "national", "growth_periods": [], "project_cec_to": None,
        "cec_rate": None,
    },
    "classify": {"scheme": "fisher_jenks", "k": 5, "columns": ["ICF", "ICF_size", "ICF_depth"]},
    "spatial": {
        "columns": ["ICF_size", "ICF_depth"], "weights": "queen", "islands": "knn",
        "permutations": defaults.PERMUTATIONS, "seed": defaults.SEED, "alpha": defaults.ALPHA,
        "alternative": defaults.ALTERNATIVE, "panel_years": [], "panel_min_regions": 200,
        # which p decides the LISA cluster: "permutation" (GeoDa) or "analytic" (spdep localmoran)
        "inference": "permutation",
    },
    # issue 13: hot spots, bivariate LISA, spatial Markov, centre of gravity (off when empty);
    # weights, permutations, seed and alpha come from [spatial]
    "hotspots": {"columns": [], "star": True},
    "bivariate": {"pairs": []},
    "markov": {"columns": [], "k": 5, "scheme": "quantiles"},
    "centre": {"columns": [], "crs": None},
    "maps": {"years": [], "lang": "en", "formats": ["png"]},
}
LANDCOVER_KEYS = {
    "rasters": None, "areas": None, "legend": "clcd", "years": None, "fill_years": "error",
    "zone_field": "region_code",
}
_PATH_KEYS = {("inputs", "ceads"), ("inputs", "fuel"), ("inputs", "population"),
              ("inputs", "ceads_cities"), ("inputs", "emissions")}
#: The emission inputs, exactly one of which a study gives.
EMISSION_KEYS = ("ceads", "ceads_cities", "emissions", "fuel")

#: Type of every key (see :func:`_check_type`): ``str``, ``int`` (not a
#: boolean), ``number`` (finite), ``bool``, ``years`` (list of int),
#: ``strs`` (list of str), ``periods`` (list of [int, int]), ``shares``,
#: ``rasters`` (str or list of str), or a tuple of allowed strings; ``?``:
#: may be absent.  Ranges are checked in :func:`resolve`.
TYPES: dict[str, dict[str, Any]] = {
    "study": {"title": "str", "first_year": "int", "last_year": "int"},
    "inputs": {"ceads": "str?", "ceads_group": "str", "ceads_cities": "str?", "emissions": "str?",
               "emissions_scope": "str", "fuel": "str?", "factors": "str",
               "population": "str?", "boundaries": "any", "id_field": "str?",
               "name_field": "str?", "ids": "str", "landcover": "table"},
    "sinks": {"nep_forest": "number", "nep_grassland": "number", "equivalence": "str"},
    "footprint": {"basis": ("CO2", "C"), "shares": "shares", "growth_periods": "periods",
                  "project_cec_to": "int?", "cec_rate": "any"},
    "classify": {"scheme": "str", "k": "int", "columns": "strs"},
    "spatial": {"columns": "strs", "weights": "str", "islands": "str", "permutations": "int",
                "seed": "int", "alpha": "number", "alternative": "str", "inference": "str",
                "panel_years": "years", "panel_min_regions": "int"},
    "hotspots": {"columns": "strs", "star": "bool"},
    "bivariate": {"pairs": "any"},
    "markov": {"columns": "strs", "k": "int", "scheme": ("quantiles", "fisher_jenks")},
    "centre": {"columns": "strs", "crs": "str?"},
    "maps": {"years": "years", "lang": ("en", "zh"), "formats": "strs"},
    "landcover": {"rasters": "rasters?", "areas": "str?", "legend": "str", "years": "years?",
                  "fill_years": ("error", "nearest"), "zone_field": "str"},
}
_TYPE_WORDS = {
    "str": "a text in quotes", "int": "a whole number (not true/false)",
    "number": "a number (not true/false, not a text)", "bool": "true or false",
    "years": "a list of whole years, e.g. [2000, 2010]", "strs": 'a list of texts, e.g. ["a", "b"]',
    "periods": "a list of [first, last] years, e.g. [[2000, 2011]]",
    "shares": '"national", "regional", [P_forest, P_grassland] or {forest = 0.8, grassland = 0.2}',
    "rasters": 'a file name or a list of file names', "table": "a table [inputs.landcover]",
}


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    import math

    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_type(value, spec, where: str) -> None:
    """Raise :class:`ConfigError` unless ``value`` matches ``spec`` (see :data:`TYPES`)."""
    if isinstance(spec, str) and spec.endswith("?"):
        if value is None:
            return
        spec = spec[:-1]
    if spec == "any":  # checked with its range in _check_values
        return
    if isinstance(spec, tuple):
        if value not in spec:
            raise ConfigError(f"{where} must be one of {', '.join(map(repr, spec))}, "
                              f"got {show(value)}")
        return
    ok = {
        "str": lambda v: isinstance(v, str),
        "int": _is_int,
        "number": _is_number,
        "bool": lambda v: isinstance(v, bool),
        "years": lambda v: isinstance(v, list) and all(_is_int(x) for x in v),
        "strs": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "periods": lambda v: isinstance(v, list) and all(
            isinstance(x, list) and len(x) == 2 and all(_is_int(y) for y in x) for x in v),
        "shares": lambda v: (isinstance(v, str) and v in ("national", "regional"))
        or (isinstance(v, list) and len(v) == 2 and all(_is_number(x) for x in v))
        or (isinstance(v, dict) and v and all(_is_number(x) for x in v.values())),
        "rasters": lambda v: isinstance(v, str) or (
            isinstance(v, list) and v and all(isinstance(x, str) for x in v)),
        "table": lambda v: isinstance(v, dict),
    }[spec](value)
    if not ok:
        raise ConfigError(f"{where} must be {_TYPE_WORDS[spec]}, got {show(value)}")


#: Demo configurations shipped with the package, by administrative level.
DEMO_CONFIGS = {"province": "demo_study.toml", "city": "demo_city.toml"}


def demo_config_path(level: str = "province") -> Path:
    """Path of a demo study configuration shipped with the package
    (``level``: ``"province"``, the default, or ``"city"``)."""
    if level not in DEMO_CONFIGS:
        raise ConfigError(f"no demo for level {level!r}; use one of {', '.join(DEMO_CONFIGS)}")
    return Path(str(resources.files("spatial_carbon").joinpath(f"data/{DEMO_CONFIGS[level]}")))


def _resolve(value: str, base: Path, key: str) -> Path | str:
    if value.startswith("bundled:"):
        rest = value[len("bundled:"):]
        try:
            return datasets.path(*rest.split("/"))
        except InputError as exc:
            raise ConfigError(f"[{key}] {exc}") from None
    p = Path(value)
    p = p if p.is_absolute() else (base / p)
    if not p.exists():
        raise ConfigError(f"[{key}] input {value!r} not found (resolved to {p}); check the "
                          "path (relative paths are relative to the study file)")
    return p.resolve()


def _resolve_layer(value: Any, base: Path, key: str) -> str:
    """A layer reference (``file|layername=NAME`` or ``bundled:LEVEL``) with
    its file resolved against the study file's folder (as text)."""
    from .. import layers
    from ..errors import LayerError

    try:
        src = layers.parse(str(value))
    except LayerError as exc:
        raise ConfigError(f"[{key}] {exc}") from None
    if src.is_bundled:
        return str(src)
    p = Path(src.path)
    p = p if p.is_absolute() else (base / p)
    if not p.exists():
        raise ConfigError(f"[{key}] input {src.path!r} not found (resolved to {p})")
    return str(layers.LayerSource(path=str(p.resolve()), layer=src.layer,
                                  layer_index=src.layer_index))


def load(path: str | Path | None = None) -> dict[str, Any]:
    """Read and validate a study configuration.

    Parameters
    ----------
    path : path-like, optional
        A TOML file; ``None`` loads the demo configuration.

    Returns
    -------
    dict
        Sections with every key filled (defaults applied), input paths
        resolved to absolute :class:`~pathlib.Path` objects, and ``_source``
        holding the configuration file's path.

    Raises
    ------
    ConfigError
        For an unreadable file, unknown sections or keys, missing required
        keys, missing inputs, or inconsistent choices.
    """
    path = Path(path) if path is not None else demo_config_path()
    try:
        raw = tomllib.loads(_read_toml_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}; fix the syntax there "
                          "(https://toml.io)") from None
    return resolve(raw, base=path.parent, source=path)


def _read_toml_text(path: Path) -> str:
    """The text of a TOML file, which must be UTF-8; UTF-16 and GBK are named."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"study file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the study file {path}: {exc.strerror or exc}") from None
    fix = "save it as UTF-8 (TOML files are UTF-8; editors: Save with Encoding > UTF-8)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) > 1 and b"\x00" in data[:200]):
        raise ConfigError(f"{path} is saved as UTF-16; {fix}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text; {fix}") from None
    raise ConfigError(f"{path} is saved as GBK/GB18030 (a Chinese Windows encoding); {fix}")


def resolve(raw: dict[str, Any], *, base: Path, source: Path | None = None) -> dict[str, Any]:
    """Validate a configuration mapping and resolve its paths (see :func:`load`)."""
    unknown = set(raw) - set(SCHEMA)
    if unknown:
        raise ConfigError(
            f"unknown section(s) {sorted(unknown)}; valid sections: {sorted(SCHEMA)}"
        )
    cfg: dict[str, Any] = {}
    for section, keys in SCHEMA.items():
        given = dict(raw.get(section, {}))
        bad = set(given) - set(keys)
        if bad:
            raise ConfigError(
                f"unknown key(s) {sorted(bad)} in [{section}]; valid keys: {sorted(keys)}"
            )
        sec = {}
        for k, default in keys.items():
            if k in given:
                sec[k] = copy.deepcopy(given[k])
                if k in TYPES.get(section, {}):
                    _check_type(sec[k], TYPES[section][k], f"[{section}] {k}")
            elif default is ...:
                raise ConfigError(f"[{section}] needs the key {k!r}")
            else:
                sec[k] = copy.deepcopy(default)
        cfg[section] = sec

    st = cfg["study"]
    if st["first_year"] > st["last_year"]:
        raise ConfigError(
            f"[study] first_year {st['first_year']} is after last_year {st['last_year']}"
        )

    inp = cfg["inputs"]
    given = [k for k in EMISSION_KEYS if inp[k] is not None]
    if len(given) != 1:
        raise ConfigError(
            "[inputs] give exactly one of 'ceads' (CEADs provincial workbooks), 'ceads_cities' "
            "(the CEADs city workbook), 'emissions' (a table region_code, year, CO2_t) or 'fuel' "
            "(fuel-use table)" + (f"; got {', '.join(given)}" if given else ""))
    if inp["emissions_scope"] not in ("total", "industry"):
        raise ConfigError("[inputs] emissions_scope must be 'total' or 'industry', got "
                          f"{inp['emissions_scope']!r}")
    for section, key in _PATH_KEYS:
        if cfg[section][key] is not None:
            cfg[section][key] = _resolve(str(cfg[section][key]), base, f"{section}.{key}")
    if inp["fuel"] is not None and not str(inp["factors"]) in ("ipcc2006", "seed001"):
        inp["factors"] = _resolve(str(inp["factors"]), base, "inputs.factors")
    if cfg["sinks"]["equivalence"] not in ("default", "gfn2010", "liu2015_npp"):
        cfg["sinks"]["equivalence"] = _resolve(str(cfg["sinks"]["equivalence"]), base, "sinks.equivalence")
    inp["boundaries"] = _resolve_layer(inp["boundaries"], base, "inputs.boundaries")
    from .. import regions

    if inp["ids"] not in regions.ID_KINDS:
        raise ConfigError(f"[inputs] ids must be one of {', '.join(regions.ID_KINDS)}, "
                          f"got {inp['ids']!r}")
    for key in ("id_field", "name_field"):
        if inp[key] is not None and not isinstance(inp[key], str):
            raise ConfigError(f"[inputs] {key} must be a field name (text)")

    lc = inp["landcover"]
    if not isinstance(lc, dict):
        raise ConfigError("[inputs.landcover] is required: give 'rasters' or 'areas'")
    bad = set(lc) - set(LANDCOVER_KEYS)
    if bad:
        raise ConfigError(
            f"unknown key(s) {sorted(bad)} in [inputs.landcover]; valid keys: {sorted(LANDCOVER_KEYS)}"
        )
    for k, v in lc.items():
        _check_type(v, TYPES["landcover"][k], f"[inputs.landcover] {k}")
    lc = {k: copy.deepcopy(lc.get(k, d)) for k, d in LANDCOVER_KEYS.items()}
    if (lc["rasters"] is None) == (lc["areas"] is None):
        raise ConfigError("[inputs.landcover] give exactly one of 'rasters' or 'areas'")
    if lc["rasters"] is not None:
        rasters = lc["rasters"] if isinstance(lc["rasters"], list) else [lc["rasters"]]
        # a "{year}" pattern names files that may not all exist: checked by the engine
        lc["rasters"] = [
            str(base / r) if "{year}" in str(r) else _resolve(str(r), base, "inputs.landcover.rasters")
            for r in rasters
        ]
    else:
        lc["areas"] = _resolve(str(lc["areas"]), base, "inputs.landcover.areas")
    inp["landcover"] = lc
    _check_values(cfg)
    cfg["_source"] = str(source) if source is not None else None
    return cfg


def _check_values(cfg: dict[str, Any]) -> None:
    """Ranges and choices, checked before the study runs (not after minutes of work)."""
    st = cfg["study"]
    years = range(st["first_year"], st["last_year"] + 1)
    sk = cfg["sinks"]
    for k in ("nep_forest", "nep_grassland"):
        if sk[k] < 0:
            raise ConfigError(f"[sinks] {k} must be a non-negative rate (t per hm2 per year), "
                              f"got {show(sk[k])}")
    fp = cfg["footprint"]
    if isinstance(fp["shares"], list):  # [P_forest, P_grassland], as the demo file documents
        fp["shares"] = {"forest": float(fp["shares"][0]), "grassland": float(fp["shares"][1])}
    for a, b in fp["growth_periods"]:
        if not (a < b and a in years and b in years):
            raise ConfigError(f"[footprint] growth period [{a}, {b}] must be two study years "
                              f"({st['first_year']}-{st['last_year']}), the first earlier")
    if fp["project_cec_to"] is not None and fp["project_cec_to"] <= st["last_year"]:
        raise ConfigError(f"[footprint] project_cec_to = {fp['project_cec_to']} must be after "
                          f"last_year {st['last_year']}")
    rate = fp.get("cec_rate")
    if rate is not None and not (_is_number(rate) and rate > -1):
        raise ConfigError(f"[footprint] cec_rate must be an annual rate as a fraction > -1 "
                          f"(the seed's -0.43 %/a is -0.0043), got {show(rate)}")
    cc = cfg["classify"]
    from ..spatial import classify, weights

    try:
        classify._scheme(cc["scheme"])
    except InputError as exc:
        raise ConfigError(f"[classify] {exc}") from None
    if cc["k"] < 2:
        raise ConfigError(f"[classify] k must be at least 2 classes, got {cc['k']}")
    sp = cfg["spatial"]
    try:
        weights.parse_kind(sp["weights"])
    except InputError as exc:
        raise ConfigError(f"[spatial] weights: {exc}") from None
    if sp["islands"] not in ("knn", "drop") and not str(sp["islands"]).lower().endswith(".csv"):
        raise ConfigError(f"[spatial] islands must be 'knn', 'drop' or a LINKS.csv file, "
                          f"got {show(sp['islands'])}")
    if sp["permutations"] < 0:
        raise ConfigError(f"[spatial] permutations must be >= 0, got {sp['permutations']}")
    if not 0 < sp["alpha"] < 1:
        raise ConfigError(f"[spatial] alpha must be between 0 and 1, got {show(sp['alpha'])}")
    from ..spatial.autocorr import ALTERNATIVES

    if sp["alternative"] not in ALTERNATIVES:
        raise ConfigError(f"[spatial] alternative must be one of {', '.join(ALTERNATIVES)}, "
                          f"got {show(sp['alternative'])}")
    if sp["inference"] not in ("permutation", "analytic"):
        raise ConfigError("[spatial] inference must be 'permutation' or 'analytic', "
                          f"got {show(sp['inference'])}")
    mc = cfg["maps"]
    outside = [y for y in mc["years"] if y not in years]
    if outside:
        raise ConfigError(f"[maps] years {outside} are outside the study years "
                          f"{st['first_year']}-{st['last_year']}; map study years only")
    from ..maps import FORMATS, cjk_font

    if mc["lang"] == "zh":
        cjk_font()  # DependencyError now, not after the study has run
    bad = [f for f in mc["formats"] if f not in FORMATS]
    if bad or not mc["formats"]:
        raise ConfigError(f"[maps] formats must be a non-empty list of {', '.join(FORMATS)}; "
                          f"got {mc['formats']}")
    pairs = cfg["bivariate"]["pairs"]
    if not (isinstance(pairs, list) and all(isinstance(q, list) and len(q) == 2
                                            and all(isinstance(c, str) for c in q) for q in pairs)):
        raise ConfigError("[bivariate] pairs must be a list of [x, y] column pairs, "
                          f'e.g. [["ICF_size", "ICF_depth"]], got {show(pairs)}')
    if cfg["markov"]["k"] < 2:
        raise ConfigError(f"[markov] k must be an integer >= 2, got {cfg['markov']['k']}")
    py = cfg["spatial"]["panel_years"]
    if py not in ([], None) and not (len(py) == 2 and py[0] < py[1]):
        raise ConfigError(f"[spatial] panel_years must be [] or [first, last] with first < last, "
                          f"got {show(py)}")
    if cfg["spatial"]["panel_min_regions"] < 2:
        raise ConfigError("[spatial] panel_min_regions must be an integer >= 2, got "
                          f"{cfg['spatial']['panel_min_regions']}")


def portable(path: str | Path, base: Path | None) -> str:
    """A path as the manifest and report write it: ``bundled:<path in the
    sample data>`` for the bundled files, else relative to ``base`` (the
    configuration file's folder, or the output folder), with ``/``.

    Absolute paths would tie an output folder to one machine; these stay
    valid when the project folder is moved or shared.
    """
    s = str(path)
    if s.startswith("bundled:"):
        return s
    if "|" in s:  # a layer reference FILE|layername=NAME: the file part is the path
        head, opts = s.split("|", 1)
        return portable(head, base) + "|" + opts
    p = Path(s)
    if not p.is_absolute():
        return p.as_posix()
    p = p.resolve()
    roots = [(Path(str(resources.files("spatial_carbon").joinpath("data"))).resolve(), "")]
    try:
        roots.insert(0, (datasets.data_dir().resolve(), ""))
    except Exception:  # no sample data installed: nothing is bundled
        pass
    for root, prefix in roots:
        try:
            return "bundled:" + prefix + p.relative_to(root).as_posix()
        except ValueError:
            continue
    if base is None:
        return p.name
    import os

    return Path(os.path.relpath(p, Path(base).resolve())).as_posix()


def to_jsonable(cfg: dict[str, Any], base: Path | None = None) -> dict[str, Any]:
    """The resolved configuration with paths as strings (for the manifest).

    With ``base`` (the configuration file's folder), paths are written by
    :func:`portable`: ``bundled:...`` or relative to ``base``.
    """

    def conv(v):
        if isinstance(v, Path):
            return str(v) if base is None else portable(v, base)
        if isinstance(v, str) and base is not None and Path(v).is_absolute():
            return portable(v, base)
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [conv(x) for x in v]
        return v

    return conv(cfg)
