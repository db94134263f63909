"""Objects to grasp: parametric families of everyday things and meshes from the asset manifest.

numpy, scipy and trimesh only (scipy, trimesh and scikit-image are imported where they are used);
never bpy, pyrender, ray or torch.

An ``ObjectModel`` is a union of closed parts with an exact signed distance, a watertight mesh with
per-corner UVs and material slots, and the grasp geometry of its category (cylindrical, slender,
cubical, spherical). ``FAMILIES`` holds the procedural families; ``object_catalog`` adds the meshes of
a manifest; ``resolve_objects`` turns a command-line list of categories and names into families.
"""

from handsynth.objects.catalog import CATEGORY_ALIASES, resolve_objects
from handsynth.objects.external import object_catalog
from handsynth.objects.families import FAMILIES, Family
from handsynth.objects.mesh_part import MeshPart
from handsynth.objects.model import GraspGeometry, Material, ObjectModel
from handsynth.objects.patterns import pattern_texture

__all__ = [
    "CATEGORY_ALIASES",
    "FAMILIES",
    "Family",
    "GraspGeometry",
    "Material",
    "MeshPart",
    "ObjectModel",
    "object_catalog",
    "pattern_texture",
    "resolve_objects",
]
