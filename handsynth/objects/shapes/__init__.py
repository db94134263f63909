"""Closed primitive solids with exact signed distances and watertight meshes; numpy (+ scikit-image).

Every object is a union of parts. A part answers two questions the rest of handsynth asks:
``sdf(points)`` (signed distance in metres, negative inside; exact, so grasp penetration is measured,
not estimated) and ``mesh()`` (a closed, outward-wound triangle mesh with per-corner UVs and a material
slot per face). Parts of one object may overlap (a mug's handle is sunk into its wall); the object's
distance is the minimum over its parts and each part's mesh stays closed on its own.

One module per primitive: ``lathe`` (Lathe), ``box`` (RoundedBox), ``torus`` (TorusArc), ``prism``
(Prism); ``part`` holds
PartMesh and the marching-cubes mesher, ``profile`` the 2D polyline helpers (polygon SDF, fillets).
numpy, scipy and scikit-image only; never scene, render, dataset, bpy, pyrender, ray or torch.
"""

from handsynth.objects.shapes.box import RoundedBox
from handsynth.objects.shapes.lathe import Lathe
from handsynth.objects.shapes.part import PartMesh, marching_cubes_part
from handsynth.objects.shapes.prism import Prism
from handsynth.objects.shapes.profile import fillet_polyline, polygon_sdf_2d
from handsynth.objects.shapes.torus import TorusArc

__all__ = [
    "Lathe",
    "PartMesh",
    "Prism",
    "RoundedBox",
    "TorusArc",
    "fillet_polyline",
    "marching_cubes_part",
    "polygon_sdf_2d",
]
