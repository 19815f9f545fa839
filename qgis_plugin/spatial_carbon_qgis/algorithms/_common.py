"""Groups and small helpers shared by the tools."""

from ..names import (  # noqa: F401 - re-exported for the tools
    GROUP_INVENTORY, GROUP_FOOTPRINT, GROUP_IO, GROUP_SETUP, GROUP_SINKS, GROUP_SPATIAL,
    GROUP_STUDY, GROUPS, help_url, tr,
)


def file_or_none(alg, parameters, name, context):
    """Path of an optional file parameter, or None when empty."""
    v = alg.parameterAsFile(parameters, name, context)
    return v or None


def number_or_none(alg, parameters, name, context):
    """Value of an optional number parameter, or None when empty."""
    v = parameters.get(name)
    if v is None or v == "":
        return None
    return alg.parameterAsDouble(parameters, name, context)


def field_or_none(alg, parameters, name, context):
    """The field chosen in an optional field parameter, or None."""
    v = alg.parameterAsFields(parameters, name, context)
    return v[0] if v else None


# --- spatial weights and permutation parameters (global Moran, LISA) -----------
WEIGHT_KINDS = ["queen", "rook", "knn", "distance"]
ISLAND_POLICIES = ["knn", "drop"]
ALTERNATIVES = ["two-sided", "greater", "less", "folded"]
# Copies of spatial_carbon.defaults (the plugin cannot import spatial_carbon;
# tests/test_defaults.py checks that they agree).
DEFAULT_SEED = 12345
DEFAULT_PERMUTATIONS = 999
DEFAULT_ALTERNATIVE = "folded"


def add_weights_parameters(alg, permutations=True):
    """Weights, islands and (unless ``permutations=False``) permutation
    parameters shared by the spatial statistics tools."""
    from qgis.core import (
        QgsProcessingParameterEnum,
        QgsProcessingParameterFile,
        QgsProcessingParameterNumber,
    )

    alg.add(QgsProcessingParameterEnum("WEIGHTS", "Spatial weights", options=WEIGHT_KINDS,
                                       defaultValue=0),
            "queen (default, GeoDa's): polygons sharing a vertex are neighbours; rook: sharing "
            "an edge; knn: k nearest; distance: within a distance band. Row-standardised.")
    alg.add(QgsProcessingParameterEnum("ISLANDS", "Units without neighbours",
                                       options=ISLAND_POLICIES, defaultValue=0),
            "knn (default): link an island (e.g. Hainan) to its nearest unit; drop: leave it "
            "out (reported as isolated, cluster 6).")
    if permutations:
        alg.add(QgsProcessingParameterNumber("PERMUTATIONS", "Permutations",
                                             QgsProcessingParameterNumber.Integer,
                                             defaultValue=DEFAULT_PERMUTATIONS, minValue=0, maxValue=99999),
                "Random permutations for the pseudo p-value (999 as GeoDa).")
        alg.add(QgsProcessingParameterNumber("SEED", "Random seed",
                                             QgsProcessingParameterNumber.Integer,
                                             defaultValue=DEFAULT_SEED, minValue=0),
                "Seed of the permutations: the same seed gives the same p-values, byte for byte.")
    alg.add(QgsProcessingParameterNumber("K", "Neighbours (knn)",
                                         QgsProcessingParameterNumber.Integer,
                                         defaultValue=4, minValue=1, maxValue=100),
            "k for knn weights.", advanced=True)
    alg.add(QgsProcessingParameterNumber("THRESHOLD", "Distance band",
                                         QgsProcessingParameterNumber.Double, optional=True,
                                         minValue=0),
            "Band for distance weights: layer CRS units, or km (great circle) for a "
            "geographic CRS.", advanced=True)
    alg.add(QgsProcessingParameterFile("WEIGHTS_FILE", "Weights file (GAL/GWT)",
                                       optional=True, fileFilter="GeoDa weights (*.gal *.gwt)"),
            "GeoDa .gal/.gwt file replacing the weights above; its ids must be the layer's.",
            advanced=True)
    if permutations:
        alg.add(QgsProcessingParameterEnum("ALTERNATIVE", "Alternative hypothesis",
                                           options=ALTERNATIVES,
                                           defaultValue=ALTERNATIVES.index(DEFAULT_ALTERNATIVE)),
                "folded (default) = GeoDa's, esda's and ArcGIS's pseudo p (one-sided in the "
                "direction of the observed statistic); two-sided = twice the folded value; "
                "greater; less.",
                advanced=True)


def weights_parameters(alg, parameters, context):
    """``(inputs, params)`` parts for the weights/permutation parameters."""
    params = {
        "weights": WEIGHT_KINDS[alg.parameterAsEnum(parameters, "WEIGHTS", context)],
        "islands": ISLAND_POLICIES[alg.parameterAsEnum(parameters, "ISLANDS", context)],
        "k": alg.parameterAsInt(parameters, "K", context),
        "threshold": number_or_none(alg, parameters, "THRESHOLD", context),
    }
    if alg.parameterDefinition("PERMUTATIONS") is not None:
        params.update(
            permutations=alg.parameterAsInt(parameters, "PERMUTATIONS", context),
            seed=alg.parameterAsInt(parameters, "SEED", context),
            alternative=ALTERNATIVES[alg.parameterAsEnum(parameters, "ALTERNATIVE", context)])
    return {"weights_file": file_or_none(alg, parameters, "WEIGHTS_FILE", context)}, params


# --- significance parameters of the local statistics (hot spots, bivariate LISA) ---
CLUSTER_RULES = ["p", "fdr", "bonferroni"]


def add_alpha_cluster_parameters(alg, what="the cluster map"):
    """ALPHA and CLUSTER_ON parameters: the level and the correction deciding
    a unit's cluster code."""
    from qgis.core import QgsProcessingParameterEnum, QgsProcessingParameterNumber

    alg.add(QgsProcessingParameterNumber("ALPHA", "Significance level",
                                         QgsProcessingParameterNumber.Double,
                                         defaultValue=0.05, minValue=0.0001, maxValue=0.5),
            "alpha of the pseudo p for %s (0.05)." % what)
    alg.add(QgsProcessingParameterEnum("CLUSTER_ON", "Cluster significance",
                                       options=CLUSTER_RULES, defaultValue=0),
            "p: raw pseudo p <= alpha (GeoDa); fdr: Benjamini-Hochberg; bonferroni: "
            "p <= alpha/n.", advanced=True)


def alpha_cluster_parameters(alg, parameters, context):
    """``{"alpha", "cluster_on"}`` for the worker."""
    return {"alpha": alg.parameterAsDouble(parameters, "ALPHA", context),
            "cluster_on": CLUSTER_RULES[alg.parameterAsEnum(parameters, "CLUSTER_ON", context)]}


def add_id_year_parameters(alg, year_help):
    """ID_FIELD and optional YEAR_FIELD of the INPUT layer (the local statistics)."""
    from qgis.core import QgsProcessingParameterField

    alg.add(QgsProcessingParameterField(
        "ID_FIELD", "Region id field", parentLayerParameterName="INPUT",
        defaultValue="region_code"),
        "Field identifying the units (codes or names); unique per year.")
    alg.add(QgsProcessingParameterField(
        "YEAR_FIELD", "Year field", parentLayerParameterName="INPUT", optional=True), year_help)


def id_year_parameters(alg, parameters, context):
    """``{"id_field", "year_field"}`` for the worker."""
    return {"id_field": field_or_none(alg, parameters, "ID_FIELD", context),
            "year_field": field_or_none(alg, parameters, "YEAR_FIELD", context)}
