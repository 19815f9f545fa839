"""Full MRIO accounts and flows against pymrio's own results on its test MRIO."""

import numpy as np
import pandas as pd
import pytest

pymrio = pytest.importorskip("pymrio")

from spatial_carbon.errors import InputError, ModelError  # noqa: E402
from spatial_carbon.inputoutput import calc_accounts, embodied_flows, flows_long, mrio_from_pymrio  # noqa: E402
from spatial_carbon.inputoutput.readers import mrio_from_wide, read_pymrio  # noqa: E402

KEY = ("emission_type1", "air")


@pytest.fixture(scope="module")
def ref():
    io = pymrio.load_test()
    io.calc_all()
    return io


@pytest.fixture(scope="module")
def mr():
    return mrio_from_pymrio(pymrio.load_test(), "emissions", "emission_type1")


def test_footprints_equal_pymrio(ref, mr):
    acc = calc_accounts(mr).set_index("region")
    cba = ref.emissions.D_cba_reg.loc[KEY]
    pba = ref.emissions.D_pba_reg.loc[KEY]
    np.testing.assert_allclose(acc.loc[cba.index, "consumption_based"], cba, rtol=1e-10)
    np.testing.assert_allclose(acc.loc[pba.index, "production_based"], pba, rtol=1e-10)
    np.testing.assert_allclose(acc.loc[cba.index, "embodied_in_imports"],
                               ref.emissions.D_imp_reg.loc[KEY], rtol=1e-9)
    np.testing.assert_allclose(acc.loc[cba.index, "embodied_in_exports"],
                               ref.emissions.D_exp_reg.loc[KEY], rtol=1e-9)
    np.testing.assert_allclose(acc["consumption_based"].sum(), acc["production_based"].sum(), rtol=1e-12)
    # direct emissions of final demand are included, as in pymrio
    np.testing.assert_allclose(acc["direct_final_demand"].sum(), ref.emissions.F_Y.loc[KEY].sum())


def test_flows_sum_to_accounts(mr):
    acc = calc_accounts(mr).set_index("region")
    phi = embodied_flows(mr, "mrio")
    np.testing.assert_allclose(phi.sum(axis=1), acc["production_based"], rtol=1e-10)
    np.testing.assert_allclose(phi.sum(axis=0), acc["consumption_based"], rtol=1e-10)
    beet = embodied_flows(mr, "beet")
    np.testing.assert_allclose(beet.sum(axis=1), acc["production_based"], rtol=1e-10)
    assert not np.allclose(beet.sum(axis=0), acc["consumption_based"])  # BEET != CBA
    fl = flows_long(phi)
    assert list(fl.columns) == ["origin", "destination", "value"]  # not Chinese provinces
    assert len(fl) == 6 * 5
    net = flows_long(phi, net=True)
    assert (net["value"] > 0).all() and len(net) <= 15


def test_read_pymrio_folder(tmp_path, ref):
    io = pymrio.load_test()
    io.save_all(tmp_path / "mrio")
    mr2 = read_pymrio(tmp_path / "mrio", "Emissions", "emission_type1")
    acc = calc_accounts(mr2).set_index("region")
    np.testing.assert_allclose(acc.loc[:, "consumption_based"], ref.emissions.D_cba_reg.loc[KEY], rtol=1e-10)
    with pytest.raises(InputError, match="no extension"):
        read_pymrio(tmp_path / "mrio", "nope", "x")
    with pytest.raises(InputError, match="no stressor"):
        read_pymrio(tmp_path / "mrio", "emissions", "CO2")
    with pytest.raises(InputError, match="not a pymrio folder"):
        read_pymrio(tmp_path, "emissions", "emission_type1")


def _two_province_wide():
    # 2 provinces x 2 sectors, hand-made; intermediate + final demand + export/import + total output
    regs, secs = ["Beijing", "Hebei"], ["agri", "ind"]
    core = [(r, s) for r in regs for s in secs]
    Z = np.array([[10, 5, 2, 1], [4, 20, 3, 6], [1, 2, 8, 4], [3, 5, 6, 30]], float)
    Y = np.array([[30, 5], [40, 10], [6, 25], [9, 60]], float)
    ex = np.array([5, 10, 0, 20], float)
    im = np.array([2, 1, 3, 4], float)
    x = Z.sum(1) + Y.sum(1) + ex - im
    cols = core + [("Beijing", "Household"), ("Hebei", "Household"), ("", "Export"), ("", "Import"),
                   ("", "Total output")]
    data = np.column_stack([Z, Y, ex, -im, x])
    wide = pd.DataFrame(data, index=pd.MultiIndex.from_tuples(core), columns=pd.MultiIndex.from_tuples(cols))
    em = pd.Series([5.0, 40.0, 8.0, 90.0], index=pd.MultiIndex.from_tuples(core))
    return wide, em, x


def test_ceads_style_wide_table():
    wide, em, x = _two_province_wide()
    mr = mrio_from_wide(wide, em)
    assert list(mr.Y.columns) == ["Beijing", "Hebei", "RoW"]
    acc = calc_accounts(mr).set_index("region")
    np.testing.assert_allclose(acc["production_based"].sum(), em.sum())
    np.testing.assert_allclose(acc.loc[["Beijing", "Hebei"], "production_based"], [45.0, 98.0])
    fl = flows_long(embodied_flows(mr))
    assert "origin_code" not in fl.columns  # RoW is not a province
    fl2 = flows_long(embodied_flows(mr).drop(index="RoW", columns="RoW"))
    assert fl2["origin_code"].tolist() == [110000, 130000]


def test_unbalanced_and_mismatched():
    wide, em, x = _two_province_wide()
    bad = wide.copy()
    bad.iloc[0, -1] += 10.0
    with pytest.raises(InputError, match="unbalanced"):
        mrio_from_wide(bad, em)
    with pytest.raises(InputError, match="emissions missing"):
        mrio_from_wide(wide, em.iloc[:3])
    mr = mrio_from_wide(wide, em)
    mr.x = mr.x * 1.01  # x no longer equals (I-A)^-1 Y 1
    with pytest.raises(ModelError, match="not balanced"):
        calc_accounts(mr)


def test_iterative_solver_matches_lu_on_test_mrio(mr):
    if mr.A.sum(axis=0).max() >= 1:
        pytest.skip("test MRIO has a column sum >= 1")
    a = calc_accounts(mr, solver="lu")
    b = calc_accounts(mr, solver="iterative")
    np.testing.assert_allclose(a["consumption_based"], b["consumption_based"], rtol=1e-10)


def test_accounts_carry_province_codes():
    wide, em, x = _two_province_wide()
    acc = calc_accounts(mrio_from_wide(wide, em))
    assert acc["region_code"].tolist()[:2] == [110000, 130000]
    assert acc["region_code"].isna().tolist() == [False, False, True]  # RoW


def test_multipliers_and_L_equal_pymrio(ref):
    from spatial_carbon.inputoutput import calc_L, calc_M

    np.testing.assert_allclose(calc_L(ref.A).to_numpy(), ref.L.to_numpy(), rtol=1e-10, atol=1e-14)
    M = calc_M(ref.emissions.S, ref.A)
    np.testing.assert_allclose(M.to_numpy(), ref.emissions.M.to_numpy(), rtol=1e-10, atol=1e-12)


def test_aggregate_mrio_preserves_accounts(mr):
    from spatial_carbon.inputoutput import aggregate_mrio

    groups = {"reg1": "A", "reg2": "A", "reg3": "B", "reg4": "B", "reg5": "B", "reg6": "C"}
    agg = aggregate_mrio(mr, regions=groups)
    acc = calc_accounts(mr).set_index("region")
    acc2 = calc_accounts(agg).set_index("region")
    np.testing.assert_allclose(acc2.loc["A", "production_based"],
                               acc.loc[["reg1", "reg2"], "production_based"].sum(), rtol=1e-10)
    # world total preserved; per-group CBA is not (aggregation bias, Miller & Blair ch. 4)
    np.testing.assert_allclose(acc2["consumption_based"].sum(), acc["consumption_based"].sum(), rtol=1e-10)
    assert not np.isclose(acc2.loc["B", "consumption_based"],
                          acc.loc[["reg3", "reg4", "reg5"], "consumption_based"].sum(), rtol=1e-6)
    # sectors too: one sector per region
    one = aggregate_mrio(mr, sectors={s: "all" for s in mr.A.index.get_level_values(1)})
    assert len(one.A) == 6
    np.testing.assert_allclose(calc_accounts(one)["production_based"].sum(), acc["production_based"].sum())
    with pytest.raises(InputError, match="no group"):
        aggregate_mrio(mr, regions={"reg1": "A"})


def test_aggregate_provinces_to_scheme():
    from spatial_carbon.inputoutput import aggregate_mrio

    wide, em, x = _two_province_wide()
    agg = aggregate_mrio(mrio_from_wide(wide, em), regions="seed002_8")
    assert agg.regions == ["Northern coast"]
    assert list(agg.Y.columns) == ["Northern coast", "RoW"]
    np.testing.assert_allclose(calc_accounts(agg).set_index("region").loc["Northern coast", "production_based"],
                               em.sum())
