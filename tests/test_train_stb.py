"""The STB reader on tiny files written in the published layout (labels/*_SK.mat via scipy.io.savemat,
SK_color_%d.png): standard joint order, the palm-centre -> wrist rule, the depth -> colour extrinsics,
pixel-exact 2D joints and hand3d's split; and the MAT reader itself against scipy's."""

import numpy as np
import pytest
import scipy.io
from handsynth_train.data.sources import open_source
from handsynth_train.data.sources.matfile import load_mat
from handsynth_train.data.sources.stb import SK_COLOUR_K
from scipy.spatial.transform import Rotation
from test_train_layouts import BRIGHT, dot_image, hand_xyz, save

from handsynth.conventions import from_standard
from handsynth.errors import UserError

# The published SK calibration, written out again here (not imported) so a typo in the reader shows.
ROTVEC, T_MM = np.array([0.00531, -0.01196, 0.00301]), np.array([-24.0381, -0.4563, -1.2326])
FX, FY, CX, CY = 607.92271, 607.88192, 314.78337, 236.42484


def project(xyz):
    return np.stack([FX * xyz[:, 0] / xyz[:, 2] + CX, FY * xyz[:, 1] / xyz[:, 2] + CY], axis=1)


def write_stb(root, frames: dict[str, int], under_images=True, compress=False, seed=0) -> dict:
    """STB labels and colour frames; returns sequence -> list of (wrist-rooted colour-frame xyz m, uv)."""
    truth = {}
    rotation = Rotation.from_rotvec(ROTVEC).as_matrix()
    for n_seq, (sequence, count) in enumerate(frames.items()):
        hand_para, truth[sequence] = np.zeros((3, 21, count)), []
        for f in range(count):
            xyz = hand_xyz((0.01 * f - 0.02, 0.01 * n_seq, 0.35), seed=seed + 10 * n_seq + f)  # colour frame
            palm_std = xyz.copy()
            palm_std[0] = (xyz[0] + xyz[13]) / 2  # so that wrist = 2 palm - ring MCP
            stb = from_standard(palm_std * 1000.0, "stb")  # STB order, mm
            depth_frame = stb @ rotation.T + T_MM  # depth = R colour + t
            hand_para[:, :, f] = depth_frame.T
            uv = project(xyz)
            truth[sequence].append((xyz, uv))
            folder = root / "images" / sequence if under_images else root / sequence
            save(folder / f"SK_color_{f}.png", dot_image(uv, 640, 480))
        (root / "labels").mkdir(parents=True, exist_ok=True)
        scipy.io.savemat(
            root / "labels" / f"{sequence}_SK.mat", {"handPara": hand_para}, do_compression=compress
        )
    return truth


@pytest.mark.parametrize("under_images, compress", [(True, False), (False, True)])
def test_stb_joints_in_standard_order_with_wrist_root_and_pixel_exact_uv(tmp_path, under_images, compress):
    truth = write_stb(tmp_path, {"B1Counting": 2, "B1Random": 1, "B3Random": 1}, under_images, compress)
    test = open_source(f"stb:{tmp_path}", "test")
    assert len(test) == 3 and len(open_source(f"stb:{tmp_path}", "train")) == 1
    for i, (sequence, frame) in enumerate([("B1Counting", 0), ("B1Counting", 1), ("B1Random", 0)]):
        sample = test[i]
        xyz, uv = truth[sequence][frame]
        assert sample.source.endswith(f"#{sequence}/{frame}")
        np.testing.assert_allclose(sample.joints_cam, xyz, atol=1e-6)  # wrist first, thumb 1-4, ... little
        np.testing.assert_allclose(sample.joints_uv, uv, atol=1e-3)
        np.testing.assert_allclose(sample.K, [[FX, 0, CX], [0, FY, CY], [0, 0, 1]])
        assert sample.side == "left" and sample.joints_vis.tolist() == [2] * 21
        u, v = np.floor(sample.joints_uv + 0.5).astype(int).T
        assert (sample.image[v, u] == BRIGHT).all()  # every joint lands on its drawn pixel
        np.testing.assert_allclose(sample.extra["palm_cam"], (xyz[0] + xyz[13]) / 2, atol=1e-6)
        assert "ring MCP" in sample.extra["root"]


def test_stb_thumb_tip_is_stb_joint_20_and_the_palm_is_not_the_wrist(tmp_path):
    truth = write_stb(tmp_path, {"B2Counting": 1})
    hand_para = scipy.io.loadmat(tmp_path / "labels" / "B2Counting_SK.mat")["handPara"][:, :, 0].T
    sample = open_source(f"stb:{tmp_path}", "train")[0]
    rotation = Rotation.from_rotvec(ROTVEC).as_matrix()
    colour = (hand_para - T_MM) @ rotation / 1000.0  # depth -> colour frame, m
    np.testing.assert_allclose(sample.joints_cam[4], colour[20], atol=1e-6)  # thumb tip
    np.testing.assert_allclose(sample.joints_cam[20], colour[4], atol=1e-6)  # little tip
    np.testing.assert_allclose(sample.joints_cam[13], colour[5], atol=1e-6)  # ring MCP
    assert np.linalg.norm(sample.joints_cam[0] - colour[0]) > 0.01  # the wrist is not the palm centre
    np.testing.assert_allclose(sample.joints_cam[0], 2 * colour[0] - colour[5], atol=1e-6)  # hand3d's rule
    np.testing.assert_allclose(sample.joints_cam[0], truth["B2Counting"][0][0][0], atol=1e-6)


def test_stb_frames_without_image_are_skipped_and_bad_layouts_are_user_errors(tmp_path):
    write_stb(tmp_path, {"B1Random": 2})
    (tmp_path / "images" / "B1Random" / "SK_color_1.png").unlink()
    assert len(open_source(f"stb:{tmp_path}", "test")) == 1
    with pytest.raises(UserError, match="labels/ folder"):
        open_source(f"stb:{tmp_path / 'images'}", "test")
    scipy.io.savemat(tmp_path / "labels" / "B1Counting_SK.mat", {"handPara": np.zeros((3, 20, 2))})
    with pytest.raises(UserError, match="no handPara of shape"):
        open_source(f"stb:{tmp_path}", "test")


def test_mat_reader_matches_scipy_for_numeric_arrays(tmp_path):
    rng = np.random.default_rng(3)
    data = {
        "doubles": rng.normal(size=(3, 21, 4)),
        "bytes": np.array([[1, 2], [3, 250]], np.uint8),
        "shorts": np.arange(6, dtype=np.int16).reshape(2, 3),
        "complex": rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)),
        "scalar": np.float32(3.5),
        "text": "not numeric",
    }
    for compress in (False, True):
        path = tmp_path / f"m{compress}.mat"
        scipy.io.savemat(path, data, do_compression=compress)
        ours, reference = load_mat(path), scipy.io.loadmat(path)
        assert sorted(ours) == ["bytes", "complex", "doubles", "scalar", "shorts"]
        for name, array in ours.items():
            assert array.dtype == reference[name].dtype
            np.testing.assert_array_equal(array, reference[name])
    (tmp_path / "h5.mat").write_bytes(b"MATLAB 7.3 MAT-file, Platform: x" + bytes(200))
    with pytest.raises(UserError, match="v7.3"):
        load_mat(tmp_path / "h5.mat")
    (tmp_path / "junk.mat").write_bytes(b"junk")
    with pytest.raises(UserError, match="not a level-5 MAT file"):
        load_mat(tmp_path / "junk.mat")


def test_sk_intrinsics_are_the_published_ones():
    np.testing.assert_array_equal(SK_COLOUR_K, [[FX, 0, CX], [0, FY, CY], [0, 0, 1]])


def test_mat_reader_reads_matlab_packed_doubles_and_small_elements(tmp_path):
    """MATLAB stores integer-valued doubles in narrower types (here uint8) and short names as 'small data
    elements' (4-byte tag, data in the tag's second word); built byte by byte, little-endian."""

    def element(kind: int, data: bytes) -> bytes:
        return np.array([kind, len(data)], "<u4").tobytes() + data + bytes(-len(data) % 8)

    flags = element(6, np.array([6, 0], "<u4").tobytes())  # mxDOUBLE_CLASS
    dims = element(5, np.array([2, 3], "<i4").tobytes())
    name = np.array([(2 << 16) | 1], "<u4").tobytes() + b"hp" + bytes(2)  # small miINT8 "hp"
    real = element(2, bytes([1, 2, 3, 4, 5, 250]))  # miUINT8 holding a double array, column-major
    matrix = element(14, flags + dims + name + real)
    header = b"MATLAB 5.0 MAT-file".ljust(116, b" ") + bytes(8) + np.array([0x0100], "<u2").tobytes() + b"IM"
    (tmp_path / "packed.mat").write_bytes(header + matrix)
    loaded = load_mat(tmp_path / "packed.mat")
    assert loaded["hp"].dtype == np.float64
    np.testing.assert_array_equal(loaded["hp"], [[1, 3, 5], [2, 4, 250]])
    np.testing.assert_array_equal(loaded["hp"], scipy.io.loadmat(tmp_path / "packed.mat")["hp"])
