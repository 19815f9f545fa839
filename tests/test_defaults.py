"""One set of defaults for every front end: API, CLI, study config and QGIS give the same numbers."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from spatial_carbon import defaults
from spatial_carbon.cli import main
from spatial_carbon.spatial import autocorr
from spatial_carbon.study import config

COMMON = (Path(__file__).resolve().parent.parent / "qgis_plugin" / "spatial_carbon_qgis"
          / "algorithms" / "_common.py")


def test_api_defaults():
    for fn in (autocorr.global_moran, autocorr.local_moran):
        sig = inspect.signature(fn).parameters
        assert sig["seed"].default == defaults.SEED
        assert sig["permutations"].default == defaults.PERMUTATIONS
        assert sig["alternative"].default == defaults.ALTERNATIVE
    assert inspect.signature(autocorr.local_moran).parameters["alpha"].default == defaults.ALPHA


def test_cli_defaults():
    for name in ("moran", "lisa"):
        opts = {p.name: p.default for p in main.commands[name].params}
        assert opts["seed"] == defaults.SEED
        assert opts["permutations"] == defaults.PERMUTATIONS
        assert opts["alternative"] == defaults.ALTERNATIVE


def test_config_defaults():
    sp = config.SCHEMA["spatial"]
    assert (sp["seed"], sp["permutations"], sp["alpha"], sp["alternative"]) == (
        defaults.SEED, defaults.PERMUTATIONS, defaults.ALPHA, defaults.ALTERNATIVE)


def test_default_is_geoda_folded():
    # GeoDa, esda and ArcGIS report the folded pseudo p-value (issue 12)
    assert defaults.ALTERNATIVE == "folded"


def test_qgis_plugin_copies_agree():
    # the plugin cannot import spatial_carbon: read its constants from the source
    values = {}
    for node in ast.parse(COMMON.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id.startswith("DEFAULT_"):
                values[node.targets[0].id] = ast.literal_eval(node.value)
    assert values == {"DEFAULT_SEED": defaults.SEED, "DEFAULT_PERMUTATIONS": defaults.PERMUTATIONS,
                      "DEFAULT_ALTERNATIVE": defaults.ALTERNATIVE}


def test_qgis_trade_carbon_choices_are_the_cores():
    # io_trade_carbon lists the core's bundled concordances and groupings by name
    from spatial_carbon import regions
    from spatial_carbon.inputoutput.concordance import concordance_names

    src = COMMON.parent / "io_trade_carbon.py"
    values = {}
    for node in ast.walk(ast.parse(src.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in ("CONCORDANCES", "CONCORDANCE_LABELS", "REGION_GROUPINGS",
                                      "SECTOR_GROUPINGS", "TREATMENTS"):
                values[node.targets[0].id] = ast.literal_eval(node.value)
    assert values["CONCORDANCES"][0] == "" and set(values["CONCORDANCES"][1:]) <= set(concordance_names())
    assert len(values["CONCORDANCE_LABELS"]) == len(values["CONCORDANCES"])
    assert all(lab.startswith(c) for c, lab in zip(values["CONCORDANCES"][1:],
                                                   values["CONCORDANCE_LABELS"][1:]))
    assert values["REGION_GROUPINGS"][0] == "seed002_8"  # the seed's 8 regions first (default)
    assert set(values["REGION_GROUPINGS"]) == set(regions.grouping_schemes())
    assert values["SECTOR_GROUPINGS"][0] == "seed002_30_6"
    assert set(values["SECTOR_GROUPINGS"]) <= set(concordance_names())
    from spatial_carbon.inputoutput.provincial import TREATMENTS

    assert tuple(values["TREATMENTS"]) == TREATMENTS
