"""Input–output mathematics: pure ``calc_*`` functions with textbook names.

Notation follows Miller & Blair (2009), *Input–Output Analysis: Foundations
and Extensions*, 2nd ed., Cambridge University Press, ch. 2 and 10, and
pymrio's ``tools/iomath.py``:

========  ==========================================================
``Z``     intermediate flows (n x n), row = supplying sector
``Y``     final demand (n x k) or a vector ``y`` (n)
``x``     total output (n)
``A``     technical coefficients, ``A = Z x̂^-1``
``L``     Leontief inverse, ``L = (I - A)^-1``
``F``     direct stressor (emissions), (q x n) or a vector (n)
``S``     direct intensities, ``S = F x̂^-1`` (e.g. t CO2 per 10^4 yuan)
``M``     total (direct + indirect) multipliers, ``M = S L``
========  ==========================================================

Every function accepts NumPy arrays or pandas objects; pandas in gives pandas
out with the labels of the input.  Large systems are never inverted: products
with ``L`` are computed by an LU solve of ``(I - A)`` (``scipy.linalg``) or,
for a ``scipy.sparse`` ``A``, a sparse LU (SuperLU).  :func:`calc_L` itself
exists for small systems and for tests.

pymrio's ``iomath`` is not used for the products with ``L`` because it forms
``L`` explicitly (``np.linalg.inv``), which costs about three times an LU
solve in time and a dense n x n result in memory, raises a bare
``LinAlgError`` for an exactly singular ``I - A`` and returns meaningless
numbers for a numerically singular one; here a singular or ill-conditioned
``I - A`` raises :class:`~spatial_carbon.errors.ModelError`.
"""

from __future__ import annotations

import warnings
from typing import Union

import numpy as np
import pandas as pd
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from spatial_carbon.errors import (
    DataQualityWarning,
    InputError,
    ModelError,
    NegativeValueError,
    show,
)

ArrayLike = Union[np.ndarray, pd.DataFrame, pd.Series]

#: Relative tolerance of the balance checks (row sums vs. total output).
BALANCE_RTOL = 1e-6


# --------------------------------------------------------------------------- helpers
def _values(a) -> np.ndarray:
    if isinstance(a, (pd.DataFrame, pd.Series)):
        return a.to_numpy(dtype=float)
    if sp.issparse(a):
        return a
    return np.asarray(a, dtype=float)


def _like(template, values: np.ndarray):
    """``values`` labelled like ``template`` (a Series or DataFrame of the same
    shape); plain arrays stay arrays."""
    if isinstance(template, pd.Series):
        return pd.Series(values, index=template.index, name=template.name)
    if isinstance(template, pd.DataFrame):
        return pd.DataFrame(values, index=template.index, columns=template.columns)
    return values


def _vec(x, name: str = "x") -> np.ndarray:
    v = _values(x)
    if sp.issparse(v):
        v = v.toarray()
    v = np.asarray(v, dtype=float)
    if v.ndim == 2 and 1 in v.shape:
        v = v.ravel()
    if v.ndim != 1:
        raise InputError(f"{name} must be a vector, got shape {v.shape}")
    return v


def _check_square(A, name: str = "A") -> None:
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise InputError(f"{name} must be square, got shape {A.shape}")


def check_labels(a, b, what: str = "sectors") -> None:
    """Raise :class:`InputError` if two label sequences differ (order matters).

    Used wherever two tables must share one sector (or region) list.
    """
    la, lb = list(a), list(b)
    if la == lb:
        return
    sa, sb = set(la), set(lb)
    missing = [s for s in la if s not in sb]
    extra = [s for s in lb if s not in sa]
    detail = []
    # show(): plain numbers, long labels shortened, at most 10 listed
    if missing:
        detail.append(f"missing {show(missing)}")
    if extra:
        detail.append(f"unexpected {show(extra)}")
    if not detail:
        detail.append("same labels in a different order")
    raise InputError(
        f"mismatched {what}: " + "; ".join(detail)
        + f". Both tables must use the same {what} in the same order "
        "(aggregate them with spatial_carbon.inputoutput.aggregate_sectors first)"
    )


def _check_finite(a, name: str) -> None:
    v = a.data if sp.issparse(a) else a
    if not np.all(np.isfinite(v)):
        raise InputError(f"{name} contains NaN or infinite values; fill or drop them first")


# --------------------------------------------------------------------------- basics
def calc_x(Z: ArrayLike, Y: ArrayLike) -> ArrayLike:
    """Total output from flows and final demand.

    Parameters
    ----------
    Z : (n, n) array or DataFrame
        Intermediate flows (monetary, e.g. 10^4 yuan).
    Y : (n,) or (n, k) array, Series or DataFrame
        Final demand (same unit), one or more columns.

    Returns
    -------
    numpy.ndarray or pandas.Series
        ``x`` (n), same unit as ``Z``.

    Notes
    -----
    ``x = Z 1 + Y 1`` (Miller & Blair 2009, ch. 2).
    """
    z = _values(Z)
    y = _values(Y)
    y = y.reshape(len(y), -1) if y.ndim == 1 else y
    if z.shape[0] != y.shape[0]:
        raise InputError(f"Z has {z.shape[0]} rows but Y has {y.shape[0]}")
    x = np.asarray(z.sum(axis=1)).ravel() + y.sum(axis=1)
    if isinstance(Z, pd.DataFrame):
        return pd.Series(x, index=Z.index, name="x")
    return x


def calc_A(Z: ArrayLike, x: ArrayLike) -> ArrayLike:
    """Technical coefficients ``A = Z x̂^-1``.

    Parameters
    ----------
    Z : (n, n) array or DataFrame
        Intermediate flows.
    x : (n,) array or Series
        Total output of each (column) sector, same unit as ``Z``.

    Returns
    -------
    numpy.ndarray or pandas.DataFrame
        ``A`` (dimensionless: yuan of input per yuan of output).

    Raises
    ------
    NegativeValueError
        If any output is negative.

    Notes
    -----
    ``a_ij = z_ij / x_j`` (Miller & Blair 2009, ch. 2).  Where ``x_j = 0``
    the column of ``A`` is set to 0 **and a** :class:`DataQualityWarning` **is
    issued** (pymrio does the same silently); a sector without output cannot
    buy inputs, but a zero output next to non-zero inputs is a data error.
    """
    z = _values(Z)
    xv = _vec(x)
    _check_square(z, "Z")
    if len(xv) != z.shape[1]:
        raise InputError(f"Z has {z.shape[1]} columns but x has {len(xv)} entries")
    if (xv < 0).any():
        bad = np.flatnonzero(xv < 0)
        labels = list(Z.columns[bad]) if isinstance(Z, pd.DataFrame) else bad.tolist()
        raise NegativeValueError(f"negative total output in sector(s) {show(list(labels))}; check the table")
    inv = np.zeros_like(xv)
    nz = xv != 0
    inv[nz] = 1.0 / xv[nz]
    if (~nz).any():
        cols = np.flatnonzero(~nz)
        if np.abs(np.asarray(z)[:, cols]).sum() > 0:
            warnings.warn(
                f"{(~nz).sum()} sector(s) have zero output but non-zero inputs; "
                "their coefficients are set to 0", DataQualityWarning, stacklevel=2,
            )
    A = z * inv[None, :]
    return _like(Z, A)


def calc_Z(A: ArrayLike, x: ArrayLike) -> ArrayLike:
    """Flows from coefficients: ``Z = A x̂`` (Miller & Blair 2009, ch. 2)."""
    a = _values(A)
    z = a * _vec(x)[None, :]
    return _like(A, z)


def calc_S(F: ArrayLike, x: ArrayLike) -> ArrayLike:
    """Direct intensities ``S = F x̂^-1`` (stressor per unit output).

    Parameters
    ----------
    F : (n,) or (q, n)
        Direct emissions of each sector (e.g. t CO2).
    x : (n,)
        Total output (e.g. 10^4 yuan).

    Returns
    -------
    Same type as ``F``; unit = unit(F) / unit(x), e.g. t CO2 per 10^4 yuan.

    Notes
    -----
    ``s_j = f_j / x_j`` (Miller & Blair 2009, ch. 10).  Zero output gives a
    zero intensity only if the sector also has zero emissions; emissions from
    a sector without output raise :class:`InputError`.
    """
    xv = _vec(x)
    f = _values(F)
    one_d = f.ndim == 1
    f2 = f.reshape(1, -1) if one_d else f
    if f2.shape[1] != len(xv):
        raise InputError(f"F has {f2.shape[1]} sectors but x has {len(xv)}")
    if (xv < 0).any():
        raise NegativeValueError("negative total output; check the table")
    zero = xv == 0
    if (np.abs(f2[:, zero]) > 0).any():
        raise InputError(
            f"{int(zero.sum())} sector(s) have emissions but zero output; "
            "intensities are undefined there"
        )
    inv = np.zeros_like(xv)
    inv[~zero] = 1.0 / xv[~zero]
    s = f2 * inv[None, :]
    s = s.ravel() if one_d else s
    return _like(F, s)


def calc_L(A: ArrayLike) -> ArrayLike:
    """Leontief inverse ``L = (I - A)^-1`` (small systems only).

    Notes
    -----
    Miller & Blair (2009), ch. 2.  Computed as the solution of
    ``(I - A) L = I``; for large systems do not form ``L`` — use
    :func:`calc_x_from_A` / :func:`calc_M`, which solve against the right-hand
    sides needed.

    Raises
    ------
    ModelError
        If ``I - A`` is singular or numerically singular.
    """
    a = _values(A)
    if sp.issparse(a):
        a = a.toarray()
    _check_square(a)
    L = _solve(a, np.eye(a.shape[0]))
    return _like(A, L)


#: Relative residual below which an iterative (GMRES) solve is accepted.
ITERATIVE_RTOL = 1e-12

SOLVERS = ("auto", "lu", "splu", "iterative")

#: Size from which ``solver="auto"`` uses GMRES on a dense-stored ``A`` (if productive).
ITERATIVE_MIN_N = 3000


class _Factor:
    """Solver for ``(I - A) x = b`` and ``(I - A)^T x = b``, built once per ``A``.

    ``method``:

    * ``"lu"`` — dense LAPACK LU (``scipy.linalg.lu_factor``); exact, O(n^3)
      once, then O(n^2) per right-hand side; ill-conditioning is detected by
      the reciprocal condition number (``dgecon``);
    * ``"splu"`` — sparse LU (SuperLU) of a ``scipy.sparse`` ``A``; exact, but
      fill-in makes it slow for multi-regional block patterns;
    * ``"iterative"`` — restarted GMRES on the sparse matrix, one solve per
      right-hand side, accepted only if the relative residual is below
      :data:`ITERATIVE_RTOL`; used only where ``A >= 0`` and every column
      sum of ``A`` is < 1, which guarantees ``I - A`` is non-singular
      (spectral radius <= max column sum; Miller & Blair 2009, app. 2.1);
    * ``"auto"`` (default) — ``"iterative"`` whenever the column-sum
      condition holds and ``A`` is sparse or large (n >= :data:`ITERATIVE_MIN_N`);
      otherwise ``"lu"`` for dense and ``"splu"`` for sparse ``A``.
    """

    def __init__(self, A, method: str = "auto"):
        if method not in SOLVERS:
            raise InputError(f"unknown solver {method!r}; use one of {', '.join(SOLVERS)}")
        a = _values(A)
        _check_square(a)
        _check_finite(a, "A")
        self.n = a.shape[0]
        if method == "auto":
            big = sp.issparse(a) or self.n >= ITERATIVE_MIN_N
            if big and _productive(a):
                method = "iterative"
            else:
                method = "splu" if sp.issparse(a) else "lu"
        if method == "iterative" and not _productive(a):
            raise ModelError("the iterative solver needs A >= 0 with every column sum < 1; use 'lu'")
        self.method = method
        if method == "iterative":
            self.m = (sp.identity(self.n, format="csr") - sp.csr_matrix(a)).tocsr()
            self.mt = self.m.T.tocsr()
        elif method == "splu":
            m = (sp.identity(self.n, format="csc") - sp.csc_matrix(a)).tocsc()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", spla.MatrixRankWarning)
                    self.lu = spla.splu(m)
            except (RuntimeError, spla.MatrixRankWarning) as exc:
                raise ModelError(_SINGULAR + f" (SuperLU: {exc})") from exc
            d = self.lu.U.diagonal()
            if np.any(d == 0) or not np.all(np.isfinite(d)):
                raise ModelError(_SINGULAR)
        else:
            if sp.issparse(a):
                a = a.toarray()
            m = np.eye(self.n) - a
            with warnings.catch_warnings():
                warnings.simplefilter("error", sla.LinAlgWarning)
                try:
                    self.lu = sla.lu_factor(m, check_finite=False)
                except (sla.LinAlgError, sla.LinAlgWarning, ValueError) as exc:
                    raise ModelError(_SINGULAR) from exc
            u = np.abs(np.diag(self.lu[0]))
            anorm = np.abs(m).sum(axis=0).max()
            rcond = sla.lapack.dgecon(self.lu[0], anorm)[0] if self.n else 1.0
            if not np.all(u > 0) or rcond < np.finfo(float).eps * 10:
                raise ModelError(_SINGULAR + f" (reciprocal condition number {rcond:.2e})")

    def solve(self, b: np.ndarray, trans: bool = False) -> np.ndarray:
        b = np.asarray(b, dtype=float)
        # a NaN or inf on the right-hand side is an input problem, not a singular I - A
        _check_finite(b, "the right-hand side (final demand, intensities or emissions)")
        if self.method == "iterative":
            out = self._gmres(b, trans)
        elif self.method == "splu":
            out = self.lu.solve(np.ascontiguousarray(b), trans="T" if trans else "N")
        else:
            out = sla.lu_solve(self.lu, b, trans=1 if trans else 0, check_finite=False)
        if not np.all(np.isfinite(out)):
            raise ModelError(_SINGULAR)
        return out

    def _gmres(self, b: np.ndarray, trans: bool) -> np.ndarray:
        m = self.mt if trans else self.m
        cols = b.reshape(self.n, -1)
        out = np.empty_like(cols)
        for k in range(cols.shape[1]):
            rhs = cols[:, k]
            nb = np.linalg.norm(rhs)
            if nb == 0:
                out[:, k] = 0.0
                continue
            # x0 = b (first Neumann term) converges quickly for a productive A
            xk, info = spla.gmres(m, rhs, x0=rhs.copy(), rtol=ITERATIVE_RTOL, atol=0.0,
                                  restart=60, maxiter=200)
            res = np.linalg.norm(m @ xk - rhs) / nb
            if res > 1e3 * ITERATIVE_RTOL:
                raise ModelError(f"iterative Leontief solve did not converge (relative residual {res:.1e}); "
                                 "use solver='lu'")
            out[:, k] = xk
        return out.reshape(b.shape)


def _productive(a) -> bool:
    """True if ``a >= 0`` and every column sum < 1 (sufficient for (I-A)^-1 >= 0 to exist)."""
    if sp.issparse(a):
        if a.nnz and a.data.min() < 0:
            return False
        cs = np.asarray(abs(a).sum(axis=0)).ravel()
    else:
        if (a < 0).any():
            return False
        cs = a.sum(axis=0)
    return bool(cs.size == 0 or cs.max() < 1.0)


_SINGULAR = (
    "I - A is singular: the Leontief model has no unique solution. "
    "Check for a sector whose inputs equal or exceed its output (column sum "
    "of A >= 1) or a row/column of zeros with a zero output"
)


def _solve(a: np.ndarray, b: np.ndarray, trans: bool = False) -> np.ndarray:
    return _Factor(a).solve(b, trans=trans)


def leontief_factor(A: ArrayLike, method: str = "auto") -> _Factor:
    """Factorise ``I - A`` once, to reuse in several solves.

    Returns an object with ``solve(b, trans=False)``: ``(I - A)^-1 b`` or,
    with ``trans=True``, ``(I - A)^-T b``.  ``method``: ``"auto"``, ``"lu"``,
    ``"splu"`` or ``"iterative"`` (see the notes of :class:`_Factor`).
    """
    return _Factor(A, method)


def calc_x_from_A(A: ArrayLike, y: ArrayLike, *, factor: _Factor | None = None) -> ArrayLike:
    """Output required by final demand: ``x = (I - A)^-1 y``, by LU solve.

    Parameters
    ----------
    A : (n, n) array, DataFrame or scipy.sparse matrix
        Technical coefficients.
    y : (n,) or (n, k)
        Final demand (one or several columns), monetary.
    factor : optional
        A :func:`leontief_factor` of ``A`` to reuse.

    Returns
    -------
    Same shape as ``y``; same unit.

    Notes
    -----
    Miller & Blair (2009), ch. 2, ``x = L f``, solved without forming
    ``L``.
    """
    f = factor or _Factor(A)
    yv = _values(y)
    if yv.shape[0] != f.n:
        raise InputError(f"A is {f.n} x {f.n} but y has {yv.shape[0]} rows")
    x = f.solve(yv)
    if isinstance(y, pd.DataFrame):
        return pd.DataFrame(x, index=y.index, columns=y.columns)
    if isinstance(y, pd.Series):
        return pd.Series(x, index=y.index, name=y.name)
    return x


def calc_x_from_L(L: ArrayLike, y: ArrayLike) -> ArrayLike:
    """``x = L y`` for an already computed Leontief inverse (Miller & Blair 2009, ch. 2)."""
    x = _values(L) @ _values(y)
    if isinstance(y, pd.Series) and isinstance(L, pd.DataFrame):
        return pd.Series(x, index=L.index, name=y.name)
    if isinstance(y, pd.DataFrame) and isinstance(L, pd.DataFrame):
        return pd.DataFrame(x, index=L.index, columns=y.columns)
    return x


def calc_M(S: ArrayLike, A: ArrayLike, *, factor: _Factor | None = None) -> ArrayLike:
    """Total (direct + indirect) multipliers ``M = S (I - A)^-1``.

    Parameters
    ----------
    S : (n,) or (q, n)
        Direct intensities (e.g. t CO2 per 10^4 yuan).
    A : (n, n)
        Technical coefficients (dense, DataFrame or scipy.sparse).

    Returns
    -------
    Same type and shape as ``S``; unit of ``S`` (emissions per unit of
    final demand).

    Notes
    -----
    Miller & Blair (2009), ch. 10 (total impact coefficients).  Computed as
    ``M^T = (I - A)^-T S^T``, i.e. one solve per stressor, never forming
    ``L`` — the only feasible way for EXIOBASE-sized systems.
    """
    f = factor or _Factor(A)
    s = _values(S)
    one_d = s.ndim == 1
    s2 = s.reshape(1, -1) if one_d else s
    if s2.shape[1] != f.n:
        raise InputError(f"S has {s2.shape[1]} sectors but A is {f.n} x {f.n}")
    m = f.solve(s2.T, trans=True).T
    m = m.ravel() if one_d else m
    return _like(S, m)


def calc_M_from_L(S: ArrayLike, L: ArrayLike) -> ArrayLike:
    """``M = S L`` with an explicit Leontief inverse (Miller & Blair 2009, ch. 10)."""
    m = _values(S) @ _values(L)
    return _like(S, m)


def calc_embodied(M: ArrayLike, y: ArrayLike) -> ArrayLike:
    """Emissions embodied in a demand vector, by product: ``c = M ŷ``.

    Parameters
    ----------
    M : (n,)
        Total multipliers (emissions per unit of final demand).
    y : (n,) or (n, k)
        A demand vector (exports, imports, outflows, ...) or several.

    Returns
    -------
    ``m_i y_i`` per product (n) or (n, k); unit = unit(M) x unit(y), e.g. t CO2.
    Its sum is the total embodied emissions ``M y``.

    Notes
    -----
    Miller & Blair (2009), ch. 10; the product split is the one used for
    ECC/PECC (seed 002).
    """
    m = _vec(M, "M")
    yv = _values(y)
    if yv.shape[0] != len(m):
        raise InputError(f"M has {len(m)} sectors but y has {yv.shape[0]}")
    c = yv * (m if yv.ndim == 1 else m[:, None])
    return _like(y, c)


def calc_output_multipliers(A: ArrayLike) -> ArrayLike:
    """Simple output multipliers ``m(o)_j = Σ_i l_ij`` (Miller & Blair 2009, ch. 6)."""
    f = _Factor(A)
    m = f.solve(np.ones(f.n), trans=True)
    if isinstance(A, pd.DataFrame):
        return pd.Series(m, index=A.columns, name="output_multiplier")
    return m


def check_balance(
    Z: ArrayLike, Y: ArrayLike, x: ArrayLike, *, where: str = "table",
    rtol: float = BALANCE_RTOL,
) -> None:
    """Raise :class:`InputError` unless ``Z 1 + Y 1 = x`` within ``rtol``.

    ``Y`` holds every column of the use side with its sign (imports and
    inflows entered negative).
    """
    xv = _vec(x)
    rows = _vec(calc_x(Z, Y) if not isinstance(Z, pd.DataFrame) else calc_x(Z, Y).to_numpy())
    scale = np.maximum(np.abs(xv), 1.0)
    gap = np.abs(rows - xv) / scale
    bad = np.flatnonzero(gap > rtol)
    if bad.size:
        labels = list(Z.index[bad]) if isinstance(Z, pd.DataFrame) else bad.tolist()
        worst = int(bad[np.argmax(gap[bad])])
        raise InputError(
            f"{where} is unbalanced: row sums (intermediate use + final use + exports + "
            f"outflows - imports - inflows) differ from total output in {bad.size} sector(s) "
            f"{show(labels)}; largest gap {rows[worst] - xv[worst]:+.6g} in "
            f"{labels[list(bad).index(worst)]!r}. Put statistical discrepancies ('other', "
            "'errors') into a final-use column"
        )
