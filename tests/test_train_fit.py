"""fit.py and evaluate.py through their command lines: two CPU steps per config, resume, evaluation
outputs, one-line errors with exit 2, and over-fitting 8 samples."""

import csv
import json

import pytest
import torch
from handsynth_train.config import load_config
from handsynth_train.evaluate import main as evaluate_main
from handsynth_train.fit import main as fit_main
from handsynth_train.fit import train
from test_train_layouts import write_handsynth

from handsynth.errors import UserError

TINY = {
    "mobilenetv2_vnect": ["model.width_mult=0.25"],
    "simple_baseline_resnet18": ["model.base_width=8"],
    "simple_baseline_resnet50": ["model.base_width=8"],
    "resunet34": ["model.base_width=8"],
}
SMALL = ["sample.input_size=32", "optim.batch_size=2", "run.workers=0", "run.log_every=1"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("hs")
    write_handsynth(root, subjects=[f"s{i}" for i in range(8)])
    return root


def steps_logged(out):
    with open(out / "log.csv") as f:
        return [int(row["step"]) for row in csv.DictReader(f)]


@pytest.mark.parametrize("name", list(TINY))
def test_two_steps_per_config(name, dataset, tmp_path):
    out = tmp_path / name
    args = ["--config", f"train/configs/{name}.yaml", "--data", f"handsynth:{dataset}", "--out", str(out)]
    assert fit_main([*args, "--max-steps", "2", "--set", *TINY[name], *SMALL]) == 0
    assert steps_logged(out) == [1, 2] and (out / "config.yaml").is_file()
    state = torch.load(out / "checkpoints" / "last.pt", weights_only=True)
    assert state["step"] == 2 and state["config"]["model"]["name"] == name


def test_resume_and_evaluate(dataset, tmp_path, capsys):
    out, name = tmp_path / "run", "simple_baseline_resnet18"
    args = ["--config", f"train/configs/{name}.yaml", "--data", f"handsynth:{dataset}", "--out", str(out)]
    sets = ["--set", *TINY[name], *SMALL, "data.test_subjects=[s1, s2]"]
    assert fit_main([*args, "--max-steps", "2", *sets]) == 0
    assert fit_main([*args, "--max-steps", "3", *sets]) == 0
    assert steps_logged(out) == [1, 2, 3]  # resumed at step 2, not restarted
    ev = tmp_path / "eval"
    ckpt = str(out / "checkpoints" / "last.pt")
    assert evaluate_main(["--checkpoint", ckpt, "--data", f"handsynth:{dataset}", "--out", str(ev)]) == 0
    metrics = json.loads((ev / "metrics.json").read_text())[f"handsynth:{dataset}"]
    assert metrics["num_samples"] == 2  # held-out subjects s1, s2
    assert set(metrics["hop_2d"]["per_category"]) == {"cylindrical", "spherical"}
    assert set(metrics["hop_2d"]["per_grasp"]) == {"power_wrap"}
    assert len(metrics["mmpose"]["overall"]["pck_per_joint"]) == 21
    assert len(metrics["hop_2d"]["overall"]["auc_per_joint"]) == 21
    preds = json.loads((ev / "predictions.json").read_text())[f"handsynth:{dataset}"]
    assert len(preds["pred_uv"]) == 2 and len(preds["pred_uv"][0]) == 21
    assert (ev / "pck_curve.png").stat().st_size > 1000
    assert "hop_2d auc" in capsys.readouterr().out


def test_user_errors_exit_2(dataset, tmp_path, capsys):
    cfg = ["--config", "train/configs/resunet34.yaml", "--out", str(tmp_path / "o")]
    assert fit_main([*cfg, "--data", f"handsynth:{tmp_path / 'nope'}"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert fit_main([*cfg, "--data", f"handsynth:{dataset}", "--set", "optim.learning_rate=1"]) == 2
    assert (
        "unknown config key 'optim.learning_rate'; valid: optim.optimizer, optim.lr"
        in capsys.readouterr().err
    )
    assert fit_main([*cfg, "--data", f"handsynth:{dataset}", "--set", "sample.heatmap_stride=4"]) == 2
    assert "heatmap_stride must be 2 for resunet34" in capsys.readouterr().err
    assert fit_main(["--config", str(tmp_path / "missing.yaml")]) == 2
    (tmp_path / "o" / "checkpoints").mkdir(parents=True)
    (tmp_path / "o" / "checkpoints" / "last.pt").write_bytes(b"garbage")
    assert fit_main([*cfg, "--data", f"handsynth:{dataset}", "--set", *TINY["resunet34"], *SMALL]) == 2
    assert "cannot resume from" in capsys.readouterr().err
    bad = ["--checkpoint", str(tmp_path / "o" / "checkpoints" / "last.pt"), "--data", f"handsynth:{dataset}"]
    assert evaluate_main([*bad, "--out", str(tmp_path / "e")]) == 2


def test_overfitting_8_samples_drives_the_loss_down_10x(dataset, tmp_path):
    sets = ["model.base_width=8", "sample.input_size=32", "optim.lr=0.003", "optim.warmup_steps=0"]
    sets += ["optim.batch_size=8", "run.augment=false", "run.workers=0", "data.test_subjects=[]"]
    sets += ["optim.max_steps=12", "run.checkpoint_every=100"]
    config = load_config("train/configs/simple_baseline_resnet18.yaml", sets, [f"handsynth:{dataset}"])
    summary = train(config, tmp_path)
    # 0.19 is the loss of predicting all-zero heatmaps here: a 10x drop below it is real fitting.
    assert summary["last_loss"] <= summary["first_loss"] / 10 and summary["last_loss"] < 0.019


def test_held_out_subjects_and_families_reach_the_reader(dataset):
    from handsynth_train.config import source_options
    from handsynth_train.data.sources import open_source

    sets = ["data.test_subjects=[s0]", "data.test_families=[ball]"]
    config = load_config("train/configs/resunet34.yaml", sets, [f"handsynth:{dataset}"])
    options = source_options(f"handsynth:{dataset}", config)
    assert options == {"test_families": ["ball"], "test_subjects": ["s0"]}
    assert open_source(f"handsynth:{dataset}", "test", **options).ids == [0, 1, 3, 5, 7]  # s0 and every ball
    assert source_options("rhd:/x", config) == {}


def test_evaluate_flip_test_low_confidence_and_pooled_report(dataset, tmp_path, capsys):
    second = tmp_path / "second"
    write_handsynth(second, subjects=["a", "b", "c"])
    out, name = tmp_path / "run", "mobilenetv2_vnect"
    args = ["--config", f"train/configs/{name}.yaml", "--data", f"handsynth:{dataset}", "--out", str(out)]
    assert fit_main([*args, "--max-steps", "1", "--set", *TINY[name], *SMALL]) == 0
    ev, specs = tmp_path / "eval", [f"handsynth:{dataset}", f"handsynth:{second}"]
    ckpt = ["--checkpoint", str(out / "checkpoints" / "last.pt"), "--split", "all"]
    assert (
        evaluate_main([*ckpt, "--data", *specs, "--out", str(ev), "--flip-test", "--low-confidence", "0.5"])
        == 0
    )
    report = json.loads((ev / "metrics.json").read_text())
    assert report["flip_test"] is True and report["low_confidence"] == 0.5
    sizes = [report[s]["num_samples"] for s in specs]
    assert sizes == [8, 3] and report["pooled"]["num_samples"] == 11
    epe = [report[s]["mmpose"]["overall"]["epe"] for s in [*specs, "pooled"]]
    assert epe[2] == pytest.approx((8 * epe[0] + 3 * epe[1]) / 11)  # every joint valid: pooled mean
    assert "pooled: mmpose" in capsys.readouterr().out
    res = tmp_path / "res"
    args = ["--config", "train/configs/resunet34.yaml", "--data", specs[1], "--out", str(res)]
    assert fit_main([*args, "--max-steps", "1", "--set", *TINY["resunet34"], *SMALL]) == 0
    ckpt = ["--checkpoint", str(res / "checkpoints" / "last.pt"), "--data", specs[1], "--split", "all"]
    assert evaluate_main([*ckpt, "--out", str(tmp_path / "e2"), "--low-confidence", "0.5"]) == 2
    assert "resunet34 uses soft-argmax" in capsys.readouterr().err
    assert evaluate_main([*ckpt, "--out", str(tmp_path / "e3"), "--flip-test"]) == 0
    assert evaluate_main([*ckpt, "--out", str(tmp_path / "e4"), "--low-confidence", "2"]) == 2
    assert "--low-confidence is a softmax probability in (0, 1), got 2.0" in capsys.readouterr().err
    assert not (tmp_path / "e4").exists()  # nothing half-written


def test_dexycb_setup_from_the_config_reaches_the_reader(tmp_path):
    from handsynth_train.config import source_options
    from handsynth_train.data.sources import open_source
    from handsynth_train.data.sources.dexycb import split_indices
    from test_train_sources import write_dexycb

    write_dexycb(tmp_path)  # subject 3, sequence 0, one camera: s0 and s1 train, s3 train, s2 train
    for setup, split, count in [("s0", "train", 2), ("s1", "test", 0), ("s1", "train", 2), ("s2", "test", 0)]:
        config = load_config("train/configs/resunet34.yaml", [f"data.dexycb_setup={setup}"])
        options = source_options(f"dexycb:{tmp_path}", config)
        assert options == {"setup": setup}
        assert len(open_source(f"dexycb:{tmp_path}", split, **options)) == count
    assert split_indices("s2", "test")[1] == [7] and split_indices("s1", "val")[0] == [6]
    with pytest.raises(UserError, match="data.dexycb_setup 's4' is unknown; valid: s0, s1, s2, s3"):
        load_config("train/configs/resunet34.yaml", ["data.dexycb_setup=s4"])


def test_resunet_with_intermediate_supervision_trains_through_the_cli(dataset, tmp_path, capsys):
    out = tmp_path / "side"
    args = ["--config", "train/configs/resunet34.yaml", "--data", f"handsynth:{dataset}", "--out", str(out)]
    sets = ["--set", *TINY["resunet34"], *SMALL, "model.intermediate_weight=1.0"]
    assert fit_main([*args, "--max-steps", "2", *sets]) == 0
    state = torch.load(out / "checkpoints" / "last.pt", weights_only=True)
    assert "side_betas" in state["model"] and state["config"]["model"]["intermediate_weight"] == 1.0
    ev = ["--checkpoint", str(out / "checkpoints" / "last.pt"), "--data", f"handsynth:{dataset}"]
    assert evaluate_main([*ev, "--out", str(tmp_path / "ev"), "--split", "all"]) == 0
    bad = ["--config", "train/configs/resunet34.yaml", "--data", f"handsynth:{dataset}", "--set"]
    assert fit_main([*bad, "model.intermediate_weight=-1"]) == 2
    assert "model.intermediate_weight must be >= 0" in capsys.readouterr().err


def test_device_auto_picks_cuda_when_present(monkeypatch):
    from handsynth_train.config import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cuda:1") == torch.device("cuda", 1)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    with pytest.raises(UserError, match="'cuda:1' asked for, but this torch sees no CUDA device"):
        resolve_device("cuda:1")
    with pytest.raises(UserError, match="'gpu0' is not a device; valid: auto, cpu, cuda, cuda:N"):
        resolve_device("gpu0")


def scalars(tb_dir) -> dict[str, list[tuple[int, float]]]:
    """Every scalar of a TensorBoard log folder, read back with tensorboard's own EventAccumulator."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    timed = {}
    # One file per writer; their names end in a per-process counter ("...9" sorts after "...10"), so events
    # are put in the order they were written by their wall time.
    for events in tb_dir.glob("events.out.tfevents.*"):
        accumulator = EventAccumulator(str(events))
        accumulator.Reload()
        for tag in accumulator.Tags()["scalars"]:
            timed.setdefault(tag, []).extend((e.wall_time, e.step, e.value) for e in accumulator.Scalars(tag))
    return {tag: [(step, value) for _, step, value in sorted(events)] for tag, events in timed.items()}


def test_tensorboard_log_holds_loss_lr_and_validation_scalars(dataset, tmp_path):
    out, name = tmp_path / "tb_run", "simple_baseline_resnet18"
    spec = f"handsynth:{dataset}"
    args = ["--config", f"train/configs/{name}.yaml", "--data", spec, "--out", str(out), "--set", *TINY[name]]
    sets = [*SMALL, "data.test_subjects=[s1]", f"data.val=[{spec}]", "run.eval_every=1"]
    assert fit_main([*args, *sets, "--max-steps", "2"]) == 0
    assert fit_main([*args, *sets, "--max-steps", "3"]) == 0  # resumed: appends step 3
    logged = scalars(out / "tb")
    with open(out / "log.csv") as f:
        rows = list(csv.DictReader(f))
    assert [s for s, _ in logged["loss"]] == [1, 2, 3]
    assert [v for _, v in logged["loss"]] == pytest.approx([float(r["loss"]) for r in rows], rel=1e-5)
    assert [s for s, _ in logged["lr"]] == [1, 2, 3]
    auc = logged[f"val/{spec}/hop_2d/auc"]
    assert [s for s, _ in auc] == [1, 2, 3] and all(0 <= v <= 1 for _, v in auc)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["val"][spec]["hop_2d"]["overall"]["auc"] == pytest.approx(auc[-1][1])
