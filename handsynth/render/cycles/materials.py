"""Cycles materials built from Python: object materials from each family's ``Material`` and the skin node
group; bpy only here and in the rest of ``render/cycles/`` (and ``blender_scenes/``).

Object materials (``object_material``) are cached per Material content (a frozen dataclass, so equal
contents share one Blender material and one image) in a bounded cache: a run whose grasps draw new
colours keeps at most ``CACHE_SIZE`` unused object materials alive, the least recently used ones are
removed with their images. Kinds (``material_kind``):

- ``glass``: transmission > 0; Principled transmission, IOR 1.5 (real refraction);
- ``metal``: metallic >= 0.5; Principled metallic with the Material's roughness;
- ``fruit``: fruit skin (families orange, apple, tomato: Materials named ``peel`` / ``skin``) with a
  little random-walk subsurface scattering and a pore bump from the speckle texture;
- ``wood``/``paper`` (patterns wood, pages, print, label): the Material's roughness, no clear coat,
  wood grain as a faint bump;
- ``screen``: a phone screen: its texture also emits a little (a lit display) under glossy glass;
- ``plastic``: everything else (dielectric, the Material's roughness).

A patterned Material's albedo is the very image the raster backend draws (``pattern_texture``: 256²
linear float RGB), put into an Image datablock with ``foreach_set`` (no file on disk; rows flipped, as
Blender stores them bottom-up; float buffer in scene-linear space, so no transfer function is applied),
sampled with the object's ``face_uvs`` (UV map ``UVMap``, see ``blend.mesh_object``).

The skin node group (``skin_group``, one per Blender session, named ``SKIN_GROUP``) takes an albedo and a
tint and reads the hand mesh's ``skin_mask`` colour attribute (R: palmar side, G: nail, B: flush around
knuckles and fingertips; ``hand_mask``), absent (zero) on the forearm extension:
Principled BSDF with random-walk subsurface scattering (``SKIN_SSS_METHOD``), radii red > green > blue
(3.6 / 1.2 / 0.6 mm); albedo = albedo x tint x low-frequency
noise mottling, redder where flushed and a little lighter on the palm; a fine noise bump (pores, about
0.5 mm); nails glossier and without subsurface.
"""

from __future__ import annotations

from collections import OrderedDict

import bpy
import numpy as np

from handsynth.objects.model import Material

SKIN_GROUP = "handsynth_skin"
MASK_ATTRIBUTE = "skin_mask"
UV_MAP = "UVMap"
CACHE_SIZE = 64
FRUIT_FAMILIES = ("orange", "apple", "tomato")
FRUIT_NAMES = ("peel", "skin")
PAPER_PATTERNS = ("pages", "print", "label")
SKIN_RADIUS = (1.0, 0.33, 0.17)  # relative mean free paths, red > green > blue
SKIN_SCALE = 0.0036  # m: the red mean free path
# Random walk (the skin variant, which also lets light refract at the entry): the visible hand is one
# mesh (render/cycles/hand.py), so the walk crosses part borders as light does in skin. With one
# object per part it stayed inside each part and drew dark seams at the wrist and part borders, which is
# why Christensen-Burley was used before.
SKIN_SSS_METHOD = "RANDOM_WALK_SKIN"
SKIN_ROUGHNESS = 0.5
NAIL_ROUGHNESS = 0.22

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


def _bump_from(nodes, links, color, bsdf, strength: float, distance: float, invert: bool) -> None:
    bump = nodes.new("ShaderNodeBump")
    bump.invert = invert
    bump.inputs["Strength"].default_value = strength
    bump.inputs["Distance"].default_value = distance
    links.new(color, bump.inputs["Height"])
    links.new(bump.outputs["Normal"], bsdf.inputs["Normal"])


# --- skin ------------------------------------------------------------------------------------------------


def hand_mask(n_vertices: int) -> np.ndarray:
    """(V, 3) float32 per-vertex skin mask of the template hand (every hand shares its vertex order):
    R palmar side in [0, 1] (fading to 0 on the forearm), G nail (0/1), B flush in [0, 1] (the back of
    the knuckles and the fingertips, where skin is redder)."""
    from handsynth.hand.shape import BONE_INDEX, BONE_PARENTS
    from handsynth.hand.template import LABEL_FOREARM, LABEL_NAIL, hand_template

    template = hand_template()
    if len(template.labels) != n_vertices:
        raise ValueError(f"hand mesh has {n_vertices} vertices, the template {len(template.labels)}")
    w = template.weights
    root = {BONE_INDEX["lowerarm02"], BONE_INDEX["wrist"]}
    joint = np.zeros(n_vertices)
    for bone, parent in enumerate(BONE_PARENTS):
        if parent >= 0 and parent not in root and bone not in root:
            joint = np.maximum(joint, 2.0 * np.minimum(w[:, bone], w[:, parent]))
    knuckles = np.clip(joint, 0.0, 1.0) * (1.0 - template.palmar)
    tips = template.vertices[template.tip_vertices]  # (5, 3)
    d_tip = np.linalg.norm(template.vertices[:, None, :] - tips[None], axis=-1).min(axis=1)
    fingertips = np.clip(1.0 - d_tip / 0.015, 0.0, 1.0) ** 2
    flush = np.clip(knuckles + fingertips, 0.0, 1.0)
    flush[template.labels == LABEL_FOREARM] = 0.0
    nail = (template.labels == LABEL_NAIL).astype(np.float64)
    # The palm's extra lightness fades out along the forearm, whose extension mesh has no mask (zero).
    palmar = template.palmar * (1.0 - w[:, BONE_INDEX["lowerarm02"]])
    return np.stack([palmar, nail, flush], axis=1).astype(np.float32)


def skin_group():
    """The skin node group (built once per Blender session; see the module docstring).

    Inputs: ``Base Color`` (colour), ``Tint`` (colour); output: ``BSDF``.
    """
    group = bpy.data.node_groups.get(SKIN_GROUP)
    if group is not None:
        return group
    group = bpy.data.node_groups.new(SKIN_GROUP, "ShaderNodeTree")
    group.use_fake_user = True
    iface = group.interface
    iface.new_socket("Base Color", in_out="INPUT", socket_type="NodeSocketColor").default_value = (
        0.6, 0.45, 0.38, 1.0,
    )  # fmt: skip
    iface.new_socket("Tint", in_out="INPUT", socket_type="NodeSocketColor").default_value = (1, 1, 1, 1)
    iface.new_socket("BSDF", in_out="OUTPUT", socket_type="NodeSocketShader")
    nodes, links = group.nodes, group.links
    inp, out = nodes.new("NodeGroupInput"), nodes.new("NodeGroupOutput")

    def math(op, a, b=None, clamp=False):
        node = nodes.new("ShaderNodeMath")
        node.operation = op
        node.use_clamp = clamp
        for k, value in enumerate((a, b)):
            if value is None:
                continue
            if isinstance(value, (int, float)):
                node.inputs[k].default_value = float(value)
            else:
                links.new(value, node.inputs[k])
        return node.outputs[0]

    def mix(factor, a, b, blend="MIX"):
        node = nodes.new("ShaderNodeMix")
        node.data_type = "RGBA"
        node.blend_type = blend
        node.clamp_result = True
        if isinstance(factor, float):
            node.inputs["Factor"].default_value = factor
        else:
            links.new(factor, node.inputs["Factor"])
        for socket, value in ((node.inputs[6], a), (node.inputs[7], b)):
            if isinstance(value, tuple):
                socket.default_value = value
            else:
                links.new(value, socket)
        return node.outputs[2]

    mask = nodes.new("ShaderNodeAttribute")
    mask.attribute_type = "GEOMETRY"
    mask.attribute_name = MASK_ATTRIBUTE
    sep = nodes.new("ShaderNodeSeparateColor")
    links.new(mask.outputs["Color"], sep.inputs["Color"])
    palm, nail, flush = sep.outputs[0], sep.outputs[1], sep.outputs[2]
    coords = nodes.new("ShaderNodeTexCoord")
    # Mottling: low-frequency noise in object space (metres; every part shares the object frame).
    mottle = nodes.new("ShaderNodeTexNoise")
    mottle.inputs["Scale"].default_value = 45.0  # blotches of about 2 cm
    mottle.inputs["Detail"].default_value = 1.0
    links.new(coords.outputs["Object"], mottle.inputs["Vector"])
    blotch = nodes.new("ShaderNodeTexNoise")
    blotch.inputs["Scale"].default_value = 220.0  # freckle-sized, about 5 mm
    blotch.inputs["Detail"].default_value = 1.0
    links.new(coords.outputs["Object"], blotch.inputs["Vector"])

    base = mix(1.0, inp.outputs["Base Color"], inp.outputs["Tint"], "MULTIPLY")
    # +-10 % brightness mottling, slightly redder where brighter (blood), and faint small blotches.
    m = math("SUBTRACT", mottle.outputs["Fac"], 0.5)
    shade = mix(math("ADD", math("MULTIPLY", m, 0.9), 0.5, clamp=True), (0.88, 0.9, 0.92, 1.0),
                (1.1, 1.05, 1.02, 1.0))  # fmt: skip
    base = mix(1.0, base, shade, "MULTIPLY")
    b = math("MULTIPLY", math("SUBTRACT", blotch.outputs["Fac"], 0.55, clamp=True), 0.6)
    base = mix(b, base, (0.55, 0.38, 0.3, 1.0), "MULTIPLY")
    # Flushed knuckles and fingertips: redder; the palm a little lighter.
    base = mix(math("MULTIPLY", flush, 0.55), base, (1.0, 0.72, 0.7, 1.0), "MULTIPLY")
    base = mix(math("MULTIPLY", palm, 0.12), base, (1.0, 0.96, 0.92, 1.0), "SCREEN")

    bsdf = nodes.new("ShaderNodeBsdfPrincipled")
    bsdf.subsurface_method = SKIN_SSS_METHOD
    links.new(base, bsdf.inputs["Base Color"])
    bsdf.inputs["Subsurface Radius"].default_value = SKIN_RADIUS
    bsdf.inputs["Subsurface Scale"].default_value = SKIN_SCALE
    bsdf.inputs["IOR"].default_value = 1.4
    # Nails: no subsurface, glossier; skin roughness varies a little with the pores.
    links.new(math("SUBTRACT", 1.0, nail), bsdf.inputs["Subsurface Weight"])
    pores = nodes.new("ShaderNodeTexNoise")
    pores.inputs["Scale"].default_value = 2200.0  # about 0.5 mm
    pores.inputs["Detail"].default_value = 0.0
    links.new(coords.outputs["Object"], pores.inputs["Vector"])
    rough = math("ADD", SKIN_ROUGHNESS - 0.05, math("MULTIPLY", pores.outputs["Fac"], 0.1))
    blend_rough = nodes.new("ShaderNodeMix")
    blend_rough.data_type = "FLOAT"
    links.new(nail, blend_rough.inputs["Factor"])
    links.new(rough, blend_rough.inputs[2])
    blend_rough.inputs[3].default_value = NAIL_ROUGHNESS
    links.new(blend_rough.outputs[0], bsdf.inputs["Roughness"])
    bump = nodes.new("ShaderNodeBump")
    bump.inputs["Strength"].default_value = 0.25
    bump.inputs["Distance"].default_value = 0.0002
    links.new(pores.outputs["Fac"], bump.inputs["Height"])
    links.new(bump.outputs["Normal"], bsdf.inputs["Normal"])
    links.new(bsdf.outputs["BSDF"], out.inputs["BSDF"])
    return group


def skin_material(name: str, attribute: str | None):
    """A material that instances the skin group.

    Args:
        attribute: the mesh's albedo colour attribute feeding ``Base Color`` (the hand), or None for a
            constant albedo (the forearm extension).

    Returns:
        (material, group node): set ``node.inputs["Tint"]`` / ``["Base Color"]`` per sample.
    """
    material = bpy.data.materials.new(name)
    material.use_nodes = True
    nodes, links = material.node_tree.nodes, material.node_tree.links
    nodes.remove(nodes["Principled BSDF"])
    node = nodes.new("ShaderNodeGroup")
    node.node_tree = skin_group()
    if attribute is not None:
        albedo = nodes.new("ShaderNodeAttribute")
        albedo.attribute_type = "GEOMETRY"
        albedo.attribute_name = attribute
        links.new(albedo.outputs["Color"], node.inputs["Base Color"])
    links.new(node.outputs["BSDF"], nodes["Material Output"].inputs["Surface"])
    return material, node
