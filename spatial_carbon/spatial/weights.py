"""Spatial weights: contiguity, k-nearest neighbours, distance band, GAL/GWT files.

Every builder returns a :class:`Weights` (ids + a sparse matrix) together
with a :class:`ConnectivityReport` (components, islands, neighbour counts,
what the island policy did).  An all-zero row is never handed on silently:
an island is linked to its nearest neighbours (``islands="knn"``, default),
dropped from the analysis and reported as isolated (``islands="drop"``,
GeoDa's cluster code 6), or linked by a user table (``islands=DataFrame`` or
a ``LINKS.csv`` read with :func:`read_links`).

We hold weights as a ``scipy.sparse`` CSR matrix rather than a
``libpysal.weights.W``: W keeps Python dicts of neighbours, which takes tens
of seconds and gigabytes at a million cells, and its contiguity builders
(``Queen.from_dataframe``) take ~37 s there.  :meth:`Weights.to_libpysal`
converts for interoperability (esda, giddy) and the tests check our
contiguity against libpysal's on the PySAL example data.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse import csgraph

from .. import regions as _regions
from .._io import atomic_path, read_csv
from ..errors import InputError, WeightsError, shortlist, show

__all__ = [
    "ConnectivityReport",
    "Weights",
    "build",
    "contiguity_pairs",
    "from_file",
    "from_pairs",
    "from_sparse",
    "read_gal",
    "read_gwt",
    "read_links",
    "write_gal",
    "write_gwt",
    "normalise_ids",
]

KINDS = ("queen", "rook", "knn", "distance", "file")
ISLAND_POLICIES = ("knn", "drop", "links")
_EARTH_RADIUS_KM = 6371.0088


# --------------------------------------------------------------------------- #
# result objects
# --------------------------------------------------------------------------- #
@dataclasses.dataclass(frozen=True)
class ConnectivityReport:
    """Connectivity of a weights matrix, after the island policy was applied.

    Attributes
    ----------
    n : int
        Units kept in the weights (excludes dropped islands).
    n_links : int
        Non-zero off-diagonal weights (directed).
    n_components : int
        Connected components of the (symmetrised) neighbour graph.
    component_sizes : tuple of int
        Sizes of the components, largest first.
    islands : tuple
        Ids that had no neighbour under the requested ``kind``.
    island_policy : str
        ``"knn"``, ``"drop"``, ``"links"`` or ``"none"`` (no islands).
    added_links : tuple of (id, id)
        Undirected links added by the island policy.
    dropped : tuple
        Ids removed from the analysis (reported as isolated, code 6).
    min_neighbors, max_neighbors : int
    mean_neighbors : float
    neighbor_histogram : dict
        ``{number of neighbours: number of units}``.
    kind, transform : str
        How the weights were built and standardised.
    """

    n: int
    n_links: int
    n_components: int
    component_sizes: tuple
    islands: tuple
    island_policy: str
    added_links: tuple
    dropped: tuple
    min_neighbors: int
    mean_neighbors: float
    max_neighbors: int
    neighbor_histogram: dict
    kind: str
    transform: str

    def as_dict(self) -> dict[str, Any]:
        """Plain-Python dict (JSON-serialisable) of the report."""
        d = dataclasses.asdict(self)
        d["component_sizes"] = [int(s) for s in self.component_sizes]
        d["islands"] = [_py(i) for i in self.islands]
        d["dropped"] = [_py(i) for i in self.dropped]
        d["added_links"] = [[_py(a), _py(b)] for a, b in self.added_links]
        d["neighbor_histogram"] = {int(k): int(v) for k, v in self.neighbor_histogram.items()}
        return d

    def summary(self) -> str:
        """One-paragraph human-readable summary."""
        s = (
            f"{self.kind} weights ({self.transform}): {self.n} units, {self.n_links} links, "
            f"neighbours min/mean/max {self.min_neighbors}/{self.mean_neighbors:.2f}/"
            f"{self.max_neighbors}, {self.n_components} connected component(s)"
        )
        if self.islands:
            s += f"; islands {list(map(_py, self.islands))} handled by policy {self.island_policy!r}"
            if self.added_links:
                s += f" (links added: {[(_py(a), _py(b)) for a, b in self.added_links]})"
            if self.dropped:
                s += f" (dropped, reported as isolated: {list(map(_py, self.dropped))})"
        return s


def _py(x):
    return x.item() if isinstance(x, np.generic) else x


@dataclasses.dataclass(frozen=True, eq=False)
class Weights:
    """Spatial weights: ``ids`` and a sparse ``n x n`` matrix aligned with them.

    Attributes
    ----------
    ids : numpy.ndarray
        Unit ids in matrix order (region codes when ``region_ids``).
    sparse : scipy.sparse.csr_matrix
        Transformed weights (row-standardised by default); no all-zero row.
    binary : scipy.sparse.csr_matrix
        Untransformed weights (1 for contiguity/KNN; file weights for GWT).
    transform : {"r", "b"}
        ``"r"`` row-standardised, ``"b"`` untransformed.
    kind : str
        How the weights were built.
    dropped : tuple
        Ids of the layer that are excluded (``islands="drop"``).
    region_ids : bool
        ``True`` if ``ids`` are GB/T 2260 region codes.
    report : ConnectivityReport
    """

    ids: np.ndarray
    sparse: sp.csr_matrix
    binary: sp.csr_matrix
    transform: str
    kind: str
    dropped: tuple
    region_ids: bool
    report: ConnectivityReport

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def cardinalities(self) -> np.ndarray:
        """Number of neighbours of each unit (int array aligned with ``ids``)."""
        return np.diff(self.binary.indptr)

    @property
    def all_ids(self) -> tuple:
        """Kept ids followed by dropped ids: every id of the source layer."""
        return tuple(self.ids.tolist()) + tuple(self.dropped)

    def lag(self, x: np.ndarray) -> np.ndarray:
        """Spatial lag ``W x`` (with the transformed weights)."""
        return self.sparse @ np.asarray(x, dtype=float)

    def to_libpysal(self):
        """The same weights as a ``libpysal.weights.W`` (for esda/giddy)."""
        from libpysal.weights import WSP

        w = WSP(self.sparse.tocsr(), id_order=list(self.ids.tolist())).to_W(silence_warnings=True)
        w.transform = "o"  # values already transformed; keep them as they are
        return w

    def to_frame(self) -> pd.DataFrame:
        """Long table of links: ``focal``, ``neighbor``, ``weight``."""
        coo = self.sparse.tocoo()
        return pd.DataFrame({
            "focal": self.ids[coo.row], "neighbor": self.ids[coo.col], "weight": coo.data,
        })


# --------------------------------------------------------------------------- #
# ids
# --------------------------------------------------------------------------- #
def _looks_like_regions(values: pd.Series, field: str | None = None) -> bool:
    """True if the ids are provincial under the rule of
    :func:`spatial_carbon.regions.normalise_ids` (mixed columns raise there)."""
    s = pd.Series(values)
    if s.isna().any() or len(s) == 0:
        return False
    return _regions.id_kind(s, where=f"zones field {field!r}" if field else "ids") == "province"


def normalise_ids(values, *, regions: bool, where: str) -> np.ndarray:
    """Ids as a numpy array: region codes (int64) if ``regions``, else as given
    in canonical form (:func:`spatial_carbon.regions.canonical_ids`: whole
    numbers, also ``1.0`` from a CSV with gaps, become int64; other ids text).
    """
    s = pd.Series(values).reset_index(drop=True)
    if s.isna().any():
        raise InputError(f"{where}: {int(s.isna().sum())} empty id(s); every row needs an id")
    if regions:
        return _regions.normalise_ids(s, ids="province", where=where)[0].to_numpy()
    out = _regions.canonical_ids(s, where=where)
    return out.to_numpy() if out.dtype == "int64" else out.to_numpy(dtype=object)


def _check_unique(ids: np.ndarray, where: str) -> None:
    u, c = np.unique(ids.astype(str) if ids.dtype == object else ids, return_counts=True)
    if (c > 1).any():
        dup = u[c > 1][:20].tolist()
        raise WeightsError(f"{where}: duplicate id(s) {show(list(dup))}; ids must be unique")


# --------------------------------------------------------------------------- #
# neighbour pairs from geometry
# --------------------------------------------------------------------------- #
def _pairs_from_groups(keys: tuple[np.ndarray, ...], owner: np.ndarray) -> np.ndarray:
    """All (a, b) owner pairs, a != b, whose rows share the same key.

    ``keys`` are equal-length arrays (lexsorted together); rows of one owner
    with the same key must already be unique.
    """
    order = np.lexsort(tuple(reversed(keys)))
    ks = [k[order] for k in keys]
    own = owner[order]
    m = len(own)
    if m < 2:
        return np.empty((0, 2), dtype=np.int64)
    same_next = np.ones(m - 1, dtype=bool)
    for k in ks:
        same_next &= k[1:] == k[:-1]
    out = []
    d = 1
    same = same_next
    while same.any():
        idx = np.nonzero(same)[0]
        a, b = own[idx], own[idx + d]
        keep = a != b
        out.append(np.column_stack([a[keep], b[keep]]))
        # a run continues d+1 steps only if each step stays in the group
        same = same[:-1] & same_next[d:] if len(same) > 1 else same[:0]
        d += 1
    if not out:
        return np.empty((0, 2), dtype=np.int64)
    p = np.concatenate(out).astype(np.int64)
    return np.concatenate([p, p[:, ::-1]])


def contiguity_pairs(geoms, kind: str = "queen", tolerance: float = 0.0) -> np.ndarray:
    """Neighbour pairs ``(i, j)`` (both directions) of polygons by position.

    Parameters
    ----------
    geoms : array-like of shapely Polygon/MultiPolygon
    kind : {"queen", "rook"}
        Queen: share at least one vertex.  Rook: share at least one edge
        (two consecutive vertices).  Both are vertex-based, like GeoDa and
        libpysal's ``Queen``/``Rook`` (exact coordinate equality).
    tolerance : float
        If > 0: fuzzy contiguity, polygons closer than ``tolerance`` (CRS
        units) are neighbours (queen only; shapely STRtree ``dwithin``).
        Catches hand-digitised boundaries with slivers or gaps.

    Returns
    -------
    numpy.ndarray, shape (m, 2), int64
    """
    import shapely

    g = np.asarray(geoms, dtype=object)
    if tolerance and tolerance > 0:
        if kind != "queen":
            raise WeightsError("fuzzy contiguity (tolerance > 0) is defined for queen only")
        tree = shapely.STRtree(g)
        a, b = tree.query(g, predicate="dwithin", distance=float(tolerance))
        keep = a != b
        p = np.column_stack([a[keep], b[keep]]).astype(np.int64)
        return _unique_pairs(np.concatenate([p, p[:, ::-1]]), len(g))
    if kind == "queen":
        xy, owner = shapely.get_coordinates(g, return_index=True)
        # one row per (vertex, owner): ring closing points and shared ring vertices
        key = np.lexsort((owner, xy[:, 1], xy[:, 0]))
        xy, owner = xy[key], owner[key]
        dup = np.zeros(len(owner), dtype=bool)
        dup[1:] = (xy[1:, 0] == xy[:-1, 0]) & (xy[1:, 1] == xy[:-1, 1]) & (owner[1:] == owner[:-1])
        xy, owner = xy[~dup], owner[~dup]
        p = _pairs_from_groups((xy[:, 0], xy[:, 1]), owner)
    elif kind == "rook":
        parts, part_owner = shapely.get_parts(g, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        xy, ring_idx = shapely.get_coordinates(rings, return_index=True)
        owner_of_ring = part_owner[ring_part]
        same_ring = ring_idx[1:] == ring_idx[:-1]
        p0, p1 = xy[:-1][same_ring], xy[1:][same_ring]
        own = owner_of_ring[ring_idx[:-1][same_ring]]
        swap = (p0[:, 0] > p1[:, 0]) | ((p0[:, 0] == p1[:, 0]) & (p0[:, 1] > p1[:, 1]))
        lo = np.where(swap[:, None], p1, p0)
        hi = np.where(swap[:, None], p0, p1)
        e = np.column_stack([lo, hi, own.astype(float)])
        e = _unique_rows(e)
        p = _pairs_from_groups((e[:, 0], e[:, 1], e[:, 2], e[:, 3]), e[:, 4].astype(np.int64))
    else:
        raise WeightsError(f"unknown contiguity {kind!r}; use queen or rook")
    return _unique_pairs(p, len(g))


def _unique_pairs(p: np.ndarray, n: int) -> np.ndarray:
    if len(p) == 0:
        return np.empty((0, 2), dtype=np.int64)
    key = np.sort(p[:, 0].astype(np.int64) * n + p[:, 1])
    # sort + diff: numpy 2.x's hash-based np.unique is ~10x slower here
    key = key[np.concatenate([[True], key[1:] != key[:-1]])]
    return np.column_stack([key // n, key % n])


def _unique_rows(e: np.ndarray) -> np.ndarray:
    order = np.lexsort(tuple(e[:, c] for c in reversed(range(e.shape[1]))))
    e = e[order]
    keep = np.ones(len(e), dtype=bool)
    keep[1:] = np.any(e[1:] != e[:-1], axis=1)
    return e[keep]


def _unit_vectors(points_xy: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(points_xy[:, 0]), np.radians(points_xy[:, 1])
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _points_for_distance(gdf) -> tuple[np.ndarray, bool]:
    """Representative coordinates for distance-based weights; 3-D unit vectors
    if the CRS is geographic (chord distance is monotone in great-circle)."""
    import shapely

    geoms = np.asarray(gdf.geometry.values, dtype=object)
    types = shapely.get_type_id(geoms)
    pts = np.where(types == 0, geoms, shapely.centroid(geoms))
    xy = shapely.get_coordinates(pts)
    geographic = bool(gdf.crs is not None and gdf.crs.is_geographic)
    return (_unit_vectors(xy) if geographic else xy), geographic


def knn_pairs(coords: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """k nearest neighbours (excluding self) of every point: pairs and distances."""
    from scipy.spatial import cKDTree

    n = len(coords)
    if k < 1 or k > n - 1:
        raise WeightsError(f"k={k} nearest neighbours impossible with {n} units; use 1 <= k <= {n - 1}")
    d, j = cKDTree(coords).query(coords, k=k + 1)
    i = np.repeat(np.arange(n), k + 1)
    d, j = d.ravel(), j.ravel()
    keep = j != i
    i, j, d = i[keep], j[keep], d[keep]
    # with duplicate points self may not be the first hit: keep exactly k per row
    order = np.lexsort((d, i))
    i, j, d = i[order], j[order], d[order]
    rank = np.arange(len(i)) - np.searchsorted(i, i)
    keep = rank < k
    return np.column_stack([i[keep], j[keep]]), d[keep]


# --------------------------------------------------------------------------- #
# assembly
# --------------------------------------------------------------------------- #
def _binary_from_pairs(pairs: np.ndarray, n: int, values=None) -> sp.csr_matrix:
    v = np.ones(len(pairs)) if values is None else np.asarray(values, dtype=float)
    m = sp.csr_matrix((v, (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    m.sum_duplicates()
    m.setdiag(0)
    m.eliminate_zeros()
    m.sort_indices()
    return m


def _island_links_knn(gdf, islands: np.ndarray, k: int) -> np.ndarray:
    """Symmetric links from each island to its ``k`` nearest other units.

    Nearest by boundary-to-boundary distance (shapely) for polygon layers up
    to a few hundred thousand units, by representative point otherwise.
    """
    import shapely

    n = len(gdf)
    if n - 1 < k:
        raise WeightsError(f"cannot link islands to {k} neighbour(s): only {n} units")
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    out = []
    if len(islands) * n <= 5e7:
        for i in islands:
            d = shapely.distance(geoms[i], geoms)
            d[i] = np.inf
            nb = np.argsort(d, kind="stable")[:k]
            out += [(i, j) for j in nb]
    else:
        coords, _ = _points_for_distance(gdf)
        from scipy.spatial import cKDTree

        _, j = cKDTree(coords).query(coords[islands], k=k + 1)
        for i, row in zip(islands, np.atleast_2d(j)):
            out += [(i, jj) for jj in row if jj != i][:k]
    p = np.asarray(out, dtype=np.int64).reshape(-1, 2)
    return p


def _report(binary: sp.csr_matrix, ids, *, kind, transform, islands, policy, added, dropped):
    n = binary.shape[0]
    card = np.diff(binary.indptr)
    if n:
        ncomp, lab = csgraph.connected_components(binary, directed=True, connection="weak")
        sizes = tuple(sorted(np.bincount(lab).tolist(), reverse=True))
    else:
        ncomp, sizes = 0, ()
    vals, counts = np.unique(card, return_counts=True)
    return ConnectivityReport(
        n=int(n), n_links=int(binary.nnz), n_components=int(ncomp), component_sizes=sizes,
        islands=tuple(_py(i) for i in islands), island_policy=policy,
        added_links=tuple((_py(a), _py(b)) for a, b in added),
        dropped=tuple(_py(i) for i in dropped),
        min_neighbors=int(card.min()) if n else 0,
        mean_neighbors=float(card.mean()) if n else 0.0,
        max_neighbors=int(card.max()) if n else 0,
        neighbor_histogram={int(v): int(c) for v, c in zip(vals, counts)},
        kind=kind, transform=transform,
    )


def _transform(binary: sp.csr_matrix, transform: str) -> sp.csr_matrix:
    t = transform.lower()
    if t == "b":
        return binary.copy()
    if t == "r":
        rs = np.asarray(binary.sum(axis=1)).ravel()
        with np.errstate(divide="ignore"):
            inv = np.where(rs != 0, 1.0 / rs, 0.0)
        return sp.csr_matrix(sp.diags(inv) @ binary)
    raise WeightsError(f"unknown transform {transform!r}; use 'r' (row-standardised) or 'b' (binary)")


def from_pairs(
    ids: Sequence,
    pairs: np.ndarray,
    values: np.ndarray | None = None,
    *,
    kind: str = "custom",
    transform: str = "r",
    islands: str | pd.DataFrame = "knn",
    island_k: int = 1,
    gdf=None,
    region_ids: bool = False,
) -> tuple[Weights, ConnectivityReport]:
    """Weights from positional neighbour pairs, applying the island policy.

    Parameters
    ----------
    ids : sequence
        Unit ids (positions are indices into it).
    pairs : array (m, 2) of int
        Positional neighbour pairs (directed; give both directions for
        symmetric weights).
    values : array (m,), optional
        Weights of the pairs (default 1).
    islands : {"knn", "drop"} or DataFrame
        Policy for units without neighbours, see :func:`build`.  ``"knn"``
        needs ``gdf`` (geometry aligned with ``ids``).
    island_k : int
        Neighbours given to each island under ``"knn"`` (default 1).
    """
    ids = np.asarray(ids)
    n = len(ids)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    binary = _binary_from_pairs(pairs, n, values)
    card = np.diff(binary.indptr)
    isl = np.nonzero(card == 0)[0]
    island_ids = [_py(v) for v in ids[isl].tolist()]
    added: list = []
    dropped: tuple = ()
    policy = "none"
    if len(isl):
        links = None
        if isinstance(islands, pd.DataFrame):
            policy = "links"
            links = _links_positions(islands, ids)
        elif islands == "knn":
            policy = "knn"
            if gdf is None:
                raise WeightsError(
                    f"{len(isl)} island(s) {show(list(island_ids)[:20])} and no geometry to find their "
                    "nearest neighbours; pass islands='drop' or a links table"
                )
            links = _island_links_knn(gdf, isl, island_k)
        elif islands == "drop":
            policy = "drop"
            keep = card > 0
            dropped = tuple(_py(v) for v in ids[~keep].tolist())
            binary = sp.csr_matrix(binary[keep][:, keep])
            ids = ids[keep]
        else:
            raise WeightsError(
                f"unknown island policy {islands!r}; use 'knn', 'drop' or a links table"
            )
        if links is not None:
            coo = binary.tocoo()
            new = np.concatenate([links, links[:, ::-1]])
            present = set(zip(coo.row.tolist(), coo.col.tolist()))
            # each directed link once: two islands that are each other's nearest unit
            # give (i, j) and (j, i) twice, which _binary_from_pairs would sum to 2
            new = np.array(list(dict.fromkeys(tuple(p) for p in new.tolist()
                                              if tuple(p) not in present)),
                           dtype=np.int64).reshape(-1, 2)
            # a link added to a weighted (GWT) matrix gets weight 1
            binary = _binary_from_pairs(
                np.concatenate([np.column_stack([coo.row, coo.col]), new]), n,
                np.concatenate([coo.data, np.ones(len(new))]),
            )
            seen = set()
            for a, b in links.tolist():
                key = (min(a, b), max(a, b))
                if key not in seen:
                    seen.add(key)
                    added.append((_py(ids[a]), _py(ids[b])))
        card = np.diff(binary.indptr)
        if (card == 0).any():
            still = ids[card == 0][:20].tolist()
            raise WeightsError(
                f"unit(s) {still} still have no neighbour after the island policy {policy!r}; "
                "add links for them to the links table, or use islands='knn' or 'drop'"
            )
    if n and len(ids) == 0:
        raise WeightsError("every unit is an island; no weights can be formed")
    if binary.data.size and (binary.data < 0).any():
        raise WeightsError("negative spatial weights are not allowed")
    rep = _report(binary, ids, kind=kind, transform=transform.lower(), islands=island_ids,
                  policy=policy, added=added, dropped=dropped)
    w = Weights(
        ids=ids, sparse=_transform(binary, transform), binary=binary, transform=transform.lower(),
        kind=kind, dropped=dropped, region_ids=region_ids, report=rep,
    )
    return w, rep


def _links_positions(links: pd.DataFrame, ids: np.ndarray) -> np.ndarray:
    cols = [c for c in links.columns]
    if len(cols) < 2:
        raise WeightsError("links table needs two columns: the two ids of each link")
    a_col, b_col = cols[0], cols[1]
    pos = {(str(v) if ids.dtype == object else v): i for i, v in enumerate(ids.tolist())}

    def conv(v):
        if ids.dtype == object:
            return str(v)
        try:
            return int(v)
        except (TypeError, ValueError):
            return v

    bad, out = [], []
    for a, b in zip(links[a_col].tolist(), links[b_col].tolist()):
        ia, ib = pos.get(conv(a)), pos.get(conv(b))
        if ia is None:
            bad.append(a)
        if ib is None:
            bad.append(b)
        if ia is not None and ib is not None and ia != ib:
            out.append((ia, ib))
    if bad:
        raise WeightsError(f"links table names id(s) not in the layer: {show(sorted(set(map(str, bad))))}")
    return np.asarray(out, dtype=np.int64).reshape(-1, 2)


def from_sparse(ids: Sequence, matrix, *, kind: str = "custom", transform: str = "r",
                islands: str | pd.DataFrame = "drop", gdf=None,
                region_ids: bool = False) -> tuple[Weights, ConnectivityReport]:
    """Weights from an ``n x n`` sparse matrix of raw weights aligned with ``ids``."""
    coo = sp.coo_matrix(matrix)
    return from_pairs(
        ids, np.column_stack([coo.row, coo.col]), coo.data, kind=kind, transform=transform,
        islands=islands, gdf=gdf, region_ids=region_ids,
    )


# --------------------------------------------------------------------------- #
# public builder
# --------------------------------------------------------------------------- #
def parse_kind(kind: str) -> tuple[str, int | None, str | None]:
    """``(kind, k, path)`` of a weights spec: a kind of :data:`KINDS`, ``knn:K``
    or a ``.gal``/``.gwt`` file name (checked before any weights are built).

    Raises
    ------
    WeightsError
        For an unknown kind or a ``knn:K`` without a whole K >= 1.
    """
    kind_s, k, path = str(kind), None, None
    if kind_s.lower().startswith("knn:"):
        try:
            k = int(kind_s.split(":", 1)[1])
        except ValueError:
            k = 0
        if k < 1:
            raise WeightsError(f"bad weights spec {kind!r}; use knn:K with a whole K >= 1") from None
        kind_s = "knn"
    elif kind_s.lower().endswith((".gal", ".gwt")):
        path, kind_s = kind_s, "file"
    kind_s = kind_s.lower()
    if kind_s not in KINDS:
        raise WeightsError(f"unknown weights kind {kind!r}; use one of {', '.join(KINDS)}, "
                           "knn:K, FILE.gal or FILE.gwt")
    return kind_s, k, path


def build(
    gdf,
    id_field: str,
    kind: str = "queen",
    *,
    islands: str | pd.DataFrame = "knn",
    k: int = 4,
    island_k: int = 1,
    threshold: float | None = None,
    tolerance: float = 0.0,
    transform: str = "r",
    path: str | os.PathLike | None = None,
    regions: bool | None = None,
) -> tuple[Weights, ConnectivityReport]:
    """Build spatial weights for a polygon (or point) layer.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The zones.  Not modified.
    id_field : str
        Column of ``gdf`` holding the unit ids (shared with the data table).
    kind : {"queen", "rook", "knn", "distance", "file"}
        Queen (default) / rook contiguity; ``k`` nearest neighbours of the
        representative points; distance band (``threshold``); or weights read
        from ``path`` (``.gal``/``.gwt``), validated against the layer's ids.
        Strings ``"knn:6"`` and paths ending in ``.gal``/``.gwt`` are accepted.
    islands : {"knn", "drop"}, DataFrame or path to a LINKS.csv
        Policy for units without neighbours.  ``"knn"`` (default): link each
        island to its ``island_k`` nearest units (boundary distance),
        symmetrically.  ``"drop"``: exclude it from the analysis; it is
        reported as isolated (GeoDa cluster code 6).  A DataFrame whose first
        two columns are id pairs: add these links (symmetrically).
    k : int
        Neighbours for ``kind="knn"``.
    threshold : float
        Distance band for ``kind="distance"``: CRS units, or kilometres
        (great-circle) when the CRS is geographic.
    tolerance : float
        Fuzzy contiguity tolerance in CRS units (queen only); 0 = exact.
    transform : {"r", "b"}
        Row-standardise (default) or keep binary/file weights.
    regions : bool, optional
        Treat ids as Chinese region names/codes and normalise them to
        GB/T 2260 codes.  Default: auto (field name like ``region`` or
        values that all resolve in :mod:`spatial_carbon.regions`).

    Returns
    -------
    (Weights, ConnectivityReport)

    Raises
    ------
    WeightsError
        Unknown kind, duplicate ids, islands left without neighbours,
        missing geometry, ids in a weights file that are not in the layer.
    InputError
        If ``id_field`` is not a column.

    Notes
    -----
    Contiguity is vertex based, as in GeoDa and libpysal (queen: one shared
    vertex; rook: one shared edge).  An island given an all-zero row makes
    its local Moran's I zero with a degenerate permutation distribution; in
    esda 2.8 such a unit comes out "significant" (p = 1/(P+1)).  We never
    build such a row: the policy above is applied, and the report says what
    was done.
    """
    import shapely

    if id_field not in gdf.columns:
        raise InputError(
            f"zones have no id field {id_field!r} (fields: {', '.join(map(str, gdf.columns))})"
        )
    if isinstance(islands, (str, os.PathLike)) and str(islands) not in ISLAND_POLICIES:
        if str(islands).lower().endswith(".csv"):
            islands = read_links(islands)
    kind_s, k_spec, path_spec = parse_kind(kind)
    k = k if k_spec is None else k_spec
    path = path if path_spec is None else path_spec
    if regions is None:
        regions = _looks_like_regions(gdf[id_field], id_field)
    ids = normalise_ids(gdf[id_field], regions=regions, where=f"zones field {id_field!r}")
    _check_unique(ids, f"zones field {id_field!r}")
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    if kind_s != "file":
        empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        if empty.any():
            raise WeightsError(
                f"unit(s) {ids[empty][:20].tolist()} have no geometry; fix or remove them from the zones"
            )
    if kind_s in ("queen", "rook"):
        pairs = contiguity_pairs(geoms, kind_s, tolerance)
        return from_pairs(ids, pairs, kind=kind_s + (f"~{tolerance:g}" if tolerance else ""),
                          transform=transform, islands=islands, island_k=island_k, gdf=gdf,
                          region_ids=regions)
    if kind_s == "knn":
        coords, _ = _points_for_distance(gdf)
        pairs, _ = knn_pairs(coords, int(k))
        return from_pairs(ids, pairs, kind=f"knn:{int(k)}", transform=transform, islands=islands,
                          island_k=island_k, gdf=gdf, region_ids=regions)
    if kind_s == "distance":
        if threshold is None or not threshold > 0:
            raise WeightsError("distance-band weights need a positive threshold")
        from scipy.spatial import cKDTree

        coords, geographic = _points_for_distance(gdf)
        r = 2 * np.sin(threshold / _EARTH_RADIUS_KM / 2) if geographic else threshold
        m = cKDTree(coords).sparse_distance_matrix(cKDTree(coords), r, output_type="ndarray")
        keep = m["i"] != m["j"]
        pairs = np.column_stack([m["i"][keep], m["j"][keep]])
        return from_pairs(ids, pairs, kind=f"distance:{threshold:g}", transform=transform,
                          islands=islands, island_k=island_k, gdf=gdf, region_ids=regions)
    # file
    if path is None:
        raise WeightsError("kind='file' needs path= to a .gal or .gwt file")
    fids, fpairs, fvals = _read_weights_file(path)
    fids = normalise_ids(pd.Series(fids), regions=regions, where=str(path))
    _check_unique(fids, str(path))
    _same_ids(ids, fids, "zones", str(path))
    pos = {v: i for i, v in enumerate(ids.tolist())}
    fmap = np.array([pos[v] for v in fids.tolist()], dtype=np.int64)
    pairs = fmap[fpairs] if len(fpairs) else fpairs
    return from_pairs(ids, pairs, fvals, kind=f"file:{Path(path).name}", transform=transform,
                      islands=islands, island_k=island_k, gdf=gdf, region_ids=regions)


def _same_ids(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    sa, sb = set(a.tolist()), set(b.tolist())
    only_a, only_b = sorted(sa - sb, key=str), sorted(sb - sa, key=str)
    if only_a or only_b:
        parts = []
        if only_a:
            parts.append(f"{len(only_a)} id(s) only in {name_a}: {shortlist(_regions.labels(only_a))}")
        if only_b:
            parts.append(f"{len(only_b)} id(s) only in {name_b}: {shortlist(_regions.labels(only_b))}")
        raise WeightsError(
            "; ".join(parts) + ". Both must hold the same ids: remove the extra units or add the missing ones"
        )


# --------------------------------------------------------------------------- #
# GeoDa GAL / GWT files and link tables (I/O layer)
# --------------------------------------------------------------------------- #
def _read_weights_file(path) -> tuple[list, np.ndarray, np.ndarray | None]:
    p = Path(path)
    if not p.is_file():
        raise WeightsError(f"weights file not found: {p}")
    suf = p.suffix.lower()
    if suf == ".gal":
        return read_gal(p)
    if suf == ".gwt":
        return read_gwt(p)
    raise WeightsError(f"{p}: unknown weights file type; use .gal or .gwt")


def _tok(s: str):
    try:
        return int(s)
    except ValueError:
        return s


def read_gal(path: str | os.PathLike) -> tuple[list, np.ndarray, None]:
    """Read a GeoDa ``.gal`` file.

    Returns ``(ids, pairs, None)``: ids in file order and positional pairs.
    Header is ``n`` or ``0 n layer idvar``; then, per unit, ``id k`` and a
    line with its ``k`` neighbour ids (libpysal's reader builds a dict-based
    W, which is slow at a million units, hence this small parser).
    """
    p = Path(path)
    toks = p.read_text(encoding="utf-8-sig").split("\n")
    lines = [ln.strip() for ln in toks if ln.strip()]
    if not lines:
        raise WeightsError(f"{p}: empty GAL file")
    head = lines[0].split()
    try:
        n = int(head[1]) if len(head) >= 2 and head[0] == "0" else int(head[0])
    except ValueError:
        raise WeightsError(f"{p}: bad GAL header {lines[0]!r}") from None
    ids, nbrs = [], []
    pos = 1
    for _ in range(n):
        try:
            h = lines[pos].split()
            uid, card = _tok(h[0]), int(h[1])
        except (IndexError, ValueError):
            raise WeightsError(f"{p}: bad GAL record at line {pos + 1}") from None
        pos += 1
        nb = []
        if card:
            nb = [_tok(t) for t in lines[pos].split()]
            pos += 1
        if len(nb) != card:
            raise WeightsError(f"{p}: unit {uid} declares {card} neighbours but lists {len(nb)}")
        ids.append(uid)
        nbrs.append(nb)
    index = {u: i for i, u in enumerate(ids)}
    pairs = []
    for i, nb in enumerate(nbrs):
        for v in nb:
            if v not in index:
                raise WeightsError(f"{p}: neighbour {v!r} of {ids[i]!r} is not a unit of the file")
            pairs.append((i, index[v]))
    return ids, np.asarray(pairs, dtype=np.int64).reshape(-1, 2), None


def read_gwt(path: str | os.PathLike) -> tuple[list, np.ndarray, np.ndarray]:
    """Read a GeoDa ``.gwt`` file: header ``0 n layer idvar``, then ``i j w``.

    Units appear in order of first mention; a unit that is never mentioned
    cannot be represented in GWT, so its ids come from the layer check.
    """
    p = Path(path)
    lines = [ln.split() for ln in p.read_text(encoding="utf-8-sig").splitlines() if ln.strip()]
    if not lines:
        raise WeightsError(f"{p}: empty GWT file")
    body = lines[1:] if len(lines[0]) != 3 or lines[0][0] == "0" else lines
    ids, index, pairs, vals = [], {}, [], []
    for r, ln in enumerate(body, start=2):
        if len(ln) < 3:
            raise WeightsError(f"{p}: line {r} needs 'id neighbour weight'")
        a, b = _tok(ln[0]), _tok(ln[1])
        try:
            v = float(ln[2])
        except ValueError:
            raise WeightsError(f"{p}: line {r}: weight {ln[2]!r} is not a number") from None
        for u in (a, b):
            if u not in index:
                index[u] = len(ids)
                ids.append(u)
        pairs.append((index[a], index[b]))
        vals.append(v)
    return ids, np.asarray(pairs, dtype=np.int64).reshape(-1, 2), np.asarray(vals, dtype=float)


def write_gal(w: Weights, path: str | os.PathLike, *, layer: str = "unknown",
              id_field: str = "id") -> Path:
    """Write the (untransformed) neighbour structure as a GeoDa ``.gal`` file, atomically."""
    b = w.binary.tocsr()
    out = [f"0 {w.n} {layer} {id_field}"]
    for i, uid in enumerate(w.ids.tolist()):
        nb = w.ids[b.indices[b.indptr[i]:b.indptr[i + 1]]].tolist()
        out.append(f"{uid} {len(nb)}")
        out.append(" ".join(map(str, nb)))
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(out) + "\n", encoding="utf-8")
    return Path(path)


def write_gwt(w: Weights, path: str | os.PathLike, *, layer: str = "unknown",
              id_field: str = "id") -> Path:
    """Write the untransformed weights as a GeoDa ``.gwt`` file, atomically."""
    coo = w.binary.tocoo()
    lines = [f"0 {w.n} {layer} {id_field}"]
    lines += [f"{w.ids[i]} {w.ids[j]} {v:.10g}" for i, j, v in zip(coo.row, coo.col, coo.data)]
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(path)


def read_links(path: str | os.PathLike) -> pd.DataFrame:
    """Read a user link table (CSV): the first two columns are the ids of each link."""
    df = read_csv(path)
    if df.shape[1] < 2:
        raise WeightsError(f"{path}: a links table needs two columns (id, neighbour id)")
    return df.iloc[:, :2]


def from_file(
    path: str | os.PathLike,
    *,
    transform: str = "r",
    islands: str | pd.DataFrame = "drop",
    regions: bool | None = False,
) -> tuple[Weights, ConnectivityReport]:
    """Weights from a GeoDa ``.gal``/``.gwt`` file alone (no layer).

    Ids come from the file.  Without geometry, ``islands="knn"`` is not
    possible; the default policy is ``"drop"``.  Use :func:`build` with
    ``kind=PATH`` to check a file against a layer's ids.
    """
    fids, pairs, vals = _read_weights_file(path)
    if regions is None:
        regions = _looks_like_regions(pd.Series(fids), None)
    ids = normalise_ids(pd.Series(fids), regions=bool(regions), where=str(path))
    _check_unique(ids, str(path))
    return from_pairs(ids, pairs, vals, kind=f"file:{Path(path).name}", transform=transform,
                      islands=islands, region_ids=bool(regions))
