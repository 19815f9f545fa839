"""Package layout that pyproject.toml cannot express: folders outside ``spatial_carbon/``.

The wheel (and so ``pip install spatial-carbon``) carries, besides the
``spatial_carbon`` package itself,

* ``data/`` (the bundled sample data) as ``spatial_carbon/sample_data/``,
  found by ``spatial_carbon.datasets``;
* ``qgis_plugin/`` (the QGIS plugin sources) as ``spatial_carbon/qgis_plugin/``,
  from which ``spatial-carbon qgis-plugin-zip`` builds the plugin;
* ``docs/`` as ``spatial_carbon/docs/`` (the manual, also the plugin's help).

Everything else is declared in pyproject.toml.
"""

from setuptools import find_packages, setup

MAPPED = {"spatial_carbon.sample_data": "data", "spatial_carbon.qgis_plugin": "qgis_plugin",
          "spatial_carbon.docs": "docs"}
PLUGIN = ["spatial_carbon.qgis_plugin." + p
          for p in find_packages("qgis_plugin", include=["spatial_carbon_qgis*"])]

setup(
    packages=find_packages(include=["spatial_carbon", "spatial_carbon.*"]) + sorted(MAPPED)
    + PLUGIN,
    package_dir=MAPPED,
)
