"""The Blender scene of one sample as a ``.blend`` a user opens in Blender 4.5, poses and renders again;
bpy only here and in the rest of ``render/cycles/``.

The file holds the renderer's scene exactly as it renders the sample (the rigged hand, whose bones a
user can rotate; the forearm and the object; the skin node group and object materials with their
pattern images packed; lamps, ambient world, camera, Cycles settings), plus what the pipeline does
outside Blender, in Blender's own terms: the sample's background composited under the transparent film
(a compositor Alpha Over), PNG output to ``//render.png``. The amodal mask view layers stay on (one
flat sample each, so they cost a user nothing): Blender shows a file's first view layer that does not
render, so switching them off would open the file on the ``hand`` mask layer. Only this scene and
what it uses is written (``bpy.data.libraries.write``), never the rest of the Blender session, and the
renderer is left as it was: it can go on rendering samples.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import bpy
import numpy as np

BACKGROUND_IMAGE = "handsynth-background"


def _background_image(background: np.ndarray):
    """(H, W, 3) uint8 sRGB -> a packed byte Image datablock (rows bottom-up, as Blender stores them)."""
    height, width = background.shape[:2]
    image = bpy.data.images.new(BACKGROUND_IMAGE, width, height, alpha=False)
    rgba = np.concatenate([background, np.full((height, width, 1), 255, np.uint8)], axis=-1)
    image.pixels.foreach_set((rgba[::-1].astype(np.float32) / 255.0).ravel())
    image.pack()
    return image


@contextlib.contextmanager
def _as_a_user_renders(scene, background: np.ndarray | None):
    """Switch ``scene`` to a user's settings (PNG out, compositing the colour layer over the
    background) for the time of the block; everything is put back afterwards."""
    render = scene.render
    changed = [
        (render, "filepath"),
        (render, "use_file_extension"),
        (render, "use_compositing"),
        (render.image_settings, "file_format"),
        (render.image_settings, "color_depth"),
        (scene, "use_nodes"),
    ]
    saved = [getattr(owner, name) for owner, name in changed]
    image = None
    try:
        render.filepath = "//render.png"
        render.use_file_extension = True
        render.image_settings.file_format = "PNG"
        render.image_settings.color_depth = "8"
        if background is not None:
            image = _background_image(background)
            scene.use_nodes = True
            tree = scene.node_tree
            for node in list(tree.nodes):
                tree.nodes.remove(node)
            layers = tree.nodes.new("CompositorNodeRLayers")
            layers.scene, layers.layer = scene, "color"
            source = tree.nodes.new("CompositorNodeImage")
            source.image = image
            over = tree.nodes.new("CompositorNodeAlphaOver")
            out = tree.nodes.new("CompositorNodeComposite")
            tree.links.new(source.outputs["Image"], over.inputs[1])
            tree.links.new(layers.outputs["Image"], over.inputs[2])
            tree.links.new(over.outputs["Image"], out.inputs["Image"])
            render.use_compositing = True
        yield
    finally:
        for (owner, name), value in zip(changed, saved, strict=True):
            setattr(owner, name, value)
        if image is not None:
            if scene.node_tree is not None:
                for node in list(scene.node_tree.nodes):
                    scene.node_tree.nodes.remove(node)
            bpy.data.images.remove(image)


def save_blend(renderer, spec, path: str | os.PathLike[str], background: np.ndarray | None = None) -> Path:
    """Write the scene of ``spec`` as ``renderer`` renders it to ``path`` (atomically: a temporary file in
    the same folder, then renamed).

    Args:
        renderer: a ``CyclesRenderer`` (its quality settings, device and size go into the file).
        spec: the sample's ``SceneSpec``.
        path: the ``.blend`` to write.
        background: (H, W, 3) uint8 sRGB background to composite under the film, or None for none.
    Returns:
        The absolute path written.
    """
    path = Path(path).resolve()
    renderer.set_sample(spec)
    scene = renderer.scene
    for image in bpy.data.images:  # pattern images exist only in memory: the file must carry them
        if image.packed_file is None and image.source == "GENERATED":
            image.pack()
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with _as_a_user_renders(scene, background):
            bpy.data.libraries.write(str(tmp), {scene}, path_remap="NONE", fake_user=False, compress=True)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
