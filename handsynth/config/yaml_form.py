"""The YAML (plain-data) form of a run configuration: to and from dicts, files, ``--set`` overrides and
the difference of two configurations; standard library only (PyYAML inside functions)."""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path

from handsynth.config.checks import check
from handsynth.config.schema import RunConfig
from handsynth.errors import UserError


def to_dict(config) -> dict:
    """The plain-data (YAML/JSON-ready) form of a config dataclass; tuples become lists."""
    out = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            value = to_dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def to_yaml(config) -> str:
    """The YAML text of a config (keys in declaration order)."""
    import yaml

    return yaml.safe_dump(to_dict(config), sort_keys=False, default_flow_style=None)


def _coerce(value, hint, key: str):
    """``value`` converted to the type ``hint`` of field ``key``, or a UserError."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        hint = next(o for o in options if o is not type(None))
        origin = typing.get_origin(hint)
    if origin is tuple:
        args = typing.get_args(hint)
        if isinstance(value, str):  # "right,left" or "40, 50" from the command line
            import yaml

            value = [yaml.safe_load(v) for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise UserError(f"{key} must be a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(v, args[0], key) for v in value)
        if len(value) != len(args):
            raise UserError(f"{key} must have {len(args)} values, got {value!r}")
        return tuple(_coerce(v, a, key) for v, a in zip(value, args, strict=True))
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise UserError(f"{key} must be true or false, got {value!r}")
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise UserError(f"{key} must be an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UserError(f"{key} must be a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise UserError(f"{key} must be a string, got {value!r}")
        return value
    raise TypeError(f"unsupported config type {hint} for {key}")


def apply_mapping(config, data: dict, prefix: str = ""):
    """A copy of ``config`` with the (nested) values of ``data``; unknown keys are UserErrors."""
    if not isinstance(data, dict):
        raise UserError(f"{prefix.rstrip('.') or 'the config'} must be a mapping, got {data!r}")
    hints = typing.get_type_hints(type(config))
    names = [f.name for f in dataclasses.fields(config)]
    changes = {}
    for key, value in data.items():
        if key not in names:
            raise UserError(
                f"unknown config key '{prefix}{key}'; valid: {', '.join(prefix + n for n in names)}"
            )
        current = getattr(config, key)
        if dataclasses.is_dataclass(current):
            changes[key] = apply_mapping(current, value, f"{prefix}{key}.")
        else:
            changes[key] = _coerce(value, hints[key], prefix + key)
    return dataclasses.replace(config, **changes)


def from_dict(data: dict, base: RunConfig | None = None) -> RunConfig:
    """A RunConfig from plain data (as read from YAML), on top of ``base`` (default: the defaults)."""
    config = apply_mapping(RunConfig() if base is None else base, data)
    check(config)
    return config


def load_yaml(path: str | Path, base: RunConfig | None = None) -> RunConfig:
    """Read a YAML config file (a full or partial RunConfig)."""
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UserError(f"cannot read config file {path}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise UserError(
            f"config file {path} is not UTF-8 text (byte {error.start}); give a YAML file"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise UserError(f"config file {path} is not valid YAML: {str(error).splitlines()[0]}") from None
    return from_dict(data or {}, base)


def apply_overrides(config: RunConfig, overrides: list[str]) -> RunConfig:
    """Apply ``key=value`` overrides (``scene.camera.fov_deg=[40, 50]``; values are YAML)."""
    import yaml

    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--set expects key=value, got '{item}'")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            raise UserError(f"--set {key}: cannot parse value '{text}'") from None
        nested: dict = {}
        cursor = nested
        parts = key.strip().split(".")
        for part in parts[:-1]:
            cursor = cursor.setdefault(part, {})
        cursor[parts[-1]] = value
        config = apply_mapping(config, nested)
    check(config)
    return config


def config_diff(old: dict, new: dict, prefix: str = "") -> list[str]:
    """``key: old -> new`` for every leaf that differs between two plain-data configs (``to_dict``
    forms, or YAML read back), in declaration order; keys only one side has show ``<absent>``."""
    changes = []
    for key in list(old) + [k for k in new if k not in old]:
        a, b = old.get(key, "<absent>"), new.get(key, "<absent>")
        if isinstance(a, dict) and isinstance(b, dict):
            changes += config_diff(a, b, f"{prefix}{key}.")
        elif a != b:
            changes.append(f"{prefix}{key}: {a!r} -> {b!r}")
    return changes
