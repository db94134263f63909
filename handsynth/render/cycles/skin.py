"""The hand's skin in Cycles: the per-vertex ``skin_mask`` of the template hand (numpy) and the skin node
group that reads it; bpy only here and in the rest of ``render/cycles/``. ``materials`` re-exports
``hand_mask``, ``skin_group`` and ``skin_material``.

The mask (``hand_mask``, (V, 3), stored by the renderer as the point colour attribute ``skin_mask``,
absent, so zero, on the forearm extension) packs five fields into three channels, so that each channel
stays continuous over the mesh wherever the shader draws something from it (a point attribute is
interpolated linearly across each 2 mm triangle, so sharp lines come from thresholds applied per shading
point to smooth fields, never from per-vertex values):

- R: palmar side in [0, 1] (fading to 0 along the forearm);
- G: the crease coordinate ``t`` in [1.5, 4.5] on skin, ``NAIL_CODE`` on nails. Along each finger ``t``
  is a monotonic, piecewise-linear function of the distance along the finger's bones, integer at the
  creases of its joints (2 MCP, 3 PIP, 4 DIP; the thumb 2 MCP, 3 IP) and spanning +-0.25 over the
  crease band of each joint (+-``CREASE_BAND_M``); on the palmar side the MCP's integer lies on the
  palmo-digital crease at the base of the finger rather than over the joint. Off the fingers (palm,
  back of the hand) ``t`` = 1.5, outside every band. The shader draws a double groove at the integers on
  the palmar side and a few parallel wrinkles across each band on the dorsal side;
- B: flush in [0, 1] (the back of the knuckles and the fingertips, where skin is redder) minus a tent in
  [0, 1] peaking on the palm's three main creases (distal and proximal transverse, thenar) and the
  distal wrist crease: positive values are flush, negative ones crease.

The group (``skin_group``, one per Blender session, named ``SKIN_GROUP``): Principled BSDF with
subsurface scattering (``SKIN_SSS_METHOD``), radii red > green > blue (3.6 / 1.2 / 0.6 mm);
albedo = albedo x tint x low-frequency mottling in brightness and redness plus faint freckle-sized
blotches, redder where flushed, lighter and less pigmented on the palm, a little darker in creases; one
bump from the creases and a fine pore noise; nails pinkish, without subsurface, glossier, with a clear
coat.
"""

from __future__ import annotations

import bpy
import numpy as np

from handsynth.hand.shape import BONE_INDEX, FINGER_BONES

SKIN_GROUP = "handsynth_skin"
MASK_ATTRIBUTE = "skin_mask"
SKIN_RADIUS = (1.0, 0.33, 0.17)  # relative mean free paths, red > green > blue
SKIN_SCALE = 0.0036  # m: the red mean free path
SKIN_ROUGHNESS = 0.5
# Random walk (the skin variant, which also lets light refract at the entry): the visible hand is one
# mesh (render/cycles/hand.py), so the walk crosses part borders as light does in skin. With one
# object per part it stayed inside each part and drew dark seams at the wrist and part borders, which is
# why Christensen-Burley was used before.
SKIN_SSS_METHOD = "RANDOM_WALK_SKIN"
NAIL_ROUGHNESS = 0.12
NAIL_CODE = 10.0  # G channel on nails; the shader's nail factor ramps over t in (NAIL_CODE / 2, NAIL_CODE)
T_OFF_FINGER = 1.5  # G channel of skin away from every crease band
# Half-width of the crease band of each joint (MCP, PIP, DIP; thumb MCP, IP), m, on the dorsal side
# (wrinkles) and the palmar side (the double groove sits at +-0.15 of the band: about 1.5 mm apart).
CREASE_BAND_M = {"dorsal": (0.0055, 0.005, 0.0035), "palmar": (0.005, 0.005, 0.0035)}
PALMAR_MCP_OFFSET = 0.38  # palmo-digital crease: this share of the proximal phalanx beyond the MCP
PALMAR_DIP_OFFSET_M = -0.0012  # the palmar DIP crease lies a little proximal to the joint
PALM_CREASE_HALF_WIDTH_M = 0.0025  # tent half-width of the palm creases in B
# The palm's main creases and the distal wrist crease: polylines in the reference hand frame (mm, x
# distal, y radial; right hand), on the palmar side.
PALM_CREASES_MM = (
    ((60, -44), (64, -30), (69, -15), (74, -2), (80, 11), (85, 18)),  # distal transverse ("heart")
    ((69, 40), (62, 27), (56, 13), (50, -3), (45, -18), (41, -30)),  # proximal transverse ("head")
    ((69, 40), (58, 28), (46, 20), (33, 15), (20, 11), (8, 7)),  # thenar ("life")
    ((-1, -28), (-2, -10), (-2, 10), (-1, 26)),  # distal wrist crease
)
PALM_CREASE_DEPTH = (1.0, 1.0, 1.0, 0.75)  # tent peak of each of PALM_CREASES_MM


# --- the mask (numpy) ------------------------------------------------------------------------------------


def _polyline_projection(points: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Arc length along a polyline of each point's nearest point on it, and the distance to it.

    Args:
        points: (N, D) float; nodes: (K, D) float, K >= 2.

    Returns:
        ``(arc, distance)``: (N,) float each; arc length from ``nodes[0]`` (extrapolated linearly past
        both ends, so it stays monotonic along the line).
    """
    starts, ends = nodes[:-1], nodes[1:]
    seg = ends - starts  # (S, D)
    length = np.linalg.norm(seg, axis=1)
    rel = points[:, None, :] - starts[None]  # (N, S, D)
    u = np.einsum("nsd,sd->ns", rel, seg) / length**2
    u_seg = u.copy()
    u_seg[:, 1:] = np.maximum(u_seg[:, 1:], 0.0)  # only the first segment extends backwards,
    u_seg[:, :-1] = np.minimum(u_seg[:, :-1], 1.0)  # only the last one forwards
    dist = np.linalg.norm(rel - u_seg[..., None] * seg[None], axis=2)
    best = dist.argmin(axis=1)
    rows = np.arange(len(points))
    cum = np.concatenate([[0.0], np.cumsum(length)])
    return cum[best] + u_seg[rows, best] * length[best], dist[rows, best]


def _crease_coordinate(template) -> np.ndarray:
    """(V,) float64 crease coordinate ``t`` of the template's vertices (see the module docstring)."""
    sk = template.skeleton
    heads, tails = sk.heads, sk.tails
    vertices = template.vertices
    t_by_side = {side: np.full(len(vertices), T_OFF_FINGER) for side in CREASE_BAND_M}
    best = np.full(len(vertices), np.inf)
    for finger, names in FINGER_BONES.items():
        bones = [BONE_INDEX[name] for name in names]
        joints = bones[1:] if finger == "thumb" else bones  # heads of the bones after each joint
        chain = np.array([heads[b] for b in joints] + [tails[bones[2]]])
        back = chain[0] - 0.03 * (chain[1] - chain[0]) / np.linalg.norm(chain[1] - chain[0])
        arc, dist = _polyline_projection(vertices, np.vstack([back, chain]))
        joint_arc = np.linalg.norm(np.diff(np.vstack([back, chain]), axis=0), axis=1).cumsum()
        radius = sk.radii[bones[0], 0]
        mine = dist < best
        best[mine] = dist[mine]
        # Fades to T_OFF_FINGER from 1.4 to 2 radii off the finger's axis (the sides of the palm).
        fade = np.clip((2.0 * radius - dist) / (0.6 * radius), 0.0, 1.0)
        for side, bands in CREASE_BAND_M.items():
            bands = bands[1:] if finger == "thumb" else bands
            knots_a, knots_t = [], []
            for k, band in enumerate(bands):
                centre = joint_arc[k]
                if side == "palmar" and k == 0 and finger != "thumb":
                    centre += PALMAR_MCP_OFFSET * sk.lengths[bones[0]]
                if side == "palmar" and k == len(bands) - 1:
                    centre += PALMAR_DIP_OFFSET_M
                if k == 0:
                    knots_a += [centre - 2 * band]
                    knots_t += [T_OFF_FINGER]
                knots_a += [centre - band, centre + band]
                knots_t += [2 + k - 0.25, 2 + k + 0.25]
            knots_a.append(joint_arc[-1])
            knots_t.append(2 + len(bands) - 0.5)
            t = np.interp(arc, knots_a, knots_t)
            t_by_side[side][mine] = (T_OFF_FINGER + fade * (t - T_OFF_FINGER))[mine]
    palmar = template.palmar
    return palmar * t_by_side["palmar"] + (1.0 - palmar) * t_by_side["dorsal"]


def _palm_creases(template) -> np.ndarray:
    """(V,) float64 in [0, 1]: a tent peaking on the palm creases (``PALM_CREASES_MM``), palmar side."""
    xy = template.vertices[:, :2]
    tent = np.zeros(len(xy))
    for crease, depth in zip(PALM_CREASES_MM, PALM_CREASE_DEPTH, strict=True):
        nodes = np.asarray(crease, dtype=np.float64) / 1000.0
        arc, dist = _polyline_projection(xy, nodes)
        total = np.linalg.norm(np.diff(nodes, axis=0), axis=1).sum()
        # Past either end the crease fades out over 5 mm rather than stopping square.
        overshoot = np.maximum(-arc, arc - total)
        near = np.hypot(dist, np.maximum(overshoot, 0.0) * 0.5)
        tent = np.maximum(tent, depth * np.clip(1.0 - near / PALM_CREASE_HALF_WIDTH_M, 0.0, 1.0))
    return tent * np.clip((template.palmar - 0.6) / 0.3, 0.0, 1.0)


def hand_mask(n_vertices: int) -> np.ndarray:
    """(V, 3) float32 per-vertex skin mask of the template hand (every hand shares its vertex order):
    R palmar side in [0, 1], G crease coordinate (``NAIL_CODE`` on nails), B flush minus palm creases;
    see the module docstring."""
    from handsynth.hand.shape import BONE_PARENTS
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
    fingertips = np.clip(1.0 - d_tip / 0.018, 0.0, 1.0) ** 1.5
    flush = np.clip(knuckles + fingertips, 0.0, 1.0)
    flush[template.labels == LABEL_FOREARM] = 0.0
    nail = template.labels == LABEL_NAIL
    crease_t = np.where(nail, NAIL_CODE, _crease_coordinate(template))
    # The palm's extra lightness fades out along the forearm, whose extension mesh has no mask (zero).
    palmar = template.palmar * (1.0 - w[:, BONE_INDEX["lowerarm02"]])
    return np.stack([palmar, crease_t, flush - _palm_creases(template)], axis=1).astype(np.float32)


# --- the node group (bpy) --------------------------------------------------------------------------------


class _Graph:
    """Small helpers that add and link nodes of one node tree."""

    def __init__(self, tree) -> None:
        self.nodes, self.links = tree.nodes, tree.links

    def _set(self, socket, value) -> None:
        if isinstance(value, (int, float)):
            socket.default_value = float(value)
        elif isinstance(value, tuple):
            socket.default_value = value
        else:
            self.links.new(value, socket)

    def math(self, op: str, a, b=None, c=None, clamp: bool = False):
        node = self.nodes.new("ShaderNodeMath")
        node.operation = op
        node.use_clamp = clamp
        for k, value in enumerate((a, b, c)):
            if value is not None:
                self._set(node.inputs[k], value)
        return node.outputs[0]

    def mix(self, factor, a, b, blend: str = "MIX"):
        node = self.nodes.new("ShaderNodeMix")
        node.data_type = "RGBA"
        node.blend_type = blend
        node.clamp_result = True
        self._set(node.inputs["Factor"], factor)
        self._set(node.inputs[6], a)
        self._set(node.inputs[7], b)
        return node.outputs[2]

    def noise(self, vector, scale: float, detail: float):
        node = self.nodes.new("ShaderNodeTexNoise")
        node.inputs["Scale"].default_value = scale
        node.inputs["Detail"].default_value = detail
        self.links.new(vector, node.inputs["Vector"])
        return node


def _creases(g: _Graph, palm, code, signed):
    """Crease depth in [0, 1] from the mask fields (see the module docstring); few nodes, as the bump
    evaluates them three times per shading point."""
    f = g.math("SUBTRACT", code, g.math("ROUND", code))  # +-0.25 over a band, +-0.5 off every band
    # Palmar: a double groove at f = +-0.0375 (parabolic profile, each about 0.9 mm wide in a 5 mm band).
    groove = g.math("MULTIPLY_ADD", g.math("ABSOLUTE", f), 1.0 / 0.0225, -0.0375 / 0.0225)
    groove = g.math("SUBTRACT", 1.0, g.math("MULTIPLY", groove, groove), clamp=True)
    # Dorsal: five parallel wrinkles across the band (cosine peaks at f = 0, +-0.1, +-0.2), shallower
    # towards its ends and none beyond (the -6 f^2 term).
    wrinkles = g.math(
        "MULTIPLY_ADD", g.math("MULTIPLY", f, f), -6.0, g.math("COSINE", g.math("MULTIPLY", f, 20.0 * np.pi))
    )
    wrinkles = g.math("MULTIPLY_ADD", wrinkles, 1.4, -0.84, clamp=True)
    side = g.nodes.new("ShaderNodeMix")
    side.data_type = "FLOAT"
    g.links.new(palm, side.inputs["Factor"])
    g.links.new(wrinkles, side.inputs[2])
    g.links.new(groove, side.inputs[3])
    # None off the hand mesh (the forearm extension has no mask: code 0).
    finger = g.math("MULTIPLY", side.outputs[0], g.math("MULTIPLY_ADD", code, 2.0, -2.0, clamp=True))
    # Palm creases: the tent's top 55 % (about 1.4 mm wide).
    return g.math("MAXIMUM", finger, g.math("MULTIPLY_ADD", signed, -1.0 / 0.55, -0.45 / 0.55, clamp=True))


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
    g = _Graph(group)
    inp, out = g.nodes.new("NodeGroupInput"), g.nodes.new("NodeGroupOutput")
    mask = g.nodes.new("ShaderNodeAttribute")
    mask.attribute_type = "GEOMETRY"
    mask.attribute_name = MASK_ATTRIBUTE
    sep = g.nodes.new("ShaderNodeSeparateColor")
    g.links.new(mask.outputs["Color"], sep.inputs["Color"])
    palm, code, signed = sep.outputs[0], sep.outputs[1], sep.outputs[2]
    flush = g.math("MAXIMUM", signed, 0.0)
    nail = g.math("MULTIPLY_ADD", code, 2.0 / NAIL_CODE, -1.0, clamp=True)  # 0 below NAIL_CODE / 2
    crease = _creases(g, palm, code, signed)
    coords = g.nodes.new("ShaderNodeTexCoord").outputs["Object"]  # metres; every part shares the frame
    mottle = g.noise(coords, 45.0, 1.0)  # blotches of about 2 cm
    blotch = g.noise(coords, 220.0, 0.0)  # freckle-sized, about 5 mm; one octave (cost)

    base = g.mix(1.0, inp.outputs["Base Color"], inp.outputs["Tint"], "MULTIPLY")
    # +-15 % brightness mottling: yellower where darker, redder where brighter (blood).
    m = g.math("SUBTRACT", mottle.outputs["Fac"], 0.5)
    shade = g.mix(
        g.math("MULTIPLY_ADD", m, 1.2, 0.5, clamp=True), (0.86, 0.87, 0.86, 1.0), (1.15, 1.05, 1.01, 1.0)
    )
    base = g.mix(1.0, base, shade, "MULTIPLY")
    b = g.math("MULTIPLY", g.math("SUBTRACT", blotch.outputs["Fac"], 0.55, clamp=True), 0.6)
    base = g.mix(b, base, (0.55, 0.38, 0.3, 1.0), "MULTIPLY")
    # Flushed knuckles and fingertips: redder; the palm lighter and less pigmented; creases darker.
    base = g.mix(g.math("MULTIPLY", flush, 0.7), base, (1.0, 0.7, 0.68, 1.0), "MULTIPLY")
    base = g.mix(g.math("MULTIPLY", palm, 0.2), base, (1.0, 0.9, 0.84, 1.0), "SCREEN")
    base = g.mix(g.math("MULTIPLY", crease, 0.3), base, (0.72, 0.6, 0.58, 1.0), "MULTIPLY")
    # Nails: the nail bed's pink through a whitish plate.
    base = g.mix(g.math("MULTIPLY", nail, 0.25), base, (0.88, 0.62, 0.6, 1.0))

    bsdf = g.nodes.new("ShaderNodeBsdfPrincipled")
    bsdf.subsurface_method = SKIN_SSS_METHOD
    g.links.new(base, bsdf.inputs["Base Color"])
    bsdf.inputs["Subsurface Radius"].default_value = SKIN_RADIUS
    bsdf.inputs["Subsurface Scale"].default_value = SKIN_SCALE
    bsdf.inputs["IOR"].default_value = 1.4
    g.links.new(g.math("SUBTRACT", 1.0, nail), bsdf.inputs["Subsurface Weight"])
    # Pores: fine noise; roughness follows it a little.
    pores = g.noise(coords, 2200.0, 0.0).outputs["Fac"]
    rough = g.math("MULTIPLY_ADD", pores, 0.1, SKIN_ROUGHNESS - 0.05)
    rough = g.math("ADD", rough, g.math("MULTIPLY", crease, 0.1))  # creases hold no skin oil
    blend_rough = g.nodes.new("ShaderNodeMix")
    blend_rough.data_type = "FLOAT"
    g.links.new(nail, blend_rough.inputs["Factor"])
    g.links.new(rough, blend_rough.inputs[2])
    blend_rough.inputs[3].default_value = NAIL_ROUGHNESS
    g.links.new(blend_rough.outputs[0], bsdf.inputs["Roughness"])
    g.links.new(nail, bsdf.inputs["Coat Weight"])
    bsdf.inputs["Coat Roughness"].default_value = 0.06
    # One bump: pores (+-0.1 mm scale) and creases (about 0.3 mm deep), in metres via Distance.
    height = g.math("MULTIPLY_ADD", crease, -3.0, pores)
    height = g.math("MULTIPLY", height, g.math("SUBTRACT", 1.0, nail))  # the nail plate is smooth
    bump = g.nodes.new("ShaderNodeBump")
    bump.inputs["Strength"].default_value = 0.3
    bump.inputs["Distance"].default_value = 0.0001
    g.links.new(height, bump.inputs["Height"])
    g.links.new(bump.outputs["Normal"], bsdf.inputs["Normal"])
    g.links.new(bsdf.outputs["BSDF"], out.inputs["BSDF"])
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
