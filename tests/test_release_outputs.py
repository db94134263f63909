"""The release's file primitives: hard links with a copy fallback, kept on resume; the streamed RHD pickle
equals ``pickle.dumps`` of the whole dict; RHD labels and depth encoding on known pixels."""

import errno
import os
import pickle

import numpy as np
import pytest

from handsynth.release import outputs
from handsynth.release.outputs import link_or_copy
from handsynth.release.rhd import StreamingDictPickle
from handsynth.release.rhd_labels import rhd_depth, rhd_mask


def test_link_or_copy_links_keeps_and_repairs(tmp_path):
    source = tmp_path / "a.png"
    source.write_bytes(b"pixels")
    target = tmp_path / "out" / "b.png"
    link_or_copy(source, target)
    assert os.path.samefile(source, target) and source.stat().st_nlink == 2
    link_or_copy(source, target)  # already there: kept
    assert source.stat().st_nlink == 2
    target.unlink()
    target.write_bytes(b"pix")  # a different (e.g. truncated) file is replaced
    link_or_copy(source, target)
    assert os.path.samefile(source, target)
    assert not list(tmp_path.rglob(".tmp-*"))


def _failing_link(code: int):
    def link(src, dst):
        raise OSError(code, os.strerror(code))

    return link


def test_link_or_copy_copies_across_filesystems(tmp_path, monkeypatch):
    source = tmp_path / "a.png"
    source.write_bytes(b"pixels")
    monkeypatch.setattr(outputs.os, "link", _failing_link(errno.EXDEV))
    link_or_copy(source, tmp_path / "b.png")
    assert (tmp_path / "b.png").read_bytes() == b"pixels" and not os.path.samefile(source, tmp_path / "b.png")
    monkeypatch.setattr(outputs.os, "link", _failing_link(errno.EIO))
    with pytest.raises(OSError):  # any other failure is not hidden behind a copy
        link_or_copy(source, tmp_path / "c.png")


@pytest.mark.parametrize("n", [0, 1, 999, 1000, 2501])
def test_streamed_pickle_equals_the_whole_dict(tmp_path, n):
    rng = np.random.default_rng(n)
    data = {
        k: {"xyz": rng.normal(size=(42, 3)), "uv_vis": rng.normal(size=(42, 3)), "K": np.eye(3)}
        for k in range(n)
    }
    writer = StreamingDictPickle(tmp_path / "a.pickle")
    for k, value in data.items():
        writer.add(k, value)
    writer.close()
    with open(tmp_path / "a.pickle", "rb") as f:
        loaded = pickle.load(f)
    assert list(loaded) == list(data)
    for k in data:
        assert all(np.array_equal(loaded[k][key], data[k][key]) for key in ("xyz", "uv_vis", "K"))


def test_rhd_labels_and_depth_encoding():
    seg = np.array([[0, 1, 2, 3]], dtype=np.uint8)  # background, hand, object, forearm
    assert rhd_mask(seg, "left").tolist() == [[0, 17, 0, 1]]
    assert rhd_mask(seg, "right").tolist() == [[0, 33, 0, 1]]
    depth_raw = np.array([[0, 10000, 50000]], dtype=np.uint16)  # 0, 1 m, 5 m in 0.1 mm steps
    encoded = rhd_depth(depth_raw, 1e-4).astype(np.int64)
    depth_m = (encoded[..., 0] * 256 + encoded[..., 1]) / 65535 * 5.0
    np.testing.assert_allclose(depth_m, [[0.0, 1.0, 5.0]], atol=5.0 / 65535 / 2)
    assert encoded[0, 2].tolist() == [255, 255, 0]
