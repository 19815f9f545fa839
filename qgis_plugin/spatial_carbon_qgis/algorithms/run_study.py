"""A whole study from a configuration file (study.toml), e.g. the seed-001 demo."""

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_STUDY


class RunStudy(SpatialCarbonAlgorithm):
    CONFIG = "CONFIG"
    MAPS = "MAPS"
    REPORT = "REPORT"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    STUDY_LAYER = "STUDY_LAYER"

    NAME = "run_study"
    DISPLAY = "Run a whole study (study.toml)"
    GROUP, GROUP_ID = GROUP_STUDY
    STEP = "study"
    ICON = "study.svg"
    HELP = (
        "<p>Runs every step of a study from one configuration file, as "
        "<code>spatial-carbon run study.toml --out DIR</code>: industrial CO<sub>2</sub> "
        "(CEADs or fuel use), land-cover class areas and carbon sinks, the three-dimensional "
        "footprint with per-capita values and trends, quadrant zones, natural breaks, "
        "global Moran, LISA and LISA transitions. Writes the tables (CSV), study.gpkg (one "
        "feature per region and year with every indicator, class, zone and LISA cluster), "
        "figures, report.html and manifest.json (inputs with SHA-256, parameters, versions). "
        "Without a configuration it runs the bundled seed-001 demo (China's provinces, "
        "1997-2019).</p>"
        "<p>Core: <code>spatial_carbon.study.run_file</code>; the configuration keys are "
        "documented in spatial_carbon/data/demo_study.toml.</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFile(self.CONFIG, "Study configuration", extension="toml",
                                            optional=True),
                 "study.toml; empty: the bundled seed-001 demo study.")
        self.add(QgsProcessingParameterBoolean(self.MAPS, "Draw the figures", defaultValue=True),
                 "Also draw the maps and charts (PNG) of the study.", advanced=True)
        self.add(QgsProcessingParameterBoolean(self.REPORT, "Write report.html",
                                               defaultValue=True),
                 "Also write the HTML report.", advanced=True)
        self.add(QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, "Output folder"),
                 "Folder for the tables, study.gpkg, figures, report and manifest (replaced "
                 "atomically when it exists).")
        self.addOutput(QgsProcessingOutputVectorLayer(self.STUDY_LAYER, "Study layer"))

    def prepare(self, parameters, context, feedback):
        inputs = {"config": self.parameterAsFile(parameters, self.CONFIG, context) or None}
        params = {"maps": self.parameterAsBool(parameters, self.MAPS, context),
                  "report": self.parameterAsBool(parameters, self.REPORT, context)}
        outputs = {self.OUTPUT_FOLDER: self.parameterAsFileOutput(parameters, self.OUTPUT_FOLDER,
                                                                  context)}
        return inputs, params, outputs

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        result = super().processAlgorithm(parameters, context, feedback)
        layer = result[self.STUDY_LAYER]
        if context.project() is not None:
            context.addLayerToLoadOnCompletion(layer, QgsProcessingContext.LayerDetails(
                "Study (region-years)", context.project(), self.STUDY_LAYER))
            self.style_on_load(layer, None, context)  # study.gpkg's own default style
        return result
