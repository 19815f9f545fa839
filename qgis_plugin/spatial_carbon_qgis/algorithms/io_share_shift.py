"""Carbon transfer implied by shifts in provinces' shares of national output."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_IO


class IoShareShift(SpatialCarbonAlgorithm):
    TABLE = "TABLE"
    YEAR0 = "YEAR0"
    YEAR1 = "YEAR1"
    SECTORS = "SECTORS"
    OUTPUT = "OUTPUT"

    NAME = "io_share_shift"
    DISPLAY = "Carbon transfer from output-share shifts"
    GROUP, GROUP_ID = GROUP_IO
    STEP = "io_share_shift"
    ICON = "io.svg"
    HELP = (
        "<p>Industrial relocation measured by the change of each province's share of "
        "national output of (energy-intensive) sectors: s<sub>ri</sub> = Q<sub>ri</sub> / "
        "&Sigma;<sub>r</sub> Q<sub>ri</sub>, output transfer &Delta;Q<sub>ri</sub> = "
        "(s<sup>1</sup><sub>ri</sub> - s<sup>0</sup><sub>ri</sub>) Q<sup>1</sup><sub>i</sub> "
        "and carbon transfer &Delta;C<sub>ri</sub> = &Delta;Q<sub>ri</sub> I<sub>ri</sub> with "
        "the region's final-year intensity; positive = received. The sum over regions is "
        "the national emission change caused by relocation alone.</p>"
        "<p>Core: <code>spatial_carbon.inputoutput.lmdi.share_shift_transfer</code> (docs/io.md).</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(self.TABLE, "Output and emissions table", [QgsProcessing.TypeVector]),
                 "Long CSV region, sector, year, output, emissions covering every province.")
        self.add(QgsProcessingParameterNumber(self.YEAR0, "Base year",
                                              QgsProcessingParameterNumber.Integer,
                                              defaultValue=2000),
                 "Base year of the share comparison.")
        self.add(QgsProcessingParameterNumber(self.YEAR1, "Final year",
                                              QgsProcessingParameterNumber.Integer,
                                              defaultValue=2010),
                 "Final year; its output and intensities value the shift.")
        self.add(QgsProcessingParameterString(self.SECTORS, "Energy-intensive sectors",
                                              optional=True),
                 "Comma-separated sector names; empty: every sector of the table.")
        self.add(QgsProcessingParameterFeatureSink(self.OUTPUT, "Share-shift transfer", QgsProcessing.TypeVector),
                 "CSV per region: share0, share1, output_transfer, carbon_transfer.")

    def prepare(self, parameters, context, feedback):
        inputs = {"table": self.table_input(parameters, self.TABLE, context, feedback)}
        params = {"year0": self.parameterAsInt(parameters, self.YEAR0, context),
                  "year1": self.parameterAsInt(parameters, self.YEAR1, context),
                  "sectors": self.parameterAsString(parameters, self.SECTORS, context)}
        outputs = {self.OUTPUT: self.table_output(parameters, self.OUTPUT, context)}
        return inputs, params, outputs
