"""The validation report: the named checks in report order, what each examined and failed, and the text
``handsynth validate`` prints; the standard library only."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from handsynth.conventions import OBJECT_CATEGORIES
from handsynth.dataset.layout import TMP_PREFIX

# (name, what it checks, is a warning only), in report order.
CHECKS = (
    ("dataset.json", "present, valid JSON, format, joint names, labels, depth unit", False),
    (
        "shards listed",
        "dataset.json shards == shard dirs present (names, counts); nothing else in shards/",
        False,
    ),
    ("temp dirs", f"no leftover {TMP_PREFIX}* dirs (an interrupted run)", True),
    ("shard.json", "present, valid JSON, name, num_samples, ids, files", False),
    ("shard files", "shard.json lists exactly the files present", False),
    ("sha256", "every listed file matches its sha256", False),
    ("annotation count", "annotations.jsonl lines == shard.json num_samples and ids [first, last]", False),
    ("annotation fields", "each line is a JSON object with the format's fields and types", False),
    ("ids", "ids 0..num_samples-1 each exactly once, ascending within a shard", False),
    ("file names", "files == layout names of the id", False),
    (
        "images",
        "PNGs readable, size == width x height, rgb 8-bit RGB, masks 8-bit grey, depth 16-bit grey",
        False,
    ),
    ("label values", "seg in {0, 1, 2, 3}; amodal masks in {0, 255}", False),
    ("joints", "joints_cam (21, 3) with z > 0, joints_uv (21, 2), joints_vis (21,) in {0, 1, 2}", False),
    ("camera matrices", "K 3x3 with last row [0, 0, 1]; T_cam_world, T_cam_object rigid 4x4", False),
    ("projection", "joints_uv == project(joints_cam, K) to 1e-3 px", False),
    ("visibility outside", "joints_vis == 0 exactly when the joint projects outside the image", False),
    (
        "visibility visible",
        "vis 2 of an inner joint (format 1: of every joint): pixel label hand (wrist: or forearm) and "
        "|depth - z| <= 25 mm",
        False,
    ),
    (
        "fingertip visibility",
        "format 1.1, vis 2 of a tip: label hand at most 3 mm in front at its pixel, or background or a "
        "surface behind the tip there and label hand at most 3 mm in front within 1 px",
        False,
    ),
    ("hand amodal", "seg == 1 inside hand_amodal", False),
    (
        "hand amodal joints",
        "the pixel of every joint inside the image is in hand_amodal (format 1: of every inner joint)",
        False,
    ),
    ("object amodal", "seg == 2 inside object_amodal", False),
    ("depth support", "depth != 0 exactly where seg != 0", False),
    ("hand bbox", "hand.bbox == bbox of seg == 1", False),
    ("object bbox", "object.bbox == bbox of seg == 2", False),
    ("amodal bboxes", "hand/object bbox_amodal (where given) == bbox of the amodal mask", False),
    ("category", f"object.category in {', '.join(OBJECT_CATEGORIES)}", False),
    ("dataset totals", "dataset.json num_samples and categories == the annotations", False),
)


@dataclass
class Check:
    """One named check: how many items it examined, how many failed, and the first failure messages."""

    name: str
    description: str
    warning: bool = False
    checked: int = 0
    failed: int = 0
    examples: list[str] = field(default_factory=list)


class ValidationReport:
    """Result of ``validate_dataset``: ``checks`` by name, ``ok``, ``failed_checks()``, ``format()``."""

    def __init__(self, path: Path, max_examples: int):
        self.path = path
        self.max_examples = max_examples
        self.checks = {name: Check(name, description, warning) for name, description, warning in CHECKS}
        self.num_samples = 0
        self.num_shards = 0

    def __getitem__(self, name: str) -> Check:
        return self.checks[name]

    def passed(self, name: str, count: int = 1) -> None:
        """Record ``count`` items that passed check ``name``."""
        self.checks[name].checked += count

    def fail(self, name: str, message: str, count: int = 1) -> None:
        """Record ``count`` failed items of check ``name``, described by ``message``."""
        check = self.checks[name]
        check.checked += count
        check.failed += count
        if len(check.examples) < self.max_examples:
            check.examples.append(message)

    def expect(self, name: str, condition: bool, message: str) -> bool:
        """Record one item of check ``name`` that passed when ``condition``; returns ``condition``."""
        if condition:
            self.passed(name)
        else:
            self.fail(name, message)
        return condition

    @property
    def ok(self) -> bool:
        """True when no check (warnings aside) failed."""
        return not self.failed_checks()

    def failed_checks(self) -> list[str]:
        """Names of the failed checks, warnings excluded."""
        return [c.name for c in self.checks.values() if c.failed and not c.warning]

    def warnings(self) -> list[str]:
        """Names of the warning checks that failed."""
        return [c.name for c in self.checks.values() if c.failed and c.warning]

    def format(self) -> str:
        """The report as text: a table of checks (checked, failed), then example failures, then a verdict."""
        width = max(len(name) for name in self.checks) + len(" (warning)")
        lines = [f"{'check':<{width}} {'checked':>9} {'failed':>7}"]
        for c in self.checks.values():
            label = c.name + (" (warning)" if c.warning else "")
            lines.append(f"{label:<{width}} {c.checked:>9} {c.failed:>7}")
        for c in self.checks.values():
            if c.failed:
                lines += ["", f"{c.name}: {c.description}"] + [f"  {example}" for example in c.examples]
                if c.failed > len(c.examples):
                    lines.append(f"  ... and {c.failed - len(c.examples)} more")
        summary = f"{self.num_samples} samples in {self.num_shards} shards"
        failed, warned = self.failed_checks(), self.warnings()
        verdict = f"INVALID: {len(failed)} checks failed ({', '.join(failed)})" if failed else "OK"
        if warned:
            verdict += f"; warnings: {', '.join(warned)}"
        lines += ["", f"{verdict}: {self.path} ({summary})"]
        return "\n".join(lines)
