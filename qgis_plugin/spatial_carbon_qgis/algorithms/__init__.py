"""Every tool of the provider, in Toolbox order."""

from .bivariate_lisa import BivariateLisa
from .carbon_sinks import CarbonSinks
from .centre_of_gravity import CentreOfGravity
from .ceads_import import CeadsImport
from .class_areas import ClassAreas
from .footprint import Footprint
from .footprint_trends import FootprintTrends
from .fuel_emissions import FuelEmissions
from .global_moran import GlobalMoran
from .hot_spots import HotSpots
from .io_decompose import IoDecompose
from .io_mrio_accounts import IoMrioAccounts
from .io_share_shift import IoShareShift
from .io_trade_carbon import IoTradeCarbon
from .io_transfer_shift import IoTransferShift
from .lisa import Lisa
from .lisa_transitions import LisaTransitions
from .natural_breaks import NaturalBreaks
from .quadrant_zones import QuadrantZones
from .run_study import RunStudy
from .setup_worker import SetupWorker
from .spatial_markov import SpatialMarkov
from .spatial_weights import SpatialWeights

ALGORITHMS = [
    SetupWorker,
    CeadsImport,
    FuelEmissions,
    ClassAreas,
    CarbonSinks,
    Footprint,
    FootprintTrends,
    QuadrantZones,
    NaturalBreaks,
    SpatialWeights,
    GlobalMoran,
    Lisa,
    LisaTransitions,
    HotSpots,
    BivariateLisa,
    SpatialMarkov,
    CentreOfGravity,
    IoTradeCarbon,
    IoTransferShift,
    IoDecompose,
    IoShareShift,
    IoMrioAccounts,
    RunStudy,
]
