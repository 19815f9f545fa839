"""Units and gas basis: mass (t, Mt, 10^4 t), area (m2, hm2, km2), volume, energy.

Every quantity that crosses a module boundary carries its unit in the column
name or in a ``unit`` column.  This module is the only place that knows the
conversion factors, so a unit mismatch is a :class:`~spatial_carbon.errors.UnitError`
rather than a silent factor of 10^4.

Chinese statistical yearbooks count fuel in 10^4 t (万吨) and gas in 10^8 m3
(亿立方米); CEADs inventories are in Mt CO2; sink rates are in t per hm2 per
year.  Unit strings are matched after normalisation (case, spaces, ``^``,
``*``, Chinese spellings), e.g. ``"10^4 t"``, ``"1e4t"``, ``"万吨"`` all mean
10,000 tonnes.
"""

from __future__ import annotations

import re

from .errors import UnitError, show

#: Molar mass ratio CO2 / C (44/12), IPCC 2006 Vol. 2 Ch. 1 Eq. 1.1.
C_TO_CO2 = 44.0 / 12.0

# unit -> (dimension, factor to the dimension's base unit)
# bases: mass "t", volume "m3", area "m2", energy "tce", count "1"
_UNITS: dict[str, tuple[str, float]] = {
    "kg": ("mass", 1e-3),
    "t": ("mass", 1.0),
    "kt": ("mass", 1e3),
    "10^4t": ("mass", 1e4),
    "mt": ("mass", 1e6),
    "10^8t": ("mass", 1e8),
    "gt": ("mass", 1e9),
    "m3": ("volume", 1.0),
    "10^3m3": ("volume", 1e3),
    "10^4m3": ("volume", 1e4),
    "10^6m3": ("volume", 1e6),
    "10^8m3": ("volume", 1e8),
    "10^9m3": ("volume", 1e9),
    "m2": ("area", 1.0),
    "hm2": ("area", 1e4),
    "km2": ("area", 1e6),
    "10^4hm2": ("area", 1e8),
    "mu": ("area", 10000.0 / 15.0),
    "kgce": ("energy", 1e-3),
    "tce": ("energy", 1.0),
    "10^4tce": ("energy", 1e4),
    "mtce": ("energy", 1e6),
    "persons": ("count", 1.0),
    "10^4persons": ("count", 1e4),
}

_ALIASES: dict[str, str] = {
    "ton": "t", "tons": "t", "tonne": "t", "tonnes": "t", "吨": "t",
    "千吨": "kt", "1000t": "kt", "10^3t": "kt",
    "万吨": "10^4t", "1e4t": "10^4t", "10000t": "10^4t", "10kt": "10^4t",
    "megatonne": "mt", "megatonnes": "mt", "milliont": "mt", "10^6t": "mt",
    "1e6t": "mt", "百万吨": "mt",
    "亿吨": "10^8t", "1e8t": "10^8t",
    "立方米": "m3", "m^3": "m3", "cubicmetre": "m3", "cubicmeter": "m3",
    "万立方米": "10^4m3", "1e4m3": "10^4m3",
    "亿立方米": "10^8m3", "1e8m3": "10^8m3",
    "bcm": "10^9m3", "1e9m3": "10^9m3",
    "平方米": "m2", "m^2": "m2",
    "ha": "hm2", "hectare": "hm2", "hectares": "hm2", "公顷": "hm2", "hm^2": "hm2",
    "平方公里": "km2", "平方千米": "km2", "km^2": "km2",
    "万公顷": "10^4hm2", "亩": "mu",
    "千克标准煤": "kgce", "吨标准煤": "tce", "万吨标准煤": "10^4tce",
    "人": "persons", "person": "persons", "万人": "10^4persons",
    "1e4persons": "10^4persons",
}


def normalize_unit(unit: str) -> str:
    """Return the canonical spelling of a unit string.

    Raises
    ------
    UnitError
        If the unit is not known; the message lists the known units.
    """
    if not isinstance(unit, str):
        raise UnitError(f"unit must be a string, got {unit!r}")
    key = re.sub(r"[\s_*·]", "", unit.strip()).lower()
    key = key.replace("**", "^").replace("⁴", "^4").replace("⁸", "^8")
    key = key.replace("²", "2").replace("³", "3")
    key = _ALIASES.get(key, key)
    if key not in _UNITS:
        known = sorted(set(_UNITS))
        raise UnitError(
            f"unknown unit {show(unit)}; known units are {', '.join(known)} "
            "(Chinese spellings such as 万吨 and 亿立方米 are accepted too): use one of them"
        )
    return key


def dimension(unit: str) -> str:
    """Return the dimension (``mass``, ``volume``, ``area``, ``energy``, ``count``)."""
    return _UNITS[normalize_unit(unit)][0]


def factor(from_unit: str, to_unit: str) -> float:
    """Multiplicative factor converting a value in ``from_unit`` to ``to_unit``.

    Examples
    --------
    >>> factor("10^4 t", "t")
    10000.0
    >>> factor("km2", "hm2")
    100.0

    Raises
    ------
    UnitError
        If the units measure different dimensions (e.g. t and m3).
    """
    a, b = normalize_unit(from_unit), normalize_unit(to_unit)
    (da, fa), (db, fb) = _UNITS[a], _UNITS[b]
    if da != db:
        raise UnitError(
            f"cannot convert {from_unit!r} ({da}) to {to_unit!r} ({db}); "
            "check the unit column of the input table"
        )
    return fa / fb


def convert(value, from_unit: str, to_unit: str):
    """Convert a scalar, array or Series from ``from_unit`` to ``to_unit``."""
    return value * factor(from_unit, to_unit)


#: Gas bases a carbon quantity can be expressed in.
GAS_BASES = ("CO2", "C")


def check_basis(basis: str) -> str:
    """Validate a gas basis name (``"CO2"`` or ``"C"``) and return it upper-case."""
    b = str(basis).strip().upper()
    if b not in GAS_BASES:
        raise UnitError(f"gas basis must be 'CO2' or 'C', got {basis!r}")
    return b


def to_basis(value, from_basis: str, to_basis: str):
    """Convert a carbon mass between the C and CO2 bases (x 44/12 or x 12/44)."""
    f, t = check_basis(from_basis), check_basis(to_basis)
    if f == t:
        return value
    return value * C_TO_CO2 if f == "C" else value / C_TO_CO2
