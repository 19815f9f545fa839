"""Build ``spatial_carbon_qgis/models/seed001_study.model3`` with the Processing API.

Run with QGIS's Python (Debian: ``QT_QPA_PLATFORM=offscreen /usr/bin/python3
qgis_plugin/make_model.py``).  The model chains the seed-001 study for one
year: CEADs industrial CO2 -> land-cover class areas -> carbon sinks ->
three-dimensional footprint (map layer) -> quadrant zones, natural breaks of
ICF, global Moran's I and LISA of footprint size.  Writing it from code keeps
the .model3 consistent with the tools' parameter names (a test rebuilds it
and compares).
"""

import contextlib
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_HASH_SEED", "0")  # stable attribute order in the XML

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(HERE, "spatial_carbon_qgis", "models", "seed001_study.model3")


def _version():
    """spatial_carbon's version (its one place: spatial_carbon/__init__.py)."""
    import re

    init = os.path.join(os.path.dirname(HERE), "spatial_carbon", "__init__.py")
    with open(init, encoding="utf-8") as f:
        return re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)


VERSION = _version()


def build():
    from qgis.core import (
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource as Src,
        QgsProcessingModelOutput,
        QgsProcessingModelParameter,
        QgsProcessingParameterFeatureSource,
        QgsProcessingParameterFile,
        QgsProcessingParameterNumber,
        QgsProcessingParameterEnum,
        QgsProcessingParameterRasterLayer,
        QgsProcessing,
    )
    from qgis.PyQt.QtCore import QPointF

    # (name, group, groupId): shown as "Seed-001 study for one year" in the
    # whole-study group; the provider gives it the id spatial_carbon:seed001_study
    # (the file's stem, provider.ProviderModel).
    m = QgsProcessingModelAlgorithm(
        "Seed-001 study for one year", "6 - Whole study", "study")
    m.setHelpContent({
        "ALG_DESC": "The seed-001 three-dimensional industrial carbon footprint study of "
                    "China's provinces for one year, tool by tool: CEADs industrial CO2, "
                    "land-cover class areas and carbon sinks, footprint, quadrant zones, "
                    "natural breaks of ICF, global Moran's I and LISA of footprint size "
                    "(queen weights, Hainan linked to its nearest province; permutations, "
                    "seed and p-value convention are the tools' defaults, those of "
                    "spatial_carbon.defaults). 'Run a whole study' runs every year at once.",
        "ALG_CREATOR": "spatial_carbon", "ALG_VERSION": VERSION})

    def param(p, x, y, help_text):
        p.setHelp(help_text)
        mp = QgsProcessingModelParameter(p.name())
        mp.setPosition(QPointF(x, y))
        m.addModelParameter(p, mp)  # takes ownership of p

    param(QgsProcessingParameterFile("CEADS", "CEADs workbooks folder",
                                     behavior=QgsProcessingParameterFile.Folder),
          120, 60, "Folder of Emission_Inventories_for_30_Provinces_YYYY.xlsx (data/ceads/provinces).")
    param(QgsProcessingParameterNumber("YEAR", "Year", QgsProcessingParameterNumber.Integer,
                                       defaultValue=2019, minValue=1997, maxValue=2100),
          320, 60, "Study year (CEADs and the land-cover raster must cover it).")
    param(QgsProcessingParameterRasterLayer("LANDCOVER", "Land-cover raster"), 520, 60,
          "Land-cover raster of that year (bundled: MCD12C1_2019_IGBP_china_clip_0p05deg.tif).")
    param(QgsProcessingParameterEnum("LEGEND", "Land-cover legend",
                                     options=["clcd", "modis_igbp", "esa_worldcover",
                                              "globeland30"], defaultValue=1),
          720, 60, "Legend of the raster (modis_igbp for the bundled sample, clcd for CLCD 30 m).")
    param(QgsProcessingParameterFeatureSource("BOUNDARIES", "Province boundaries",
                                              [QgsProcessing.TypeVectorPolygon]),
          920, 60, "Provinces with a region_code field (data/boundaries/china_admin.gpkg).")
    param(QgsProcessingParameterFile("POPULATION", "Population table", extension="csv"),
          1120, 60, "Yearbook population CSV (data/population/...).")

    def child(cid, alg, x, y, sources, desc):
        c = QgsProcessingModelChildAlgorithm("spatial_carbon:" + alg)
        c.setChildId(cid)
        c.setDescription(desc)
        c.setPosition(QPointF(x, y))
        for name, src in sources.items():
            c.addParameterSources(name, [src])
        return c

    def out(child_alg, child_output, name, desc):
        o = QgsProcessingModelOutput(name, desc)
        o.setChildId(child_alg.childId())
        o.setChildOutputName(child_output)
        o.setDescription(desc)
        outs = child_alg.modelOutputs()
        outs[name] = o
        child_alg.setModelOutputs(outs)

    ice = child("ice", "ceads_import", 120, 200, {
        "FOLDER": Src.fromModelParameter("CEADS"),
        "FIRST_YEAR": Src.fromModelParameter("YEAR"),
        "LAST_YEAR": Src.fromModelParameter("YEAR"),
        "SECTORS": Src.fromStaticValue(0),
        "INCLUDE_PROCESS": Src.fromStaticValue(True),
    }, "Industrial CO2 (CEADs)")
    areas = child("areas", "class_areas", 620, 200, {
        "RASTERS": Src.fromModelParameter("LANDCOVER"),
        "YEARS": Src.fromExpression("to_string(@YEAR)"),
        "ZONES": Src.fromModelParameter("BOUNDARIES"),
        "ZONE_FIELD": Src.fromStaticValue("region_code"),
        "LEGEND": Src.fromModelParameter("LEGEND"),
        "PIXEL_RULE": Src.fromStaticValue(0),
        "WORKERS": Src.fromStaticValue(0),
    }, "Land-cover class areas")
    sinks = child("sinks", "carbon_sinks", 620, 320, {
        "AREAS": Src.fromChildOutput("areas", "OUTPUT"),
    }, "Carbon sinks")
    fp = child("footprint", "footprint", 370, 440, {
        "ICE": Src.fromChildOutput("ice", "OUTPUT"),
        "SINKS": Src.fromChildOutput("sinks", "OUTPUT"),
        "POPULATION": Src.fromModelParameter("POPULATION"),
        "SHARES": Src.fromStaticValue(0),
        "BASIS": Src.fromStaticValue(0),
        "BOUNDARIES": Src.fromModelParameter("BOUNDARIES"),
        "BOUNDARY_ID": Src.fromStaticValue("region_code"),
    }, "Three-dimensional footprint")
    out(fp, "OUTPUT_LAYER", "footprint", "Footprint layer")
    out(fp, "OUTPUT", "footprint_table", "Footprint table")
    fp_layer = Src.fromChildOutput("footprint", "OUTPUT_LAYER")
    zones = child("zones", "quadrant_zones", 120, 580, {
        "INPUT": fp_layer, "SIZE_FIELD": Src.fromStaticValue("ICF_size"),
        "DEPTH_FIELD": Src.fromStaticValue("ICF_depth"),
        "YEAR_FIELD": Src.fromStaticValue("year"),
    }, "Quadrant zones")
    out(zones, "OUTPUT", "zones", "Quadrant zones")
    breaks = child("breaks", "natural_breaks", 370, 580, {
        "INPUT": fp_layer, "FIELD": Src.fromStaticValue("ICF"), "K": Src.fromStaticValue(5),
        "YEAR_FIELD": Src.fromStaticValue("year"), "SCHEME": Src.fromStaticValue(0),
    }, "Natural breaks of ICF")
    out(breaks, "OUTPUT", "icf_classes", "ICF natural breaks")
    # Permutations, seed and alternative are left to the tools' defaults (the
    # core's, spatial_carbon.defaults), so the model follows them.
    spatial = {"WEIGHTS": Src.fromStaticValue(0), "ISLANDS": Src.fromStaticValue(0),
               "K": Src.fromStaticValue(4),
               "ID_FIELD": Src.fromStaticValue("region_code"),
               "YEAR_FIELD": Src.fromStaticValue("year")}
    moran = child("moran", "global_moran", 620, 580, {
        "INPUT": fp_layer, "FIELDS": Src.fromStaticValue(["ICF_size", "ICF_depth"]), **spatial,
    }, "Global Moran's I")
    out(moran, "OUTPUT", "moran", "Global Moran's I")
    lisa = child("lisa", "lisa", 870, 580, {
        "INPUT": fp_layer, "FIELD": Src.fromStaticValue("ICF_size"),
        "ALPHA": Src.fromStaticValue(0.05), "CLUSTER_ON": Src.fromStaticValue(0), **spatial,
    }, "LISA of footprint size")
    out(lisa, "OUTPUT", "lisa", "LISA clusters of ICF size")
    for c in (ice, areas, sinks, fp, zones, breaks, moran, lisa):
        m.addChildAlgorithm(c)
    m.updateDestinationParameters()
    return m


@contextlib.contextmanager
def plugin_session():
    """A headless QGIS with Processing and this plugin's provider loaded;
    yields the provider (also used by update_translations.py)."""
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    sys.path.insert(0, "/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    sys.path.insert(0, HERE)
    import spatial_carbon_qgis

    plugin = spatial_carbon_qgis.classFactory(None)
    plugin.initProcessing()
    try:
        yield QgsApplication.processingRegistry().providerById("spatial_carbon")
    finally:
        plugin.unload()
        app.exitQgis()


def main(target=TARGET):
    with plugin_session():
        m = build()
        os.makedirs(os.path.dirname(target), exist_ok=True)
        ok = m.toFile(target)
    print(target if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
