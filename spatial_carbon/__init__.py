"""spatial_carbon: regional carbon analysis for China, done right and reproducibly.

The package's folders follow a study's data flow::

    inventory/    fuel use or CEADs -> emissions (ICE); population
    landcover/    land-cover rasters -> class areas per zone and year
    footprint/    class areas -> sinks (CS) -> ICF, CEC, size, depth -> zones
    spatial/      weights -> Moran, LISA, transitions; natural breaks
    inputoutput/  input-output tables -> embodied carbon, transfers, LMDI
    maps/, styles, report   figures, QGIS styles, the HTML report
    study/        a whole study from a configuration
    cli/, qgis_worker       front ends (no science)

Computation modules (pure: frames in, frames out) are imported on demand:

>>> from spatial_carbon.footprint import sinks, zones   # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import SpatialCarbonError  # noqa: E402,F401

# Module paths before the subpackages (0.1): still importable, with a
# DeprecationWarning naming the new path.
_MOVED = {
    "ceads": "spatial_carbon.inventory.ceads",
    "population": "spatial_carbon.inventory.population",
    "sinks": "spatial_carbon.footprint.sinks",
    "zones": "spatial_carbon.footprint.zones",
    "classify": "spatial_carbon.spatial.classify",
    "weights": "spatial_carbon.spatial.weights",
    "autocorr": "spatial_carbon.spatial.autocorr",
    "transitions": "spatial_carbon.spatial.transitions",
    "config": "spatial_carbon.study.config",
    "io": "spatial_carbon.inputoutput",
}


def _moved(name: str):
    import importlib
    import warnings

    new = _MOVED[name]
    warnings.warn(f"spatial_carbon.{name} moved to {new}; import it from there",
                  DeprecationWarning, stacklevel=3)
    return importlib.import_module(new)


def __getattr__(name: str):
    if name in _MOVED:
        return _moved(name)
    raise AttributeError(f"module 'spatial_carbon' has no attribute {name!r}")


class _MovedFinder:
    """Resolves ``import spatial_carbon.<old>[.sub]`` to the module's new home."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):
        parts = fullname.split(".")
        if len(parts) < 2 or parts[0] != __name__ or parts[1] not in _MOVED:
            return None
        # imported only here, after the name check: this finder is first on
        # sys.meta_path, so importing importlib.util before it would recurse
        # where nothing loaded it at start-up (python -I in a bare venv)
        import importlib.util

        new = ".".join([_MOVED[parts[1]]] + parts[2:])
        return importlib.util.spec_from_loader(fullname, _AliasLoader(new, parts[1]))


class _AliasLoader:
    # exec_module puts the real module in sys.modules, which the import system
    # then returns; the placeholder made by create_module is discarded, so the
    # real module's __spec__ is never touched.
    def __init__(self, new: str, old: str):
        self.new, self.old = new, old

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        import importlib
        import sys

        real = _moved(self.old) if module.__name__.count(".") == 1 else importlib.import_module(self.new)
        sys.modules[module.__name__] = real


def _install_finder() -> None:
    import sys

    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        # first: the path finder would load a submodule of an aliased package
        # (spatial_carbon.io.iomath) a second time under the old name
        sys.meta_path.insert(0, _MovedFinder())


_install_finder()
