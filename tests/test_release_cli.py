"""`handsynth release` end to end: checksums that `sha256sum -c` accepts, an interrupted release finished by
a rerun into the bytes of an uninterrupted one, other arguments refused, bad arguments one line and
exit 2 with nothing written."""

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_release_source import source  # noqa: F401  (the session's rendered dataset)

from handsynth.cli import main
from handsynth.release import rhd
from handsynth.release.release import CHECKSUMS, MANIFEST

HAS_CARD = importlib.util.find_spec("handsynth.release.card") is not None
ARGS = ["--test", "6", "--val", "4", "--split-by", "random", "--seed", "3", "--quiet"]
ALL_FORMATS = ["--formats", "coco,hop,rhd,freihand,webdataset", "--shard-size", "4"]


def _release(source, out, *extra) -> int:  # noqa: F811
    return main(["release", str(source), "--out", str(out), *ARGS, *extra])


@pytest.fixture(scope="module")
def complete(source, tmp_path_factory) -> Path:  # noqa: F811
    out = tmp_path_factory.mktemp("complete") / "rel"
    assert _release(source, out, *ALL_FORMATS) == 0
    return out


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_sha256sum_checks_every_file(complete):
    result = subprocess.run(["sha256sum", "-c", "--strict", CHECKSUMS], cwd=complete, capture_output=True)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    listed = [line.split("  ", 1)[1] for line in (complete / CHECKSUMS).read_text().splitlines()]
    assert sorted(listed) == [f for f in _files(complete) if f != CHECKSUMS] and len(set(listed)) == len(
        listed
    )
    assert {MANIFEST, "splits/test.txt", "coco/annotations/hand_test.json", "hop/handobj_test.bin"} <= set(
        listed
    )
    assert not [f for f in listed if Path(f).name.startswith(".tmp-")]
    if HAS_CARD:
        assert "README.md" in listed
    for fmt, words in (("coco", "hand_{split}.json"), ("rhd", "palm label"), ("freihand", "PNG bytes")):
        assert words in (complete / fmt / "README.md").read_text()  # each export says what it holds
    manifest = json.loads((complete / MANIFEST).read_text())
    assert manifest["options"]["formats"] == ["coco", "hop", "rhd", "freihand", "webdataset"]


def test_rerun_of_a_complete_release_changes_nothing(source, complete):  # noqa: F811
    before = (complete / CHECKSUMS).read_bytes()
    assert _release(source, complete, *ALL_FORMATS) == 0
    assert (complete / CHECKSUMS).read_bytes() == before


def test_interrupted_release_resumes_to_the_same_bytes(source, complete, tmp_path, monkeypatch):  # noqa: F811
    out = tmp_path / "rel"
    add = rhd.RHDSplitWriter.add

    def failing_add(self, index, sample):
        if index == 5:  # the sixth train sample: COCO, HOP and several images are half done
            raise OSError(28, "No space left on device (injected)")
        add(self, index, sample)

    monkeypatch.setattr(rhd.RHDSplitWriter, "add", failing_add)
    assert _release(source, out, *ALL_FORMATS) == 2
    assert (out / MANIFEST).is_file() and not (out / CHECKSUMS).exists()
    assert not (out / "rhd" / "training" / "anno_training.pickle").exists()
    monkeypatch.setattr(rhd.RHDSplitWriter, "add", add)
    assert _release(source, out, *ALL_FORMATS) == 0
    assert _sums(out) == _sums(complete)
    assert _files(out) == _files(complete)


def test_truncated_release_resumes_to_the_same_bytes(source, complete, tmp_path):  # noqa: F811
    out = tmp_path / "rel"
    shutil.copytree(complete, out)
    gone = [
        CHECKSUMS,
        "coco/annotations/hand_train.json",
        "rhd/evaluation/anno_evaluation.pickle",
        "rhd/evaluation/mask/00003.png",
        "freihand/training_scale.json",
        "hop/handobj_val.bin",
        "webdataset/train-000001.tar",
        "coco/images/test",
    ]
    for name in gone:
        path = out / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    (out / "rhd" / "training" / ".tmp-anno_training.pickle").write_bytes(b"\x80\x02}(")  # a killed write
    assert _release(source, out, *ALL_FORMATS) == 0
    assert _sums(out) == _sums(complete) and _files(out) == _files(complete)


def _sums(out: Path) -> list[str]:
    """SHA256SUMS lines, but the card's README (it quotes the --out path of its command)."""
    return [line for line in (out / CHECKSUMS).read_text().splitlines() if not line.endswith("  README.md")]


def test_other_arguments_on_the_same_out_are_refused(source, complete, capsys):  # noqa: F811
    before = (complete / MANIFEST).read_bytes(), (complete / CHECKSUMS).read_bytes()
    capsys.readouterr()
    assert _release(source, complete, *ALL_FORMATS, "--test", "5") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"handsynth release: error: --out {complete} holds a release of other arguments")
    assert err.count("\n") == 1
    assert ((complete / MANIFEST).read_bytes(), (complete / CHECKSUMS).read_bytes()) == before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--formats", "coco,parquet"],
            "unknown format 'parquet'; valid: coco, hop, rhd, freihand, webdataset",
        ),
        (["--test", "30"], "--test 30 is not less than the dataset's 24 samples"),
        (["--val", "120%"], "--val as a fraction must be in [0, 1)"),
        (["--split-by", "colour"], "unknown --split-by 'colour'; valid: subject, family, random"),
        (
            ["--split-by", "subject", "--test", "12", "--val", "6"],
            "samples with no subject shared needs more data",
        ),
    ],
)
def test_bad_arguments_are_one_line_exit_2_and_write_nothing(source, tmp_path, capsys, extra, message):  # noqa: F811
    out = tmp_path / "rel"
    assert _release(source, out, *extra) == 2
    err = capsys.readouterr().err
    assert err.startswith("handsynth release: error: ") and message in err and err.count("\n") == 1
    assert not out.exists()


def test_not_a_dataset_and_out_inside_the_source_are_refused(source, tmp_path):  # noqa: F811
    for src, out in ((tmp_path, tmp_path / "rel"), (source, source / "rel")):
        result = subprocess.run(
            [sys.executable, "-m", "handsynth.cli", "release", str(src), "--out", str(out), "--test", "4"],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 2 and result.stderr.startswith("handsynth release: error:")
        assert result.stderr.count("\n") == 1 and not out.exists()
