"""CLI commands of the IO subpackage, end to end on tiny files in tmp_path."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from spatial_carbon.cli import main
from spatial_carbon.inputoutput import calc_accounts, mrio_from_pymrio

from test_io_provincial import S, two_provinces


def _run(args):
    r = CliRunner().invoke(main, [str(a) for a in args])
    return r


def _stacked(tables):
    rows = []
    for reg, t in tables.items():
        df = t.Z.copy()
        df.insert(0, "sector", list(t.sectors))
        df.insert(0, "region", reg)
        for col, s in (("final_use", t.final_use), ("export", t.export), ("outflow", t.outflow),
                       ("import", t.imports), ("inflow", t.inflow), ("output", t.output)):
            df[col] = s.to_numpy()
        rows.append(df)
    return pd.concat(rows, ignore_index=True)


def test_io_transfer(tmp_path):
    tables, _ = two_provinces()
    _stacked(tables).to_csv(tmp_path / "t.csv", index=False)
    pd.DataFrame({"region": ["Beijing", "Beijing", "Hebei", "Hebei"], "sector": S * 2,
                  "emissions": [10.0, 100.0, 20.0, 90.0]}).to_csv(tmp_path / "e.csv", index=False)
    r = _run(["io-transfer", tmp_path / "t.csv", "--emissions", tmp_path / "e.csv",
              "--group", "seed002_8", "-o", tmp_path / "out.csv"])
    assert r.exit_code == 0, r.output
    out = pd.read_csv(tmp_path / "out.csv", encoding="utf-8-sig").set_index("region")
    np.testing.assert_allclose(out.loc["Beijing", ["CE", "CM", "CMP"]].astype(float), [40.0, 25 / 3, 94.0])
    assert out["type"].tolist() == ["IV", "II"]
    assert (tmp_path / "out_sectors.csv").is_file() and (tmp_path / "out_groups.csv").is_file()
    r = _run(["io-transfer", tmp_path / "t.csv", "-o", tmp_path / "x.csv"])
    assert r.exit_code != 0 and "--emissions" in r.output
    # adjusted method
    pd.DataFrame({"sector": S, "intensity": [0.2, 0.6]}).to_csv(tmp_path / "n.csv", index=False)
    pd.DataFrame({"region": ["Beijing", "Hebei"], "emissions": [110.0, 110.0]}).to_csv(tmp_path / "p.csv", index=False)
    r = _run(["io-transfer", tmp_path / "t.csv", "--national-intensity", tmp_path / "n.csv",
              "--province-totals", tmp_path / "p.csv", "-o", tmp_path / "adj.csv"])
    assert r.exit_code == 0, r.output


def test_io_transfer_unbalanced_is_clean_error(tmp_path):
    tables, _ = two_provinces()
    df = _stacked(tables)
    df.loc[0, "final_use"] += 1.0
    df.to_csv(tmp_path / "t.csv", index=False)
    pd.DataFrame({"region": ["Beijing"], "sector": ["agri"], "emissions": [1.0]}).to_csv(tmp_path / "e.csv")
    r = _run(["io-transfer", tmp_path / "t.csv", "--emissions", tmp_path / "e.csv", "-o", tmp_path / "o.csv"])
    assert r.exit_code == 2 and "unbalanced" in r.output
    assert not (tmp_path / "o.csv").exists()


def test_decompose_and_share_shift(tmp_path):
    df = pd.DataFrame([("Beijing", "s1", 2000, 100, 50), ("Beijing", "s2", 2000, 100, 10),
                       ("Beijing", "s1", 2010, 150, 60), ("Beijing", "s2", 2010, 250, 20),
                       ("Hebei", "s1", 2000, 80, 70), ("Hebei", "s1", 2010, 90, 60)],
                      columns=["region", "sector", "year", "output", "emissions"])
    df.to_csv(tmp_path / "d.csv", index=False)
    r = _run(["decompose", tmp_path / "d.csv", "--from", 2000, "--to", 2010, "-o", tmp_path / "o.csv"])
    assert r.exit_code == 0, r.output
    out = pd.read_csv(tmp_path / "o.csv", encoding="utf-8-sig")
    for c in ("region", "scale", "structure", "technique", "total", "D_scale", "D_structure", "D_technique"):
        assert c in out.columns
    np.testing.assert_allclose(out[["scale", "structure", "technique"]].sum(axis=1), out["total"], atol=1e-9)
    r = _run(["decompose", tmp_path / "d.csv", "--from", 2000, "--to", 2020, "-o", tmp_path / "o2.csv"])
    assert r.exit_code == 2 and "2020" in r.output
    r = _run(["share-shift", tmp_path / "d.csv", "--from", 2000, "--to", 2010, "--sectors", "s1",
              "-o", tmp_path / "s.csv"])
    assert r.exit_code == 0, r.output


def test_mrio_command(tmp_path):
    pymrio = pytest.importorskip("pymrio")
    io = pymrio.load_test()
    io.save_all(tmp_path / "m")
    r = _run(["mrio", tmp_path / "m", "--extension", "emissions", "--stressor", "emission_type1",
              "-o", tmp_path / "acc.csv"])
    assert r.exit_code == 0, r.output
    acc = pd.read_csv(tmp_path / "acc.csv", encoding="utf-8-sig")
    assert {"region", "production_based", "consumption_based"} <= set(acc.columns)
    ref = calc_accounts(mrio_from_pymrio(pymrio.load_test(), "emissions", "emission_type1"))
    np.testing.assert_allclose(acc["consumption_based"], ref["consumption_based"], rtol=1e-9)
    flows = pd.read_csv(tmp_path / "acc_flows.csv", encoding="utf-8-sig", index_col=0)
    np.testing.assert_allclose(flows.sum(axis=1).to_numpy(), acc["production_based"], rtol=1e-9)
    assert (tmp_path / "acc_flows_long.csv").is_file()
    r = _run(["mrio", tmp_path / "m", "--extension", "emissions", "--stressor", "CO2", "-o", tmp_path / "x.csv"])
    assert r.exit_code == 2 and "no stressor" in r.output


def test_io_shift(tmp_path):
    # 2 regions x 1 sector in the wide layout, both periods; see test_io_transfer for the hand values
    def wide(Y, E):
        Z = np.array([[0.1, 0.2], [0.3, 0.1]])
        L = np.linalg.inv(np.eye(2) - Z)
        x = L @ (Y.sum(axis=1) + E)
        Zf = Z * x[None, :]
        cols = pd.MultiIndex.from_tuples([("N", "ind"), ("S", "ind"), ("N", "Household consumption"),
                                          ("S", "Household consumption"),
                                          ("", "Export"), ("", "Total output")])
        idx = pd.MultiIndex.from_tuples([("N", "ind"), ("S", "ind")])
        return pd.DataFrame(np.column_stack([Zf, Y, E, x]), index=idx, columns=cols)
    wide(np.array([[50.0, 10.0], [5.0, 40.0]]), np.zeros(2)).to_csv(tmp_path / "t0.csv")
    wide(np.array([[60.0, 20.0], [15.0, 50.0]]), np.array([10.0, 0.0])).to_csv(tmp_path / "t1.csv")
    pd.DataFrame({"region": ["N", "S"], "sector": ["ind", "ind"], "coefficient": [0.5, 2.0]}).to_csv(
        tmp_path / "c.csv", index=False)
    r = _run(["io-shift", tmp_path / "t0.csv", tmp_path / "t1.csv", "--coefficients", tmp_path / "c.csv",
              "-o", tmp_path / "sh.csv"])
    assert r.exit_code == 0, r.output
    pairs = pd.read_csv(tmp_path / "sh.csv", encoding="utf-8-sig").set_index(["origin", "destination"])
    np.testing.assert_allclose(pairs.loc[("N", "S"), "output_transfer"], 20.0)
    np.testing.assert_allclose(pairs.loc[("N", "S"), "carbon_transfer"], 40.0)
    fl = pd.read_csv(tmp_path / "sh_flows.csv", encoding="utf-8-sig")
    assert list(fl.columns) == ["origin", "destination", "value"]
