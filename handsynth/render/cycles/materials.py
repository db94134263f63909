"""Cycles materials built from Python: object materials from each family's ``Material`` and the skin node
group; bpy only here and in the rest of ``render/cycles/`` (and ``blender_scenes/``).

Object materials (``object_material``) are cached per Material content (a frozen dataclass, so equal
contents share one Blender material and one image) in a bounded cache: a run whose grasps draw new
colours keeps at most ``CACHE_SIZE`` unused object materials alive, the least recently used ones are
removed with their images. Kinds (``material_kind``):

- ``glass``: transmission > 0; Principled transmission, IOR 1.5 (real refraction);
- ``metal``: metallic >= 0.5; Principled metallic with the Material's roughness;
- ``fruit``: fruit skin (``FRUIT_FAMILIES``; or Materials named ``peel`` / ``skin``) with a little
  random-walk subsurface scattering and a pore bump from the speckle texture;
- ``wood``/``paper`` (patterns wood, pages, print, label): the Material's roughness, no clear coat,
  wood grain as a faint bump;
- ``screen``: a phone screen: its texture also emits a little (a lit display) under glossy glass;
- ``plastic``: everything else (dielectric, the Material's roughness).

A patterned Material's albedo is the very image the raster backend draws (``pattern_texture``: 256²
linear float RGB), put into an Image datablock with ``foreach_set`` (no file on disk; rows flipped, as
Blender stores them bottom-up; float buffer in scene-linear space, so no transfer function is applied),
sampled with the object's ``face_uvs`` (UV map ``UVMap``, see ``blend.mesh_object``).

The skin (``hand_mask``, ``skin_group``, ``skin_material``, ``SKIN_GROUP``, ``MASK_ATTRIBUTE``,
``SKIN_SSS_METHOD``) lives in ``skin.py`` and is re-exported here.
"""

from __future__ import annotations

from collections import OrderedDict

import bpy
import numpy as np

from handsynth.objects.model import Material
from handsynth.render.cycles.skin import (  # noqa: F401 - re-exported: the renderer's skin comes from here
    MASK_ATTRIBUTE,
    SKIN_GROUP,
    SKIN_SSS_METHOD,
    hand_mask,
    skin_group,
    skin_material,
)

UV_MAP = "UVMap"
CACHE_SIZE = 64
FRUIT_FAMILIES = ("orange", "apple", "tomato", "lemon", "kiwi")
FRUIT_NAMES = ("peel", "skin")
PAPER_PATTERNS = ("pages", "print", "label")

# Glass light paths (``_glass_light_paths``). With refractive caustics off (firefly sources), Cycles ends
# every diffuse path at glass and blocks every shadow ray, so a hand behind or inside a glass got no lamp
# light (black fingertips seen through a tumbler) and its shadow was black; and the glossy bounces
# (2 at ``standard``) of total internal reflection in a thick glass floor ran out, so its rim went black
# and its inside grainy. Shadow and diffuse rays therefore see a tinted transparent surface (the
# transmitted share of the base colour, less the two surfaces' reflection), and so does every ray once
# GLASS_DEPTH glossy bounces (or twice that many transmissions) are spent.
GLASS_SHADOW = 0.85
GLASS_DEPTH = 2

_cache: OrderedDict = OrderedDict()  # (Material, kind) -> bpy Material


# --- object materials ------------------------------------------------------------------------------------


def material_kind(material: Material, family: str | None = None) -> str:
    """``glass``, ``metal``, ``fruit``, ``wood``, ``paper``, ``screen`` or ``plastic``."""
    if material.transmission > 0.0:
        return "glass"
    if material.metallic >= 0.5:
        return "metal"
    if material.pattern == "screen":
        return "screen"
    if family in FRUIT_FAMILIES or (family is None and material.name in FRUIT_NAMES):
        return "fruit"
    if material.pattern == "wood":
        return "wood"
    if material.pattern in PAPER_PATTERNS:
        return "paper"
    return "plastic"


def object_material(material: Material, family: str | None = None):
    """The Blender material of ``material`` (built once per content and kind; see the module docstring)."""
    kind = material_kind(material, family)
    key = (material, kind)
    cached = _cache.get(key)
    if cached is not None:
        try:
            cached.name  # noqa: B018 - raises ReferenceError once Blender has removed it
            _cache.move_to_end(key)
            return cached
        except ReferenceError:
            del _cache[key]
    made = _build_object_material(material, kind, f"object-{len(_cache):03d}-{material.name}")
    _cache[key] = made
    _evict()
    return made


def cached_materials() -> int:
    """How many object materials the cache holds (for tests)."""
    return len(_cache)


def _evict() -> None:
    """Remove the least recently used unused materials (and their images) beyond ``CACHE_SIZE``."""
    for key in list(_cache):
        if len(_cache) <= CACHE_SIZE:
            return
        material = _cache[key]
        try:
            if material.users > 0:  # on a mesh of some renderer's current grasp
                continue
            images = [n.image for n in material.node_tree.nodes if n.type == "TEX_IMAGE" and n.image]
            bpy.data.materials.remove(material, do_unlink=True)
            for image in images:
                if image.users == 0:
                    bpy.data.images.remove(image)
        except ReferenceError:
            pass
        del _cache[key]


def pattern_image(material: Material, name: str):
    """An Image datablock holding ``pattern_texture(material)`` (linear float, no file)."""
    from handsynth.objects.patterns import pattern_texture

    texture = pattern_texture(material)  # (S, S, 3), row 0 = top
    size = texture.shape[0]
    image = bpy.data.images.new(name, size, size, alpha=False, float_buffer=True)
    image.colorspace_settings.name = "Linear Rec.709"  # scene linear: the values are used as they are
    rgba = np.ones((size, size, 4), dtype=np.float32)
    rgba[..., :3] = texture[::-1]  # Blender stores rows bottom-up
    image.pixels.foreach_set(rgba.ravel())
    image.update()
    return image


def _build_object_material(material: Material, kind: str, name: str):
    made = bpy.data.materials.new(name)
    made.use_nodes = True
    nodes, links = made.node_tree.nodes, made.node_tree.links
    bsdf = nodes["Principled BSDF"]
    bsdf.inputs["Base Color"].default_value = (*(float(c) for c in material.base_color), 1.0)
    bsdf.inputs["Roughness"].default_value = float(material.roughness)
    bsdf.inputs["Metallic"].default_value = float(material.metallic)
    bsdf.inputs["Transmission Weight"].default_value = float(material.transmission)
    color = None
    if material.pattern != "plain":
        uv = nodes.new("ShaderNodeUVMap")
        uv.uv_map = UV_MAP
        tex = nodes.new("ShaderNodeTexImage")
        tex.image = pattern_image(material, name)
        tex.interpolation = "Linear"
        tex.extension = "REPEAT"
        links.new(uv.outputs["UV"], tex.inputs["Vector"])
        links.new(tex.outputs["Color"], bsdf.inputs["Base Color"])
        color = tex.outputs["Color"]
    if kind == "glass":
        bsdf.inputs["IOR"].default_value = 1.5
        _glass_light_paths(made, bsdf, material)
    elif kind == "metal":
        bsdf.inputs["Roughness"].default_value = max(float(material.roughness), 0.08)
    elif kind == "fruit":
        bsdf.inputs["Subsurface Weight"].default_value = 0.25
        bsdf.inputs["Subsurface Radius"].default_value = (1.0, 0.45, 0.25)
        bsdf.inputs["Subsurface Scale"].default_value = 0.002
        bsdf.subsurface_method = "RANDOM_WALK"
        if color is not None:  # pores and lenticels are darker dots: dents of the peel
            _bump_from(nodes, links, color, bsdf, strength=0.15, distance=0.0005, invert=True)
    elif kind == "wood" and color is not None:
        _bump_from(nodes, links, color, bsdf, strength=0.1, distance=0.0003, invert=True)
    elif kind == "screen" and color is not None:
        links.new(color, bsdf.inputs["Emission Color"])
        bsdf.inputs["Emission Strength"].default_value = 0.35
        bsdf.inputs["Roughness"].default_value = min(float(material.roughness), 0.08)
    elif kind == "plastic":
        bsdf.inputs["Specular IOR Level"].default_value = 0.5
    return made


def _glass_light_paths(made, bsdf, material: Material) -> None:
    """Glass that camera and glossy rays see as glass, but shadow rays, diffuse rays and rays that have
    already bounced about inside glass see as a tinted transparent surface (see ``GLASS_*``)."""
    nodes, links = made.node_tree.nodes, made.node_tree.links
    path = nodes.new("ShaderNodeLightPath")

    def math(op, a, b):
        node = nodes.new("ShaderNodeMath")
        node.operation = op
        links.new(a, node.inputs[0])
        if isinstance(b, float):
            node.inputs[1].default_value = b
        else:
            links.new(b, node.inputs[1])
        return node.outputs[0]

    see_through = math("MAXIMUM", path.outputs["Is Shadow Ray"], path.outputs["Is Diffuse Ray"])
    deep = math(
        "MAXIMUM", path.outputs["Glossy Depth"], math("MULTIPLY", path.outputs["Transmission Depth"], 0.5)
    )
    see_through = math("MAXIMUM", see_through, math("GREATER_THAN", deep, GLASS_DEPTH - 0.5))
    transparent = nodes.new("ShaderNodeBsdfTransparent")
    clear = float(material.transmission) * GLASS_SHADOW
    transparent.inputs["Color"].default_value = (*(clear * float(c) for c in material.base_color), 1.0)
    mix = nodes.new("ShaderNodeMixShader")
    links.new(see_through, mix.inputs["Fac"])
    links.new(bsdf.outputs["BSDF"], mix.inputs[1])
    links.new(transparent.outputs["BSDF"], mix.inputs[2])
    links.new(mix.outputs["Shader"], nodes["Material Output"].inputs["Surface"])


def _bump_from(nodes, links, color, bsdf, strength: float, distance: float, invert: bool) -> None:
    bump = nodes.new("ShaderNodeBump")
    bump.invert = invert
    bump.inputs["Strength"].default_value = strength
    bump.inputs["Distance"].default_value = distance
    links.new(color, bump.inputs["Height"])
    links.new(bump.outputs["Normal"], bsdf.inputs["Normal"])
