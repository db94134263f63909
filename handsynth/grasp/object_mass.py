"""Mass of an object for the stability simulation: densities per family and the solid's mass properties;
numpy only (never scene, render, bpy, pyrender, ray or torch)."""

from __future__ import annotations

import numpy as np

# Densities (kg/m^3) of each family's solid as modelled: a solid bottle, can or jar stands for a full
# one, a mug or glass is its wall only (empty); paper, wood and fruit at their bulk densities.
FAMILY_DENSITY_KG_M3 = {
    "bottle": 1000.0,  # water in thin PET
    "can": 1000.0,  # a full drink: 330 ml weigh ~350 g
    "mug": 2300.0,  # stoneware / porcelain
    "glass": 2500.0,  # soda-lime glass
    "jar": 1100.0,  # jam or pickles in glass
    "pencil": 700.0,  # cedar with a graphite core
    "marker": 600.0,  # hollow plastic barrel with a felt and ink reservoir
    "chopstick": 750.0,  # bamboo
    "knife": 2000.0,  # a steel blade and a lighter handle: 70-100 g
    "screwdriver": 2000.0,  # steel shaft in a plastic grip
    "book": 750.0,  # paper
    "phone": 2100.0,  # ~180 g over ~85 cm^3
    "carton": 300.0,  # a box of tea bags or blister packs, mostly air
    "block": 650.0,  # beech / maple
    "cutting_board": 700.0,  # wood or bamboo
    "ball": 400.0,  # a tennis ball: 58 g over ~150 cm^3 (hollow)
    "orange": 900.0,
    "apple": 800.0,  # apples float
    "tomato": 1000.0,
}
CATEGORY_DENSITY_KG_M3 = {"cylindrical": 1000.0, "slender": 900.0, "cubical": 700.0, "spherical": 850.0}


def density_kg_m3(obj) -> float:
    """The density used for ``obj``: its family's, else its category's (new families, user meshes)."""
    return FAMILY_DENSITY_KG_M3.get(obj.family, CATEGORY_DENSITY_KG_M3.get(obj.category, 1000.0))


def mass_properties(obj) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Volume (m^3), centre of mass (3,), principal moments per kg (3,) and their axes (3, 3 columns)
    of the union of the object's parts (overlaps counted twice: a mug handle's ends, < 1 %)."""
    volume, first, second = 0.0, np.zeros(3), np.zeros((3, 3))
    for part in obj.parts:
        m = part.mesh()
        tri = m.vertices[m.faces]  # (F, 3, 3) closed, outward: signed tetrahedra from the origin
        a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
        det = np.einsum("ij,ij->i", a, np.cross(b, c)) / 6.0
        volume += det.sum()
        first += (det[:, None] * (a + b + c) / 4.0).sum(axis=0)
        # Second moment of each tetrahedron (0, a, b, c): V/20 (sum of outer products + (a+b+c)^2 term).
        s = a + b + c
        outer = np.einsum("fi,fj->fij", a, a) + np.einsum("fi,fj->fij", b, b) + np.einsum("fi,fj->fij", c, c)
        outer += np.einsum("fi,fj->fij", s, s)
        second += (det[:, None, None] * outer / 20.0).sum(axis=0)
    com = first / volume
    cov = second / volume - np.outer(com, com)  # per unit mass, about the COM
    inertia = np.trace(cov) * np.eye(3) - cov
    moments, axes = np.linalg.eigh(inertia)
    if np.linalg.det(axes) < 0:
        axes[:, 2] = -axes[:, 2]
    return float(volume), com, moments, axes
