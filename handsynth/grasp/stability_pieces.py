"""Convex pieces of an object for the stability simulation: lathes and torus arcs cut from their own
geometry, convex parts as their hull, other concave meshes (user meshes) through PyBullet's V-HACD, cached
by mesh content in memory and, with a cache folder, on disk; numpy, scipy and the pybullet module passed
in (never scene, render, bpy, pyrender, ray or torch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from handsynth.grasp.convex_pieces import mesh_key, quiet_stdout, read_obj_hulls

VHACD_RESOLUTION = 100_000
CONVEX_TOLERANCE = 0.02  # a part whose hull is within 2 % of its volume is used as its own hull


class ObjectPieces:
    """Makes objects' convex pieces and keeps the V-HACD decompositions (owned by a ``Simulator``).

    Args:
        p, client: the pybullet module and the client that runs V-HACD.
        cache_dir: where decompositions are kept between processes (``<sha1>.npz``); None: memory only.
    """

    def __init__(self, p, client: int, cache_dir: Path | None) -> None:
        self.p, self.client, self.cache_dir = p, client, cache_dir
        self._hulls: dict[str, list[np.ndarray]] = {}
        self.vhacd_seconds = 0.0
        self.vhacd_calls = 0

    def pieces(self, obj) -> list[np.ndarray]:
        """Convex pieces (each (N, 3) points, object frame) whose union stands for ``obj``."""
        from scipy.spatial import ConvexHull

        from handsynth.grasp.convex_pieces import lathe_pieces, torus_arc_pieces
        from handsynth.objects.shapes import Lathe, TorusArc

        pieces = []
        for part in obj.parts:
            if isinstance(part, Lathe):
                pieces.extend(lathe_pieces(part.profile))
                continue
            if isinstance(part, TorusArc):
                pieces.extend(
                    torus_arc_pieces(part.center, part.arc_radius, part.tube_radius, part.half_angle)
                )
                continue
            m = part.mesh()
            tri = m.vertices[m.faces]
            vol = float(np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() / 6.0)
            hull = ConvexHull(m.vertices)
            if hull.volume <= (1.0 + CONVEX_TOLERANCE) * vol:
                # Its hull's vertices only (in mesh order): the same piece, and the simulator's own
                # hull of it then reads tens of points, not the render mesh's thousands.
                pieces.append(m.vertices[np.sort(hull.vertices)])
            else:
                pieces.extend(self._decompose(m.vertices, m.faces))
        return pieces

    def _decompose(self, vertices: np.ndarray, faces: np.ndarray) -> list[np.ndarray]:
        import tempfile
        import time

        key = mesh_key(vertices, faces, f"vhacd{VHACD_RESOLUTION}")
        if key in self._hulls:
            return self._hulls[key]
        stored = None if self.cache_dir is None else self.cache_dir / f"{key}.npz"
        if stored is not None and stored.is_file():
            with np.load(stored) as data:
                hulls = [data[k] for k in sorted(data.files, key=int)]
        else:
            t0 = time.perf_counter()
            with tempfile.TemporaryDirectory() as tmp:
                src, dst = Path(tmp) / "in.obj", Path(tmp) / "out.obj"
                lines = [f"v {x:.9f} {y:.9f} {z:.9f}" for x, y, z in vertices]
                lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in faces]
                src.write_text("\n".join(lines) + "\n")
                with quiet_stdout():  # V-HACD prints its progress from C
                    self.p.vhacd(
                        str(src),
                        str(dst),
                        str(Path(tmp) / "log.txt"),
                        resolution=VHACD_RESOLUTION,
                        physicsClientId=self.client,
                    )
                hulls = read_obj_hulls(dst)
            self.vhacd_seconds += time.perf_counter() - t0
            self.vhacd_calls += 1
            if stored is not None:
                stored.parent.mkdir(parents=True, exist_ok=True)
                tmp_path = stored.with_suffix(".tmp.npz")
                np.savez(tmp_path, **{str(i): h for i, h in enumerate(hulls)})
                tmp_path.replace(stored)
        self._hulls[key] = hulls
        return hulls
