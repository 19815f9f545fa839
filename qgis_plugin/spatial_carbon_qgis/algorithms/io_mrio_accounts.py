"""Production- and consumption-based emissions of an MRIO (pymrio folder)."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_IO


class IoMrioAccounts(SpatialCarbonAlgorithm):
    DIRECTORY = "DIRECTORY"
    EXTENSION = "EXTENSION"
    STRESSOR = "STRESSOR"
    METHOD = "METHOD"
    SOLVER = "SOLVER"
    OUTPUT = "OUTPUT"
    OUTPUT_FLOWS = "OUTPUT_FLOWS"

    METHODS = ["mrio", "beet"]
    SOLVERS = ["auto", "lu", "splu", "iterative"]

    NAME = "io_mrio_accounts"
    DISPLAY = "MRIO emission accounts and embodied flows"
    GROUP, GROUP_ID = GROUP_IO
    STEP = "io_mrio_accounts"
    ICON = "io.svg"
    HELP = (
        "<p>Production-based (territorial) and consumption-based (footprint) emissions of "
        "every region of a multi-regional input-output system, F = s (I - A)<sup>-1</sup> Y "
        "(Miller &amp; Blair 2009, ch. 8), and the region-to-region embodied flows (full "
        "MRIO attribution or bilateral trade, BEET). The system is a folder written by "
        "pymrio's <code>IOSystem.save_all</code> (EXIOBASE, WIOD, OECD, Eora, ... parsed with "
        "pymrio); results are checked against pymrio in spatial_carbon's tests.</p>"
        "<p>Core: <code>spatial_carbon.inputoutput.calc_accounts</code>, <code>embodied_flows</code> "
        "(docs/io.md).</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFile(self.DIRECTORY, "MRIO folder (pymrio)",
                                            behavior=QgsProcessingParameterFile.Folder),
                 "Folder written by pymrio's IOSystem.save_all.")
        self.add(QgsProcessingParameterString(self.EXTENSION, "Extension",
                                              defaultValue="emissions"),
                 "Satellite account holding the emissions (e.g. emissions, air_emissions).")
        self.add(QgsProcessingParameterString(self.STRESSOR, "Stressor", defaultValue="CO2"),
                 "Row of the extension (e.g. CO2).")
        self.add(QgsProcessingParameterEnum(self.METHOD, "Flow attribution",
                                            options=self.METHODS, defaultValue=0),
                 "mrio: full MRIO attribution; beet: bilateral trade (BEET).", advanced=True)
        self.add(QgsProcessingParameterEnum(self.SOLVER, "Leontief solver",
                                            options=self.SOLVERS, defaultValue=0),
                 "auto picks an iterative solver (GMRES) for large tables.", advanced=True)
        self.add(QgsProcessingParameterFeatureSink(self.OUTPUT, "Emission accounts", QgsProcessing.TypeVector),
                 "CSV region, production_based, consumption_based, ...")
        self.add(QgsProcessingParameterFeatureSink(
            self.OUTPUT_FLOWS, "Embodied flows", QgsProcessing.TypeVector, optional=True,
            createByDefault=False),
            "Optional CSV origin, destination, value (producing -> consuming region).")

    def prepare(self, parameters, context, feedback):
        inputs = {"directory": self.parameterAsFile(parameters, self.DIRECTORY, context)}
        params = {"extension": self.parameterAsString(parameters, self.EXTENSION, context),
                  "stressor": self.parameterAsString(parameters, self.STRESSOR, context),
                  "method": self.METHODS[self.parameterAsEnum(parameters, self.METHOD, context)],
                  "solver": self.SOLVERS[self.parameterAsEnum(parameters, self.SOLVER, context)]}
        outputs = {self.OUTPUT: self.table_output(parameters, self.OUTPUT, context)}
        flows = self.table_output(parameters, self.OUTPUT_FLOWS, context)
        if flows:
            outputs[self.OUTPUT_FLOWS] = flows
        return inputs, params, outputs
