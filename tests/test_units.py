"""Units and gas basis."""

import numpy as np
import pytest

from spatial_carbon import units
from spatial_carbon.errors import UnitError


@pytest.mark.parametrize(
    "a, b, f",
    [
        ("10^4 t", "t", 1e4),
        ("万吨", "t", 1e4),
        ("Mt", "10^4 t", 100.0),
        ("亿立方米", "m3", 1e8),
        ("10^8 m3", "10^4 m3", 1e4),
        ("km2", "hm2", 100.0),
        ("hm2", "m2", 1e4),
        ("mu", "hm2", 1 / 15),  # 15 mu = 1 hectare
        ("kgce", "tce", 1e-3),
    ],
)
def test_factor(a, b, f):
    assert units.factor(a, b) == pytest.approx(f)


def test_mass_and_volume_do_not_mix():
    with pytest.raises(UnitError, match="cannot convert '10\\^4 t' \\(mass\\) to 'm3' \\(volume\\)"):
        units.factor("10^4 t", "m3")


def test_unknown_unit_lists_known_ones():
    with pytest.raises(UnitError, match="unknown unit 'barrels'.*known units are"):
        units.normalize_unit("barrels")


def test_gas_basis_round_trip():
    # 12 t C = 44 t CO2 (IPCC 2006 Vol. 2 Eq. 1.1)
    assert units.to_basis(12.0, "C", "CO2") == pytest.approx(44.0)
    np.testing.assert_allclose(units.to_basis(np.array([44.0]), "CO2", "C"), [12.0])
    with pytest.raises(UnitError):
        units.check_basis("CH4")
