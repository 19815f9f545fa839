"""Footprint trends: average annual growth rates and a linear CEC projection."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_FOOTPRINT


class FootprintTrends(SpatialCarbonAlgorithm):
    INPUT = "INPUT"
    PERIODS = "PERIODS"
    NATIONAL = "NATIONAL"
    PROJECT_TO = "PROJECT_TO"
    PROJECT_COLUMN = "PROJECT_COLUMN"
    OUTPUT = "OUTPUT"
    OUTPUT_PROJECTION = "OUTPUT_PROJECTION"

    NAME = "footprint_trends"
    DISPLAY = "Footprint trends (growth rates, CEC projection)"
    GROUP, GROUP_ID = GROUP_FOOTPRINT
    STEP = "footprint_trends"
    ICON = "footprint.svg"
    HELP = (
        "<p>Average annual growth rate of every indicator over each period, "
        "r = (x<sub>1</sub>/x<sub>0</sub>)<sup>1/n</sup> - 1 (undefined, with a note, where "
        "x<sub>0</sub> &le; 0, e.g. a zero deficit), per region or for the nation; and an "
        "ordinary least-squares linear trend of CEC (or another indicator) extrapolated to a "
        "target year — a scenario, not a forecast.</p>"
        "<p>Core: <code>spatial_carbon.footprint.growth_rates</code>, "
        "<code>project_cec</code>, <code>national</code>.</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(self.INPUT, "Footprint table", [QgsProcessing.TypeVector]),
                 "Output of 'Three-dimensional carbon footprint' (several years).")
        self.add(QgsProcessingParameterString(self.PERIODS, "Periods",
                                              defaultValue="2000-2011,2011-2019"),
                 "Comma-separated periods start-end, e.g. 2000-2011,2011-2019.")
        self.add(QgsProcessingParameterBoolean(self.NATIONAL, "National totals",
                                               defaultValue=False),
                 "Sum the regions to national totals first (one rate per indicator).")
        self.add(QgsProcessingParameterNumber(self.PROJECT_TO, "Project to year",
                                              QgsProcessingParameterNumber.Integer,
                                              optional=True, minValue=1900, maxValue=2200),
                 "Target year of the linear projection (empty: no projection).")
        self.add(QgsProcessingParameterString(self.PROJECT_COLUMN, "Projected indicator",
                                              defaultValue="CEC"),
                 "Indicator to project (CEC in the seed study).", advanced=True)
        self.add(QgsProcessingParameterFeatureSink(self.OUTPUT, "Growth rates", QgsProcessing.TypeVector),
                 "Table indicator, start, end, n_years, start/end value, growth_rate_per_year "
                 "(fraction/a), note.")
        self.add(QgsProcessingParameterFeatureSink(
            self.OUTPUT_PROJECTION, "Projection", QgsProcessing.TypeVector, optional=True,
            createByDefault=False),
            "CSV slope, intercept, r2 and projected value per region (or nation).")

    def prepare(self, parameters, context, feedback):
        inputs = {"footprint": self.table_input(parameters, self.INPUT, context, feedback)}
        to = parameters.get(self.PROJECT_TO)
        params = {"periods": self.parameterAsString(parameters, self.PERIODS, context),
                  "national": self.parameterAsBool(parameters, self.NATIONAL, context),
                  "project_to": self.parameterAsInt(parameters, self.PROJECT_TO, context)
                  if to not in (None, "") else None,
                  "project_column": self.parameterAsString(parameters, self.PROJECT_COLUMN,
                                                           context)}
        outputs = {self.OUTPUT: self.table_output(parameters, self.OUTPUT, context)}
        proj = self.table_output(parameters, self.OUTPUT_PROJECTION, context)
        if proj:
            outputs[self.OUTPUT_PROJECTION] = proj
        return inputs, params, outputs
