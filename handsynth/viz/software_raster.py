"""CPU z-buffer renderer for inspection pictures; imports only numpy and Pillow, never bpy/pyrender/ray/torch.

Camera convention (OpenCV): x right, y down, z forward; the centre of the top-left pixel is (0, 0);
``u = fx x / z + cx``. ``T_cam_world`` maps world points to camera points.
"""

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from handsynth.conventions import linear_to_srgb, srgb_to_linear

# Joint colours for the 21-joint layout (wrist, then 4 joints per finger thumb..pinky), RGB uint8.
_FINGER_RGB = ((228, 26, 28), (77, 175, 74), (55, 126, 184), (255, 127, 0), (152, 78, 163))
_WRIST_RGB = (40, 40, 40)


def look_at(eye, target, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """(4, 4) float64 T_cam_world of a camera at `eye` (3,) looking at `target` (3,), `up` (3,) image-up."""
    eye, target = np.asarray(eye, float), np.asarray(target, float)
    z = target - eye
    z /= np.linalg.norm(z)
    up = np.asarray(up, float)
    if np.linalg.norm(np.cross(z, up)) < 1e-9 * np.linalg.norm(up):  # looking along up: any sideways up
        up = np.eye(3)[np.argmin(np.abs(z))]
    x = np.cross(z, up)
    x /= np.linalg.norm(x)
    R = np.stack([x, np.cross(z, x), z])
    T = np.eye(4)
    T[:3, :3], T[:3, 3] = R, -R @ eye
    return T


def intrinsics_from_fov(fov_deg: float, width: int, height: int) -> np.ndarray:
    """(3, 3) float64 K with horizontal field of view `fov_deg`, square pixels, centred principal point."""
    f = 0.5 * width / np.tan(np.radians(fov_deg) / 2)
    return np.array([[f, 0.0, (width - 1) / 2], [0.0, f, (height - 1) / 2], [0.0, 0.0, 1.0]])


def rasterize(
    vertices_cam, faces, K, width: int, height: int, near: float = 1e-3, max_fragments: int = 1 << 21
):
    """(N, 3) float camera-frame vertices, (F, 3) int faces, (3, 3) K -> z-buffer.

    Returns depth (H, W) float32 (camera z, inf where empty), face_index (H, W) int32 (-1 where empty)
    and barycentrics (H, W, 3) float32 (perspective-correct, so they interpolate camera-frame points).
    A pixel is covered when its centre lies inside the triangle or on its edge; both windings are drawn.
    Triangles with any vertex at z <= `near` are skipped. `max_fragments` bounds memory per chunk.
    """
    v = np.asarray(vertices_cam, np.float64)
    f = np.asarray(faces, np.int64).reshape(-1, 3)
    K = np.asarray(K, np.float64)
    n_pix = width * height
    depth = np.full(n_pix, np.inf)
    face_index = np.full(n_pix, -1, np.int32)
    bary = np.zeros((n_pix, 3))
    tri = v[f]  # (F, 3, 3)
    z = tri[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = tri @ K.T
        uv = p[..., :2] / p[..., 2:]  # (F, 3, 2)
    (u0, v0), (u1, v1), (u2, v2) = (uv[:, i].T for i in range(3))
    # Edge function w_i(p) = A_i px + B_i py + C_i is twice the signed area opposite vertex i.
    A = np.stack([v1 - v2, v2 - v0, v0 - v1], 1)
    B = np.stack([u2 - u1, u0 - u2, u1 - u0], 1)
    C = np.stack([u1 * v2 - u2 * v1, u2 * v0 - u0 * v2, u0 * v1 - u1 * v0], 1)
    area = C.sum(1)
    sign = np.sign(area)[:, None]  # flip clockwise triangles so "inside" is w >= 0 for both windings
    A, B, C = A * sign, B * sign, C * sign
    with np.errstate(invalid="ignore"):
        x0 = np.clip(np.ceil(uv[..., 0].min(1)), 0, width)
        x1 = np.clip(np.floor(uv[..., 0].max(1)), -1, width - 1)
        y0 = np.clip(np.ceil(uv[..., 1].min(1)), 0, height)
        y1 = np.clip(np.floor(uv[..., 1].max(1)), -1, height - 1)
        ok = (z > near).all(1) & (np.abs(area) > 1e-12) & (x1 >= x0) & (y1 >= y0)
        # Edge functions at each bounding box's top-left pixel; a step in x adds A, a step in y adds B.
        W0 = A * x0[:, None] + B * y0[:, None] + C  # (F, 3)
    ids = np.flatnonzero(ok)
    bw = (x1[ids] - x0[ids] + 1).astype(np.int64)
    npx = bw * (y1[ids] - y0[ids] + 1).astype(np.int64)
    order = np.argsort(npx, kind="stable")
    ids, bw, npx = ids[order], bw[order], npx[order]
    start = 0
    while start < len(ids):
        # npx is sorted, so a chunk's grid is (count, npx of its last triangle); that cost is monotone.
        cost = np.arange(1, len(ids) - start + 1) * npx[start:]
        stop = start + max(1, int(np.searchsorted(cost, max_fragments, side="right")))
        t, w_t = ids[start:stop], bw[start:stop, None]
        k = np.arange(npx[stop - 1])[None, :]
        dy = k // w_t  # (T, P)
        dx = (k - dy * w_t).astype(np.float64)
        dy = dy.astype(np.float64)
        inside = k < npx[start:stop, None]
        for i in range(3):
            # -1e-9 px^2 of slack so a centre exactly on a shared edge is never dropped by both faces.
            inside &= A[t, i, None] * dx + B[t, i, None] * dy + W0[t, i, None] >= -1e-9
        ti, pi = np.nonzero(inside)
        tt = t[ti]
        fx, fy = dx[ti, pi], dy[ti, pi]
        b = (A[tt] * fx[:, None] + B[tt] * fy[:, None] + W0[tt]) / (area[tt] * sign[tt, 0])[:, None]
        b /= z[tt]  # (M, 3) screen-space barycentrics over z: perspective-correct weights
        frag_z = 1.0 / b.sum(1)
        pix = (y0[tt] + fy).astype(np.int64) * width + (x0[tt] + fx).astype(np.int64)
        np.minimum.at(depth, pix, frag_z)  # exact nearest per pixel, across chunks too
        win = np.flatnonzero(frag_z == depth[pix])
        win = win[np.unique(pix[win], return_index=True)[1]]  # one winner per pixel on exact ties
        face_index[pix[win]] = tt[win]
        bary[pix[win]] = b[win] * frag_z[win, None]
        start = stop
    return (
        depth.astype(np.float32).reshape(height, width),
        face_index.reshape(height, width),
        bary.astype(np.float32).reshape(height, width, 3),
    )


def _concat_meshes(meshes):
    """List of (vertices (N_i, 3), faces (F_i, 3), colors (N_i, 3) | (3,) | None) -> one mesh."""
    verts, faces, colors, offset = [], [], [], 0
    for v, f, c in meshes:
        v = np.asarray(v, np.float64)
        c = np.broadcast_to(np.asarray((0.75, 0.75, 0.75) if c is None else c, np.float64), v.shape)
        verts.append(v), faces.append(np.asarray(f, np.int64) + offset), colors.append(c)
        offset += len(v)
    return np.concatenate(verts), np.concatenate(faces), np.concatenate(colors)


def _shade(meshes, T_cam_world, K, width, height, light_dirs_world, background):
    """Shaded (H, W, 3) uint8 image and its (H, W) float32 depth."""
    v, f, colors = _concat_meshes(meshes)
    T = np.asarray(T_cam_world, np.float64)
    v_cam = v @ T[:3, :3].T + T[:3, 3]
    depth, face_index, bary = rasterize(v_cam, f, K, width, height)
    image = np.empty((height, width, 3), np.float64)
    image[:] = np.asarray(background, np.float64) / 255.0
    mask = face_index >= 0
    if not mask.any():
        return (image * 255).round().astype(np.uint8), depth
    e1, e2 = v_cam[f[:, 1]] - v_cam[f[:, 0]], v_cam[f[:, 2]] - v_cam[f[:, 0]]
    face_n = np.cross(e1, e2)  # length is twice the area: area weighting for free
    vn = np.stack([np.bincount(f.ravel(), np.repeat(face_n[:, i], 3), len(v)) for i in range(3)], 1)
    vn /= np.maximum(np.linalg.norm(vn, axis=1, keepdims=True), 1e-12)
    fi, b = f[face_index[mask]], bary[mask].astype(np.float64)[..., None]  # (M, 3), (M, 3, 1)
    n = (b * vn[fi]).sum(1)
    p = (b * v_cam[fi]).sum(1)
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
    n *= np.where((n * p).sum(1, keepdims=True) > 0, -1.0, 1.0)  # two-sided: face the camera
    if light_dirs_world is None:  # towards the lights, camera frame: key front-top-left, fill front-right
        lights = np.array([[-0.4, -0.7, -0.6], [0.7, 0.1, -0.7]])
    else:
        lights = np.atleast_2d(np.asarray(light_dirs_world, np.float64)) @ T[:3, :3].T
    lights /= np.linalg.norm(lights, axis=1, keepdims=True)
    strength = np.r_[0.85, np.full(len(lights) - 1, 0.3)]
    irradiance = 0.12 + np.clip(n @ lights.T, 0, None) @ strength  # (M,)
    albedo = srgb_to_linear((b * colors[fi]).sum(1))
    image[mask] = linear_to_srgb(albedo * irradiance[:, None])
    return (image * 255).round().astype(np.uint8), depth


def shade_mesh(
    vertices_world,
    faces,
    T_cam_world,
    K,
    width: int,
    height: int,
    vertex_colors=None,
    light_dirs_world=None,
    background=(245, 245, 245),
) -> np.ndarray:
    """(N, 3) float64 world vertices, (F, 3) int faces -> (H, W, 3) uint8 sRGB image.

    `vertex_colors`: (N, 3) or (3,) sRGB in [0, 1]. Or pass a list of (vertices, faces, colors) as
    `vertices_world` with `faces=None` to draw several meshes with shared occlusion. Smooth area-weighted
    vertex normals, two-sided; a key and fill light plus ambient, shaded in linear light.
    `light_dirs_world`: (L, 3) directions towards the lights, first is the key; default is camera-fixed.
    """
    meshes = [(vertices_world, faces, vertex_colors)] if faces is not None else list(vertices_world)
    return _shade(meshes, T_cam_world, K, width, height, light_dirs_world, background)[0]


def _joint_colors(n_joints):
    finger = np.clip((np.arange(n_joints) - 1) // 4, 0, 4)
    return [_WRIST_RGB if j == 0 else _FINGER_RGB[finger[j]] for j in range(n_joints)]


def draw_skeleton(image, joints_uv, bones, colors=None, radius_px: int = 3, depth=None, joints_z=None):
    """(J, 2) float pixel joints, (B, 2) int (parent, child) bones -> new PIL RGB image with the skeleton.

    `image`: PIL image or (H, W, 3) uint8. `colors`: (J, 3) uint8; by default the 21-joint palette
    (wrist dark, thumb red, index green, middle blue, ring orange, pinky purple); a bone takes its child's
    colour. With `depth` (H, W) and `joints_z` (J,) a joint deeper than the surface at its pixel by more
    than 5 mm is drawn hollow (occluded).
    """
    out = (
        Image.fromarray(np.asarray(image, np.uint8)).convert("RGB")
        if isinstance(image, np.ndarray)
        else image.convert("RGB")
    )
    uv = np.asarray(joints_uv, np.float64).reshape(-1, 2)
    cols = _joint_colors(len(uv)) if colors is None else [tuple(int(x) for x in c) for c in colors]
    hidden = np.zeros(len(uv), bool)
    if depth is not None and joints_z is not None:
        h, w = np.shape(depth)
        px = np.round(uv).astype(int)
        inb = (px[:, 0] >= 0) & (px[:, 0] < w) & (px[:, 1] >= 0) & (px[:, 1] < h)
        surface = np.full(len(uv), np.inf)
        surface[inb] = np.asarray(depth)[px[inb, 1], px[inb, 0]]
        hidden = np.asarray(joints_z, np.float64) > surface + 0.005
    draw = ImageDraw.Draw(out)
    for a, c in np.asarray(bones, np.int64).reshape(-1, 2):
        draw.line([tuple(uv[a]), tuple(uv[c])], fill=cols[c], width=max(1, radius_px // 2))
    r = radius_px
    for j, (x, y) in enumerate(uv):
        box = [x - r, y - r, x + r, y + r]
        if hidden[j]:
            draw.ellipse(box, fill=None, outline=cols[j], width=1)
        else:
            draw.ellipse(box, fill=cols[j], outline=(0, 0, 0))
    return out


def orbit_views(center, distance: float, elevations_deg, azimuths_deg, up=(0.0, 0.0, 1.0)) -> list:
    """(3,) centre, paired (V,) elevations and azimuths in degrees -> V (4, 4) float64 T_cam_world.

    Azimuth 0 looks from the world axis least aligned with `up` (made perpendicular to it), rotating
    counter-clockwise about `up`; elevation 90 looks down from `up`. Scalars broadcast.
    """
    up = np.asarray(up, np.float64) / np.linalg.norm(up)
    a = np.eye(3)[np.argmin(np.abs(up))]
    a = a - (a @ up) * up
    a /= np.linalg.norm(a)
    b = np.cross(up, a)
    center = np.asarray(center, np.float64)
    views = []
    elevations, azimuths = np.broadcast_arrays(np.radians(elevations_deg), np.radians(azimuths_deg))
    for el, az in zip(elevations.ravel(), azimuths.ravel(), strict=True):
        d = np.cos(el) * (np.cos(az) * a + np.sin(az) * b) + np.sin(el) * up
        views.append(look_at(center + distance * d, center, up))
    return views


def contact_sheet(images, columns: int, labels=None, pad: int = 4, background=(255, 255, 255)) -> Image.Image:
    """Sequence of PIL images or (H, W, 3) uint8 arrays -> one PIL RGB image, `columns` wide, row-major.

    Tiles are placed on cells sized to the largest image; a label, if given, sits in a thin strip above.
    """
    tiles = [Image.fromarray(np.asarray(im, np.uint8)) if isinstance(im, np.ndarray) else im for im in images]
    if not tiles:
        raise ValueError("contact_sheet needs at least one image, got 0")
    columns = max(1, min(columns, len(tiles)))
    font = ImageFont.load_default()
    strip = 12 if labels else 0
    cw, ch = max(t.width for t in tiles), max(t.height for t in tiles) + strip
    rows = -(-len(tiles) // columns)
    sheet = Image.new("RGB", (columns * (cw + pad) + pad, rows * (ch + pad) + pad), background)
    draw = ImageDraw.Draw(sheet)
    for i, tile in enumerate(tiles):
        x, y = pad + (i % columns) * (cw + pad), pad + (i // columns) * (ch + pad)
        sheet.paste(tile.convert("RGB"), (x, y + strip))
        if labels:
            draw.text((x + 1, y), str(labels[i]), fill=(0, 0, 0), font=font)
    return sheet


def render_views(
    meshes,
    views: Sequence,
    joints_world=None,
    bones=None,
    K=None,
    fov_deg: float = 40.0,
    size=(320, 320),
    labels=None,
    columns=None,
    background=(245, 245, 245),
) -> Image.Image:
    """List of (vertices (N, 3), faces (F, 3), colors) meshes, V (4, 4) T_cam_world -> PIL grid image.

    With `joints_world` (J, 3) and `bones` (B, 2) the skeleton is drawn on top, occluded joints hollow.
    `K` (3, 3) overrides `fov_deg`; `size` is (width, height) of one view.
    """
    width, height = size
    K = intrinsics_from_fov(fov_deg, width, height) if K is None else np.asarray(K, np.float64)
    tiles = []
    for T in views:
        T = np.asarray(T, np.float64)
        image, depth = _shade(meshes, T, K, width, height, None, background)
        if joints_world is not None:
            j_cam = np.asarray(joints_world, np.float64) @ T[:3, :3].T + T[:3, 3]
            p = j_cam @ K.T
            image = draw_skeleton(
                image,
                p[:, :2] / p[:, 2:],
                np.zeros((0, 2)) if bones is None else bones,
                depth=depth,
                joints_z=j_cam[:, 2],
            )
        tiles.append(image)
    return contact_sheet(tiles, columns or min(len(tiles), 4), labels=labels)
