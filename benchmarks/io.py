"""Benchmarks of the input–output subpackage, each against a peer timed in the same run.

1. Seed-002 provincial system: 31 provinces x 42 sectors, all indicators
   (``trade_carbon``) vs. the explicit-inverse way (``np.linalg.inv`` per
   province, then ``d L E`` etc. — what Excel/MATLAB scripts do).
2. EXIOBASE-sized MRIO: 49 regions x 200 sectors = 9,800 sectors, synthetic
   block-sparse ``A`` (domestic blocks 20 % filled, trade blocks 0.2 %,
   column sums 0.7), 49 final-demand columns, production- and
   consumption-based accounts.  Ours: GMRES on the sparse pattern
   (``solver="iterative"``) and dense LU (``solver="lu"``); peer: pymrio
   (``calc_L`` = explicit inverse, then ``calc_accounts``).  The peer runs at
   ``--peer-regions`` regions (default 25 -> 5,000 sectors) unless ``--full``.

Run:  python benchmarks/io.py [--full] [--skip-lu]
Prints seconds and ratios (peer time / our time).  Synthetic data, fixed seeds.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd

from spatial_carbon.inputoutput import MRIO, calc_accounts, province_intensities, tables_from_frame, trade_carbon


def _t(f, *a, **k):
    t0 = time.perf_counter()
    out = f(*a, **k)
    return time.perf_counter() - t0, out


def provincial_frame(n_prov=31, n_sec=42, seed=0):
    from spatial_carbon.regions import registry

    rng = np.random.default_rng(seed)
    provs = registry(mainland31=True)["region"].tolist()[:n_prov]
    sectors = [f"s{i:02d}" for i in range(n_sec)]
    rows, em = [], []
    for p in provs:
        X = rng.uniform(1e5, 1e6, n_sec)
        A = rng.random((n_sec, n_sec)) * (rng.random((n_sec, n_sec)) < 0.5)
        A *= 0.6 / A.sum(axis=0).max()
        Z = A * X[None, :]
        rest = X - Z.sum(axis=1)                       # Y + E + EP - M - MP
        E, EP = 0.1 * X, 0.1 * X
        M, MP = 0.05 * X, 0.05 * X
        Y = rest - E - EP + M + MP
        df = pd.DataFrame(Z, columns=sectors)
        df.insert(0, "sector", sectors)
        df.insert(0, "region", p)
        df["final_use"], df["export"], df["outflow"] = Y, E, EP
        df["import"], df["inflow"], df["output"] = M, MP, X
        rows.append(df)
        em.append(pd.DataFrame({"region": p, "sector": sectors, "emissions": X * rng.uniform(0.01, 2, n_sec)}))
    return pd.concat(rows, ignore_index=True), pd.concat(em, ignore_index=True), sectors


def ours_provincial(frame, em):
    tables = tables_from_frame(frame)
    inten = province_intensities(tables, emissions=em)
    return trade_carbon(tables, inten)


def peer_provincial(frame, em, sectors):
    out = {}
    for p, g in frame.groupby("region", sort=False):
        Z = g[sectors].to_numpy()
        X = g["output"].to_numpy()
        d = em[em["region"] == p]["emissions"].to_numpy() / X
        L = np.linalg.inv(np.eye(len(X)) - Z / X[None, :])
        m = d @ L
        out[p] = [m @ g[c].to_numpy() for c in ("export", "outflow", "import")]
    return out


def block_mrio(R=49, K=200, seed=1):
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    n = R * K
    rows, cols, vals = [], [], []
    for r in range(R):
        for s in range(R):
            dens = 0.2 if r == s else 0.002
            i, j = np.nonzero(rng.random((K, K)) < dens)
            rows.append(i + r * K)
            cols.append(j + s * K)
            vals.append(rng.random(i.size))
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    cs = np.asarray(A.sum(axis=0)).ravel()
    A = (A @ sp.diags(0.7 / np.maximum(cs, 1e-12))).toarray()
    regs = [f"R{r:02d}" for r in range(R)]
    idx = pd.MultiIndex.from_product([regs, [f"s{k:03d}" for k in range(K)]], names=["region", "sector"])
    Y = np.zeros((n, R))
    for r in range(R):
        Y[:, r] = rng.random(n) * np.where(np.repeat(np.arange(R), K) == r, 10.0, 0.5)
    from spatial_carbon.inputoutput import leontief_factor

    x = leontief_factor(A, "iterative").solve(Y.sum(axis=1))  # balanced: x = (I - A)^-1 Y 1
    F = x * rng.uniform(0.1, 1.0, n)
    Adf = pd.DataFrame(A, index=idx, columns=idx)
    return MRIO(A=Adf, Y=pd.DataFrame(Y, index=idx, columns=regs), x=pd.Series(x, index=idx),
                F=pd.Series(F, index=idx), F_Y=pd.Series(0.0, index=regs))


def peer_pymrio(mr: MRIO):
    import pymrio

    L = pymrio.calc_L(mr.A)
    S = pd.DataFrame([mr.S.to_numpy()], index=["CO2"], columns=mr.A.columns)
    D_cba, D_pba, _, _ = pymrio.calc_accounts(S, L, mr.Y)
    return D_cba.T.groupby(level=0, sort=False).sum().T


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="run the pymrio peer at full size (slow: minutes)")
    ap.add_argument("--peer-regions", type=int, default=25)
    ap.add_argument("--skip-lu", action="store_true", help="skip our dense LU at full size")
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"numpy {np.__version__}")

    frame, em, sectors = provincial_frame()
    ours_provincial(frame, em)  # warm-up (imports, caches)
    t_ours = min(_t(ours_provincial, frame, em)[0] for _ in range(3))
    t_peer = min(_t(peer_provincial, frame, em, sectors)[0] for _ in range(3))
    print(f"[provincial 31 x 42] ours (all seed-002 indicators, validated): {t_ours:.3f} s; "
          f"peer (np.linalg.inv per province, 3 totals only): {t_peer:.3f} s; ratio peer/ours {t_peer / t_ours:.2f}")

    t_build, mr = _t(block_mrio)
    print(f"[EXIOBASE size] n = {len(mr.A)} sectors, A density "
          f"{(mr.A.to_numpy() != 0).mean():.4f}, built in {t_build:.1f} s")
    t_it, acc_it = _t(calc_accounts, mr, solver="iterative")
    print(f"[EXIOBASE size] ours, GMRES on the sparse pattern (accounts + 49x49 flows): {t_it:.1f} s")
    if not args.skip_lu:
        t_lu, acc_lu = _t(calc_accounts, mr, solver="lu")
        print(f"[EXIOBASE size] ours, dense LU solve: {t_lu:.1f} s; max rel. diff vs GMRES "
              f"{np.max(np.abs(acc_lu.consumption_based - acc_it.consumption_based) / acc_lu.consumption_based):.1e}")
    R = 49 if args.full else args.peer_regions
    small = mr if args.full else block_mrio(R=R)
    t_ours_s, acc_s = _t(calc_accounts, small, solver="iterative")
    t_lu_s, _ = _t(calc_accounts, small, solver="lu")
    t_peer_s, ref = _t(peer_pymrio, small)
    diff = np.max(np.abs(acc_s.set_index("region").loc[ref.columns, "consumption_based"].to_numpy()
                         - ref.loc["CO2"].to_numpy()) / ref.loc["CO2"].to_numpy())
    print(f"[MRIO n = {len(small.A)}] ours GMRES {t_ours_s:.1f} s, ours LU {t_lu_s:.1f} s, "
          f"pymrio calc_L + calc_accounts {t_peer_s:.1f} s; ratio peer/ours "
          f"{t_peer_s / t_ours_s:.1f} (GMRES), {t_peer_s / t_lu_s:.1f} (LU); max rel. diff {diff:.1e}")


if __name__ == "__main__":
    main()
