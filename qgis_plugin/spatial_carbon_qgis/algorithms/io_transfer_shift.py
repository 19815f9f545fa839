"""Two-period interregional industrial and carbon transfer and leakage (flow map)."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterVectorDestination,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_IO


class IoTransferShift(SpatialCarbonAlgorithm):
    TABLE0 = "TABLE0"
    TABLE1 = "TABLE1"
    COEFFICIENTS = "COEFFICIENTS"
    EXPORTS = "EXPORTS"
    FINAL_DEMAND = "FINAL_DEMAND"
    IMPORTS = "IMPORTS"
    FINAL_DEMANDS = ["consumption", "all"]
    IMPORT_TREATMENTS = ["non_competitive", "competitive"]
    BOUNDARIES = "BOUNDARIES"
    BOUNDARY_ID = "BOUNDARY_ID"
    OUTPUT = "OUTPUT"
    OUTPUT_REGIONS = "OUTPUT_REGIONS"
    OUTPUT_FLOWS = "OUTPUT_FLOWS"

    NAME = "io_transfer_shift"
    DISPLAY = "Interregional carbon transfer between two periods"
    GROUP, GROUP_ID = GROUP_IO
    STEP = "io_transfer_shift"
    ICON = "io.svg"
    HELP = (
        "<p>With L<sub>t</sub> = (I - A<sub>t</sub>)<sup>-1</sup> of two interregional IO "
        "tables (same constant prices), the output of region r induced by the final demand "
        "and exports of region s, X<sup>rs</sup><sub>t</sub>; industrial transfer from s to "
        "r &Delta;X<sup>rs</sup> = X<sup>rs</sup><sub>t1</sub> - X<sup>rs</sup><sub>t0</sub>, "
        "carbon transfer &Delta;C<sup>rs</sup><sub>i</sub> = S<sub>r,i</sub> &Delta;X<sup>rs"
        "</sup><sub>i</sub> with carbon coefficients S, net transfers per pair and region, "
        "and carbon leakage &Sigma;<sub>i</sub> &Delta;X<sup>rs</sup><sub>i</sub> "
        "(S<sub>r,i</sub> - S<sub>s,i</sub>). With boundaries, the net carbon flows become a "
        "line layer graduated by width (natural breaks).</p>"
        "<p>Defaults follow seed 003: Y = final consumption (household + government; 'all' "
        "adds capital formation), imports removed from the intermediate and final blocks "
        "(non-competitive), and the seed's Table 2 coefficients (2007, t CO2 per 10^4 yuan) "
        "when no coefficients file is given.</p>"
        "<p>Core: <code>spatial_carbon.inputoutput.transfer.transfer_from_tables</code> (docs/io.md), "
        "flow lines <code>spatial_carbon.maps.flow_lines</code>.</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFile(self.TABLE0, "IO table, period 0",
                                            fileFilter="Tables (*.csv *.xlsx)"),
                 "Interregional IO table of the first period (CSV or xlsx; two header rows "
                 "region/item, two label columns region/sector; docs/io.md).")
        self.add(QgsProcessingParameterFile(self.TABLE1, "IO table, period 1",
                                            fileFilter="Tables (*.csv *.xlsx)"),
                 "Table of the second period, same regions, sectors and constant prices.")
        self.add(QgsProcessingParameterFeatureSource(
            self.COEFFICIENTS, "Carbon coefficients", [QgsProcessing.TypeVector], optional=True),
                 "CSV region, sector, coefficient (t CO2 per monetary unit of the tables), "
                 "applied to both periods. Empty: seed 003's Table 2 (8 regions x 17 sectors, "
                 "2007, t CO2 per 10^4 yuan).")
        self.add(QgsProcessingParameterEnum(self.FINAL_DEMAND, "Final demand",
                                            options=self.FINAL_DEMANDS, defaultValue=0),
                 "consumption (default, the seed's eq. 1): rural + urban household and "
                 "government consumption; all: every final-demand category incl. capital "
                 "formation.")
        self.add(QgsProcessingParameterEnum(self.IMPORTS, "Imports",
                                            options=self.IMPORT_TREATMENTS, defaultValue=0),
                 "non_competitive (default, the seed's model): imports removed from the "
                 "intermediate and final blocks in proportion; competitive: the table as given.",
                 advanced=True)
        self.add(QgsProcessingParameterBoolean(self.EXPORTS, "Include export-driven transfer",
                                               defaultValue=True),
                 "Count output induced by foreign exports as well as by final demand.",
                 advanced=True)
        self.add(QgsProcessingParameterFeatureSource(
            self.BOUNDARIES, "Boundaries (for a flow map)", [QgsProcessing.TypeVectorPolygon],
            optional=True),
            "Optional region polygons; gives the net carbon flows as lines between them.")
        self.add(QgsProcessingParameterField(
            self.BOUNDARY_ID, "Region field of the boundaries",
            parentLayerParameterName=self.BOUNDARIES, defaultValue="region", optional=True),
            "Field whose values are the region labels of the IO tables.")
        self.add(QgsProcessingParameterFeatureSink(self.OUTPUT, "Transfer by region pair", QgsProcessing.TypeVector),
                 "CSV one row per ordered region pair: output and carbon transfer, leakage.")
        self.add(QgsProcessingParameterFeatureSink(
            self.OUTPUT_REGIONS, "Transfer by region", QgsProcessing.TypeVector, optional=True,
            createByDefault=False),
            "Optional CSV per region: inflow, outflow, net transfer.")
        self.add(QgsProcessingParameterVectorDestination(
            self.OUTPUT_FLOWS, "Net carbon flows", QgsProcessing.TypeVectorLine, optional=True,
            createByDefault=False),
            "GeoPackage of net carbon flow lines (needs Boundaries), styled by width.")

    def prepare(self, parameters, context, feedback):
        inputs = {"table0": self.parameterAsFile(parameters, self.TABLE0, context),
                  "table1": self.parameterAsFile(parameters, self.TABLE1, context),
                  "coefficients": self.table_input(parameters, self.COEFFICIENTS, context,
                                                   feedback)}
        params = {"exports": self.parameterAsBool(parameters, self.EXPORTS, context),
                  "final_demand": self.FINAL_DEMANDS[
                      self.parameterAsEnum(parameters, self.FINAL_DEMAND, context)],
                  "imports": self.IMPORT_TREATMENTS[
                      self.parameterAsEnum(parameters, self.IMPORTS, context)]}
        outputs = {self.OUTPUT: self.table_output(parameters, self.OUTPUT, context)}
        regions = self.table_output(parameters, self.OUTPUT_REGIONS, context)
        if regions:
            outputs[self.OUTPUT_REGIONS] = regions
        if parameters.get(self.BOUNDARIES) not in (None, ""):
            inputs["boundaries"] = self.source_path(parameters, self.BOUNDARIES, context,
                                                    feedback)
            fields = self.parameterAsFields(parameters, self.BOUNDARY_ID, context)
            params["boundary_id"] = fields[0] if fields else "region"
            if self.parameterAsOutputLayer(parameters, self.OUTPUT_FLOWS, context):
                outputs[self.OUTPUT_FLOWS] = self.vector_output(self, parameters,
                                                                self.OUTPUT_FLOWS, context)
        return inputs, params, outputs
