"""LISA transitions: Markov matrices of LISA quadrants between years (Rey 2001)."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_SPATIAL, field_or_none


class LisaTransitions(SpatialCarbonAlgorithm):
    INPUT = "INPUT"
    YEAR_FIELD = "YEAR_FIELD"
    SIGNIFICANT_ONLY = "SIGNIFICANT_ONLY"
    SIG_FLAG = "SIG_FLAG"
    OUTPUT_COUNTS = "OUTPUT_COUNTS"
    OUTPUT_PROBABILITIES = "OUTPUT_PROBABILITIES"
    OUTPUT_MOVES = "OUTPUT_MOVES"
    OUTPUT_SUMMARY = "OUTPUT_SUMMARY"

    SIG_FLAGS = ["significant", "sig_fdr", "sig_bonferroni"]

    NAME = "lisa_transitions"
    DISPLAY = "LISA transitions"
    GROUP, GROUP_ID = GROUP_SPATIAL
    STEP = "lisa_transitions"
    ICON = "transitions.svg"
    HELP = (
        "<p>Space-time dynamics of LISA quadrants (HH, LH, LL, HL) between consecutive years: "
        "the 4 x 4 transition counts and probabilities p<sub>ij</sub> = n<sub>ij</sub> / "
        "&Sigma;<sub>j</sub> n<sub>ij</sub> (first-order Markov chain), each region's moves "
        "with Rey's (2001, Geographical Analysis 33:195-214) typology (0: no move, I: the "
        "region moves, II: its neighbours move, III: both; IIIA same, IIIB opposite "
        "direction), space-time cohesion and flux, and the Bickenbach &amp; Bode (2003) test "
        "of time homogeneity. Counts equal giddy's LISA_Markov for the same LISAs.</p>"
        "<p>Input: the output of 'Local Moran's I (LISA clusters)' run with a Year field. "
        "Core: <code>spatial_carbon.spatial.transitions.lisa_transitions</code>.</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(
            self.INPUT, "LISA layer (several years)", [QgsProcessing.TypeVector]),
            "Output of the LISA tool with a Year field (fields quadrant, significant, year).")
        self.add(QgsProcessingParameterField(
            self.YEAR_FIELD, "Year field", parentLayerParameterName=self.INPUT,
            defaultValue="year"),
            "Field holding the year of each LISA row.")
        self.add(QgsProcessingParameterBoolean(self.SIGNIFICANT_ONLY,
                                               "Count significant units only",
                                               defaultValue=False),
                 "Count only transitions of units significant in both years (moves are always "
                 "listed, flagged 'counted').")
        self.add(QgsProcessingParameterEnum(self.SIG_FLAG, "Significance flag",
                                            options=self.SIG_FLAGS, defaultValue=0),
                 "Which flag of the LISA output decides significance: raw p, FDR or "
                 "Bonferroni.", advanced=True)
        self.add(QgsProcessingParameterFeatureSink(
            self.OUTPUT_COUNTS, "Transition counts", QgsProcessing.TypeVector),
            "CSV 4 x 4 counts, rows 'from', columns 'to' (HH, LH, LL, HL).")
        self.add(QgsProcessingParameterFeatureSink(
            self.OUTPUT_PROBABILITIES, "Transition probabilities", QgsProcessing.TypeVector),
            "CSV 4 x 4 row-normalised probabilities.")
        self.add(QgsProcessingParameterFeatureSink(
            self.OUTPUT_MOVES, "Moves per region", QgsProcessing.TypeVector, optional=True),
            "CSV one row per region and year pair with Rey's move type.")
        self.add(QgsProcessingParameterFeatureSink(
            self.OUTPUT_SUMMARY, "Cohesion and flux", QgsProcessing.TypeVector, optional=True),
            "CSV per year pair: shares of each move type, cohesion, flux.")

    def prepare(self, parameters, context, feedback):
        inputs = {"input": self.source_path(parameters, self.INPUT, context, feedback)}
        params = {"year_field": field_or_none(self, parameters, self.YEAR_FIELD, context),
                  "significant_only": self.parameterAsBool(parameters, self.SIGNIFICANT_ONLY,
                                                           context),
                  "sig_col": self.SIG_FLAGS[self.parameterAsEnum(parameters, self.SIG_FLAG,
                                                                 context)]}
        outputs = {}
        for key in (self.OUTPUT_COUNTS, self.OUTPUT_PROBABILITIES, self.OUTPUT_MOVES,
                    self.OUTPUT_SUMMARY):
            path = self.table_output(parameters, key, context)
            if path:
                outputs[key] = path
        return inputs, params, outputs
