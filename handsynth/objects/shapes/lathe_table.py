"""The tabulated signed distance of a lathe profile (``Lathe.sdf_fast``): numpy, scipy; never
scene/render/dataset/bpy/pyrender/ray/torch."""

from __future__ import annotations

import numpy as np

STEP_M = 0.0005  # table pitch in r and z
MARGIN_M = 0.012  # the table reaches this far beyond the profile; distances are capped here
SPACING_M = 0.0001  # the profile is sampled this finely for the k-d tree
BLOCK = 4  # nodes are computed in BLOCK x BLOCK blocks, when a query first needs one


class _Table:
    """The signed distance on a ``STEP_M`` (r, z) grid around a lathe profile, interpolated bilinearly.

    Distances come from a k-d tree over the profile sampled every ``SPACING_M`` (within 0.05 mm of the
    exact segment distance; capped at ``MARGIN_M``, a lower bound beyond it), signs from an exact
    even-odd count along each grid row. A synthesis run queries only the cells its hand passes (about
    a third of them), so the k-d tree distances, nine tenths of the cost of the whole table, are
    computed block by block when an interpolation first needs them: each node's value is the same
    as if the whole grid had been queried at once (the tree answers every point on its own).

    Attributes:
        origin: (2,) (r, z) of node (0, 0); step: the pitch (m).
        r_max, z_range: the profile's bounding rectangle in (r, z): r in [0, r_max], z in z_range.
        values: (n_r, n_z) signed distances, NaN at nodes not computed yet.
    """

    def __init__(self, profile: np.ndarray) -> None:
        from scipy.spatial import cKDTree

        prof = np.asarray(profile, dtype=np.float64)
        self.step = STEP_M
        self.r_max, self.z_range = prof[:, 0].max(), (prof[:, 1].min(), prof[:, 1].max())
        self.origin = np.array([0.0, prof[:, 1].min() - MARGIN_M])
        self.ri = np.arange(self.origin[0], prof[:, 0].max() + MARGIN_M + STEP_M, STEP_M)
        self.zj = np.arange(self.origin[1], prof[:, 1].max() + MARGIN_M + STEP_M, STEP_M)
        a, b = prof[:-1], prof[1:]  # the surface: every edge but the closing one on the axis
        counts = np.maximum(1, np.ceil(np.linalg.norm(b - a, axis=1) / SPACING_M).astype(np.int64))
        t = np.concatenate([np.arange(c) / c for c in counts])
        starts = np.repeat(np.arange(len(a)), counts)
        samples = np.concatenate([a[starts] + t[:, None] * (b - a)[starts], prof[-1:]])
        # Built unbalanced and uncompacted: quicker to query here, and a nearest distance is the same
        # whatever the tree's shape.
        self._tree = cKDTree(samples, compact_nodes=False, balanced_tree=False)
        # Even-odd inside test per row z: a node is inside when an odd number of the polygon's edges
        # cross its row to the right of it; edge by edge over the rows it straddles.
        self._inside = np.zeros((len(self.ri), len(self.zj)), dtype=bool)
        for (xa, ya), (xb, yb) in zip(prof, np.roll(prof, -1, axis=0), strict=True):
            rows = np.flatnonzero((ya > self.zj) != (yb > self.zj))
            if rows.size:
                crossings = xa + (self.zj[rows] - ya) * (xb - xa) / (yb - ya)
                self._inside[:, rows] ^= crossings[None, :] > self.ri[:, None]
        self.values = np.full((len(self.ri), len(self.zj)), np.nan)
        self._blocks = (-(-len(self.ri) // BLOCK), -(-len(self.zj) // BLOCK))
        self._done = np.zeros(self._blocks[0] * self._blocks[1], dtype=bool)

    def interpolate(self, gi: np.ndarray, gj: np.ndarray) -> np.ndarray:
        """(N,) bilinear interpolation at fractional node coordinates (N,) ``gi``, ``gj`` (both in
        [0, n - 1)), computing the blocks of nodes not computed yet that it needs."""
        i0 = gi.astype(np.int64)
        j0 = gj.astype(np.int64)
        fi = gi - i0
        fj = gj - j0
        k00 = i0 * self.values.shape[1] + j0  # corners as flat indices into the C-ordered table
        k10 = k00 + self.values.shape[1]
        corners = (k00, k10, k00 + 1, k10 + 1)
        out = self._bilinear(corners, fi, fj)
        missing = np.isnan(out)  # a node not computed yet is NaN, and so is every value it enters
        if missing.any():
            self._fill(np.concatenate([k[missing] for k in corners]))
            out = self._bilinear(corners, fi, fj)
        return out

    def _bilinear(self, corners: tuple, fi: np.ndarray, fj: np.ndarray) -> np.ndarray:
        flat = self.values.ravel()
        v00, v10, v01, v11 = (flat[k] for k in corners)
        return (v00 * (1 - fi) + v10 * fi) * (1 - fj) + (v01 * (1 - fi) + v11 * fi) * fj

    def _fill(self, nodes: np.ndarray) -> None:
        """Compute every block holding one of the flat node indices ``nodes`` that is not done yet."""
        n_i, n_j = self.values.shape
        i, j = np.divmod(nodes, n_j)
        blocks = np.unique((i // BLOCK) * self._blocks[1] + j // BLOCK)
        blocks = blocks[~self._done[blocks]]
        bi, bj = np.divmod(blocks, self._blocks[1])
        di, dj = np.divmod(np.arange(BLOCK * BLOCK), BLOCK)
        ni = (bi[:, None] * BLOCK + di).ravel()
        nj = (bj[:, None] * BLOCK + dj).ravel()
        keep = (ni < n_i) & (nj < n_j)
        ni, nj = ni[keep], nj[keep]
        # Nodes over ``MARGIN_M`` from the surface keep ``MARGIN_M``: a lower bound, enough out there.
        grid = np.stack([self.ri[ni], self.zj[nj]], axis=1)
        dist = np.minimum(self._tree.query(grid, distance_upper_bound=MARGIN_M)[0], MARGIN_M)
        self.values[ni, nj] = np.where(self._inside[ni, nj], -dist, dist)
        self._done[blocks] = True

    def fill_all(self) -> np.ndarray:
        """Compute every node (as building the table at once would); returns ``values``."""
        self._fill(np.arange(self.values.size))
        return self.values
