"""The package layout: subpackages follow the data flow; the 0.1 module paths still import."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

OLD_TO_NEW = {
    "spatial_carbon.ceads": "spatial_carbon.inventory.ceads",
    "spatial_carbon.population": "spatial_carbon.inventory.population",
    "spatial_carbon.sinks": "spatial_carbon.footprint.sinks",
    "spatial_carbon.zones": "spatial_carbon.footprint.zones",
    "spatial_carbon.classify": "spatial_carbon.spatial.classify",
    "spatial_carbon.weights": "spatial_carbon.spatial.weights",
    "spatial_carbon.autocorr": "spatial_carbon.spatial.autocorr",
    "spatial_carbon.transitions": "spatial_carbon.spatial.transitions",
    "spatial_carbon.config": "spatial_carbon.study.config",
    "spatial_carbon.io": "spatial_carbon.inputoutput",
    "spatial_carbon.io.iomath": "spatial_carbon.inputoutput.iomath",
}


@pytest.mark.parametrize("old,new", sorted(OLD_TO_NEW.items()), ids=sorted(OLD_TO_NEW))
def test_old_module_paths_import_with_a_deprecation_warning(old, new):
    # a fresh interpreter: the alias must work for `import a.b` and `from a import b`
    code = (
        "import importlib, sys, warnings\n"
        "warnings.simplefilter('error', DeprecationWarning)\n"
        f"try:\n    importlib.import_module({old!r})\n"
        "except DeprecationWarning as e:\n    print('warned:', e)\n"
        "warnings.simplefilter('ignore', DeprecationWarning)\n"
        f"m = importlib.import_module({old!r})\n"
        f"print(m is importlib.import_module({new!r}), m.__name__, m.__spec__.name)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    top = ".".join(old.split(".")[:2])
    assert lines[0].startswith("warned:") and f"moved to {OLD_TO_NEW[top]}" in lines[0]
    # the very module object, its own name and spec untouched
    assert lines[1] == f"True {new} {new}"


def test_facades_keep_the_0_1_functions():
    from spatial_carbon import footprint, inventory, study
    from spatial_carbon.footprint import indicators
    from spatial_carbon.inventory import fuel
    from spatial_carbon.study import pipeline

    assert footprint.compute is indicators.compute
    assert inventory.emissions is fuel.emissions
    assert study.run_file is pipeline.run_file


def test_unknown_attribute_is_an_attribute_error():
    import spatial_carbon

    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        spatial_carbon.nonexistent  # noqa: B018


def test_subpackages_list_the_data_flow():
    pkg = importlib.import_module("spatial_carbon")
    for sub in ("inventory/", "landcover/", "footprint/", "spatial/", "inputoutput/", "study/"):
        assert sub in pkg.__doc__


def test_the_alias_finder_works_where_nothing_loaded_importlib_util(tmp_path):
    """`python -I` in a bare venv (a wheel install, the QGIS worker) starts without
    importlib.util; the finder of the old paths is first on sys.meta_path and used to
    import it inside find_spec, which recursed for every later import
    (RecursionError on `import spatial_carbon` then anything)."""
    from pathlib import Path

    repo = str(Path(__file__).resolve().parents[1])
    code = ("import sys\n"
            "assert 'importlib.util' not in sys.modules\n"  # -S: no site, no .pth imports
            f"sys.path.insert(0, {repo!r})\n"
            "import spatial_carbon, json, email.utils\n"
            "import spatial_carbon.errors\n"
            "print('ok')\n")
    r = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                       cwd=tmp_path, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-1500:]
