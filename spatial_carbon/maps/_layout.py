"""Text placement on maps and charts, once the figure's layout is final.

Three rules, applied by :func:`finish` (each figure function calls it last,
after ``tight_layout`` and the legend):

1. **Scale bar in open sea.**  The bar and its numbers move to the first
   free spot of a grid over the lower half of the axes -- bottom row first,
   nearest the preferred spot (:data:`SCALE_BAR_PREFERRED`) first -- where
   their box (padded by :data:`PAD_PT`) touches no drawn region, no legend, no
   inset and no north arrow.  Regions are tested as geometry (shapely
   STRtree), not as bounding boxes, so the bar may sit in a bay.
2. **Inset label clear of the dashes.**  "South China Sea Islands" goes to
   the free spot nearest the inset's lower-right corner (as on China's
   standard maps) where its box touches neither the maritime boundary line
   nor an island; failing all, below the inset frame.
3. **Region and point labels** are separated by adjustText (Flores & Ott,
   `adjustText <https://github.com/Phlya/adjustText>`_, MIT), with a fixed
   iteration count (not its default one-second time limit) so the result --
   and the PDF/SVG bytes -- are the same on every machine; labels that had
   to move get a thin leader line to their region.  A label adjustText could
   not free (crowded scatters of cities or counties) is hidden with its
   leader, in the caller's order (most important first), so no two texts
   ever overlap.

:func:`text_overlaps` lists overlapping text pairs from the renderer's window
extents; the tests assert it is empty.
"""

from __future__ import annotations

import numpy as np
import shapely
from matplotlib.text import Text
from matplotlib.transforms import Bbox

#: Padding around placed text (points).
PAD_PT = 2.0
#: Preferred centre of the scale bar (axes fraction): bottom middle.
SCALE_BAR_PREFERRED = (0.5, 0.0)
#: adjustText iterations (deterministic; see the module docstring).
ADJUST_ITERATIONS = 400


def _renderer(fig):
    return fig.canvas.get_renderer()


def _pad_px(fig) -> float:
    return PAD_PT * fig.dpi / 72.0


def _disp_to_data_box(ax, bb: Bbox):
    (x0, y0), (x1, y1) = ax.transData.inverted().transform([[bb.x0, bb.y0], [bb.x1, bb.y1]])
    return shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _union(bbs):
    bbs = [b for b in bbs if b is not None and b.width > 0 and b.height > 0]
    return Bbox.union(bbs) if bbs else None


def _extent(artist, r):
    try:
        return artist.get_window_extent(r)
    except (AttributeError, TypeError, RuntimeError):
        return None


def _static_boxes(ax, r, skip=()):
    """Display boxes of the furniture a placed text must avoid: legends,
    inset axes, the north arrow, and already-placed scale bars."""
    out = []
    fig = ax.figure
    for leg in [ax.get_legend(), *fig.legends]:
        if leg is not None and leg not in skip:
            out.append(leg.get_window_extent(r))
    for child in ax.child_axes:
        if child not in skip:
            out.append(child.get_tightbbox(r))
    for p in ax.patches:
        if p.get_gid() in ("north-arrow",) and p not in skip:
            out.append(p.get_window_extent(r))
    # every other text of the figure (titles of neighbouring panels, the
    # north arrow's N, ...), except region labels (they move afterwards)
    for t in fig.findobj(Text):
        if (t in skip or not t.get_visible() or not t.get_text().strip()
                or t.get_gid() in ("region-label", "point-label")):
            continue
        if t.axes is not None and not t.axes.get_visible():
            continue
        out.append(t.get_window_extent(r))
    return [b for b in out if b is not None and b.width > 0]


# --------------------------------------------------------------------------
# 1. scale bar


def _translate(artists, dx: float, dy: float) -> None:
    for a in artists:
        if isinstance(a, Text):
            x, y = a.get_position()
            a.set_position((x + dx, y + dy))
        else:
            x, y = a.get_xy()
            a.set_xy((x + dx, y + dy))


def _free_spot(ax, w: float, h: float, tree, statics, area: Bbox, order_key):
    """Lower-left corner (display) of the first ``w`` x ``h`` box inside
    ``area`` that touches no geometry of ``tree`` (data coordinates) and no
    box of ``statics`` (display); candidates on a grid of about 80 x 80 steps,
    tried in the order of ``order_key(X, Y)`` (smallest first).  None if all
    are taken."""
    step_x = max(area.width / 80, 1.0)
    step_y = max(area.height / 80, 1.0)
    xs = np.arange(area.x0, area.x1 - w + 1e-9, step_x)
    ys = np.arange(area.y0, area.y1 - h + 1e-9, step_y)
    if not len(xs) or not len(ys):
        return None
    X, Y = np.meshgrid(xs, ys)
    key = order_key(X.ravel(), Y.ravel())
    order = np.lexsort(key[::-1]) if isinstance(key, tuple) else np.argsort(key, kind="stable")
    cand = np.column_stack([X.ravel()[order], Y.ravel()[order]])
    bad = np.zeros(len(cand), dtype=bool)
    for sb in statics:
        bad |= ((cand[:, 0] < sb.x1) & (cand[:, 0] + w > sb.x0)
                & (cand[:, 1] < sb.y1) & (cand[:, 1] + h > sb.y0))
    cand = cand[~bad]
    if tree is None:
        return cand[0] if len(cand) else None
    inv = ax.transData.inverted()
    # geometry tests in chunks, in preference order: stop at the first free box
    for i in range(0, len(cand), 256):
        c = cand[i:i + 256]
        lo = inv.transform(c)
        hi = inv.transform(c + [w, h])
        boxes = shapely.box(np.minimum(lo[:, 0], hi[:, 0]), np.minimum(lo[:, 1], hi[:, 1]),
                            np.maximum(lo[:, 0], hi[:, 0]), np.maximum(lo[:, 1], hi[:, 1]))
        taken = np.zeros(len(c), dtype=bool)
        taken[np.unique(tree.query(boxes, predicate="intersects")[0])] = True
        if not taken.all():
            return c[np.argmin(taken)]
    return None


def place_scale_bar(ax, info: dict) -> bool:
    """Move the scale bar artists (``info["artists"]``, data coordinates) to a
    free spot (rule 1): the lower half of the axes, bottom row first, nearest
    :data:`SCALE_BAR_PREFERRED` first.  If no spot fits it, the bar is redrawn
    at half the length (up to twice: 1,000 -> 500 -> 200 km) and placed again.
    Returns False if none was found (a map without sea: the bar is drawn at
    its first length and place)."""
    if info.get("redraw") is None:
        return _place_scale_bar(ax, info)
    frac0 = info["frac"]
    for frac in (frac0, frac0 / 2, frac0 / 4):
        if frac != info["frac"]:
            _redraw_scale_bar(ax, info, frac)
        if _place_scale_bar(ax, info):
            return True
    _redraw_scale_bar(ax, info, frac0)
    return False


def _redraw_scale_bar(ax, info: dict, frac: float) -> None:
    for a in info["artists"]:
        a.remove()
    land = info.get("land")
    info["redraw"](frac)
    new = ax.sc_layout["scale_bar"]
    new["land"] = land
    info.clear()
    info.update(new)
    ax.sc_layout["scale_bar"] = info


def _place_scale_bar(ax, info: dict) -> bool:
    fig = ax.figure
    r = _renderer(fig)
    artists = info["artists"]
    bb = _union([_extent(a, r) for a in artists])
    if bb is None:
        return True
    pad = _pad_px(fig)
    axbb = ax.get_window_extent(r)
    area = Bbox.from_extents(axbb.x0, axbb.y0, axbb.x1, axbb.y0 + 0.5 * axbb.height)
    w, h = bb.width + 2 * pad, bb.height + 2 * pad
    px = axbb.x0 + SCALE_BAR_PREFERRED[0] * axbb.width - w / 2
    py = axbb.y0 + SCALE_BAR_PREFERRED[1] * axbb.height
    # rows from the bottom up; in a row, nearest the preferred centre first
    spot = _free_spot(ax, w, h, info.get("land"), _static_boxes(ax, r, skip=artists), area,
                      lambda X, Y: (np.abs(Y - py), np.abs(X - px)))
    info["placed"] = spot is not None
    if spot is None:
        return False
    inv = ax.transData.inverted()
    d0 = inv.transform([[bb.x0 - pad, bb.y0 - pad]])[0]
    d1 = inv.transform([spot])[0]
    _translate(artists, d1[0] - d0[0], d1[1] - d0[1])
    return True


# --------------------------------------------------------------------------
# 2. inset label


def place_inset_label(iax, info: dict) -> bool:
    """Put the inset label where it touches neither the maritime line nor an
    island (rule 2): the free spot nearest the inset's lower-right corner
    (where China's standard maps write 南海诸岛); if there is none, under the
    inset frame."""
    text = info["label"]
    obstacles = info.get("obstacles")
    fig = iax.figure
    r = _renderer(fig)
    pad = _pad_px(fig) / 2
    tree = shapely.STRtree(obstacles) if obstacles is not None and len(obstacles) else None
    text.set_ha("left")
    text.set_va("bottom")
    bb = text.get_window_extent(r)
    area = iax.get_window_extent(r).shrunk(1.0, 1.0)
    area = Bbox.from_extents(area.x0 + pad, area.y0 + pad, area.x1 - pad, area.y1 - pad)
    others = _static_boxes(iax, r, skip=(text,))
    w, h = bb.width + 2 * pad, bb.height + 2 * pad
    # the free spot nearest the lower-right corner
    spot = _free_spot(iax, w, h, tree, others, area,
                      lambda X, Y: np.hypot(X + w - area.x1, Y - area.y0))
    if spot is not None:
        x, y = spot + pad
        ax_xy = iax.transAxes.inverted().transform([[x, y]])[0]
        text.set_position(tuple(ax_xy))
        info["placed"] = tuple(float(v) for v in ax_xy)
        return True
    # under the frame, on one line if that fits the frame's width
    text.set_position((0.5, -0.02))
    text.set_ha("center")
    text.set_va("top")
    two = text.get_text()
    text.set_text(two.replace("\n", " "))
    if text.get_window_extent(r).width > iax.get_window_extent(r).width:
        text.set_text(two)
    info["placed"] = "below"
    return False


# --------------------------------------------------------------------------
# 3. labels


def adjust_labels(ax, texts, *, targets=None, avoid=(), points=None,
                  leader_color="#555555") -> list:
    """Separate ``texts`` with adjustText (rule 3); returns the leader lines.

    ``targets``: (x, y) data points the labels belong to (default: their
    current positions); ``avoid``: extra display Bboxes to keep clear of
    (legends, insets, the scale bar ...); ``points``: ``(x, y)`` arrays of
    scatter points the labels should not cover.
    """
    texts = [t for t in texts if t.get_text()]
    if len(texts) < 1:
        return []
    from adjustText import adjust_text

    fig = ax.figure
    r = _renderer(fig)
    objects = [*_static_boxes(ax, r), *avoid]
    if targets is None:
        targets = [t.get_position() for t in texts]
    tx = [p[0] for p in targets]
    ty = [p[1] for p in targets]
    kwargs = dict(
        ax=ax, target_x=tx, target_y=ty, avoid_self=False, iter_lim=ADJUST_ITERATIONS,
        expand=(1.08, 1.25), ensure_inside_axes=True, min_arrow_len=0,
        arrowprops=dict(arrowstyle="-", color=leader_color, lw=0.4, shrinkA=0, shrinkB=1),
    )
    if objects:
        kwargs["objects"] = objects
    if points is not None:
        kwargs["x"], kwargs["y"] = np.asarray(points[0]), np.asarray(points[1])
    out = adjust_text(texts, **kwargs)
    patches = list(out[1]) if isinstance(out, tuple) and len(out) > 1 else []
    r = _renderer(fig)
    hide_crowded(texts, r)
    # a leader only where the label no longer covers its region's point
    kept = []
    for t, (x, y), p in _leaders(texts, targets, patches):
        if p is None:
            continue
        if not t.get_visible():  # hidden as crowded: no leader to nowhere
            p.remove()
            continue
        bb = t.get_window_extent(r)
        px, py = ax.transData.transform((x, y))
        if bb.x0 <= px <= bb.x1 and bb.y0 <= py <= bb.y1:
            p.remove()
        else:
            p.set_gid("label-leader")
            p.set_zorder(3.9)
            kept.append(p)
    return kept


def hide_crowded(texts, renderer, *, tol_px: float = 0.5) -> list:
    """Hide every label of ``texts`` that overlaps another drawn text of the
    figure (titles, ticks, legends) or a label kept before it; ``texts`` in
    priority order.  The overlap test is :func:`text_overlaps`'.  Returns the
    hidden texts."""
    if not texts:
        return []
    mine = {id(t) for t in texts}
    others = [bb for t, bb in _drawn_texts(texts[0].figure, renderer) if id(t) not in mine]
    placed, hidden = [], []
    for t in texts:
        if not t.get_visible():
            continue
        bb = t.get_window_extent(renderer)
        if any(_overlap(bb, o, tol_px) for o in [*others, *placed]):
            t.set_visible(False)
            hidden.append(t)
        else:
            placed.append(bb)
    return hidden


def _leaders(texts, targets, patches):
    """Match adjustText's arrows to their texts (it returns only those drawn)."""
    by_text = {id(getattr(p, "patchA", None)): p for p in patches}
    for t, xy in zip(texts, targets):
        yield t, xy, by_text.get(id(t))


# --------------------------------------------------------------------------
# the final pass


def finish(fig) -> dict:
    """Apply the three rules to every map axes of ``fig`` (registered by
    ``draw_map`` in ``ax.sc_layout``) and to chart labels (``ax.sc_labels``).
    Returns what was placed, for ``fig.spatial_carbon``."""
    report = {"scale_bar_free": [], "inset_label": [], "labels_adjusted": 0, "labels_hidden": 0}
    if not any(hasattr(ax, "sc_layout") or getattr(ax, "sc_labels", None) for ax in fig.axes):
        return report  # nothing to place: skip the layout pass
    # lay out (aspect-adjusted axes, legends) without rasterising
    fig.draw_without_rendering()
    for ax in fig.axes:
        lay = getattr(ax, "sc_layout", None)
        if lay is None:
            continue
        for child in ax.child_axes:
            ins = getattr(child, "sc_inset", None)
            if ins is not None and ins.get("label") is not None:
                report["inset_label"].append(place_inset_label(child, ins))
        if lay.get("scale_bar"):
            lay["scale_bar"].setdefault("land", lay.get("land"))
            report["scale_bar_free"].append(place_scale_bar(ax, lay["scale_bar"]))
    for ax in fig.axes:
        lab = getattr(ax, "sc_labels", None)
        if lab and lab.get("texts"):
            avoid = []
            r = _renderer(fig)
            sb = getattr(ax, "sc_layout", {}).get("scale_bar") if hasattr(ax, "sc_layout") else None
            if sb:
                bb = _union([_extent(a, r) for a in sb["artists"]])
                if bb is not None:
                    avoid.append(bb)
            adjust_labels(ax, lab["texts"], targets=lab.get("targets"), avoid=avoid,
                          points=lab.get("points"))
            report["labels_adjusted"] += len(lab["texts"])
            report["labels_hidden"] += sum(not t.get_visible() for t in lab["texts"])
    return report


def _drawn_texts(fig, r) -> list:
    """(text, window extent) of every text of ``fig`` that is drawn: visible,
    non-empty, on a visible axes, tick labels inside the view interval."""
    # tick labels outside the view interval exist but are not drawn
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            eps = 1e-9 * max(abs(lo), abs(hi), 1.0)
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                if not lo - eps <= tick.get_loc() <= hi + eps:
                    hidden.update((id(tick.label1), id(tick.label2)))
    items = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip() or id(t) in hidden:
            continue
        ax = t.axes
        if ax is not None and not ax.get_visible():
            continue
        bb = t.get_window_extent(r)
        if bb.width > 0 and bb.height > 0:
            items.append((t, bb))
    return items


def _overlap(a, b, tol_px: float) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > tol_px and min(a.y1, b.y1) - max(a.y0, b.y0) > tol_px


def text_overlaps(fig, *, tol_px: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of visible, non-empty texts of ``fig`` whose window extents
    (the renderer's boxes) overlap by more than ``tol_px`` pixels each way."""
    fig.canvas.draw()
    items = _drawn_texts(fig, _renderer(fig))
    out = []
    for i in range(len(items)):
        ti, bi = items[i]
        for j in range(i + 1, len(items)):
            tj, bj = items[j]
            if _overlap(bi, bj, tol_px):
                out.append((ti.get_text(), tj.get_text()))
    return out
