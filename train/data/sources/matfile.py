"""A small reader of MATLAB level-5 MAT files (v5 and v7: plain or zlib-compressed elements), numpy and the
standard library only: enough for numeric arrays such as STB's ``handPara``. train/ does not import
scipy (design.md's layers); v7.3 files are HDF5 and are refused with a clear message."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

from handsynth.errors import UserError

MI_MATRIX, MI_COMPRESSED = 14, 15
# MAT element type -> numpy dtype (without byte order).
MI_TYPES = {
    1: "i1",
    2: "u1",
    3: "i2",
    4: "u2",
    5: "i4",
    6: "u4",
    7: "f4",
    9: "f8",
    12: "i8",
    13: "u8",
    16: "u1",  # miUTF8
}
# mxClass of numeric arrays -> numpy dtype (the stored element type may be narrower: MATLAB packs).
MX_NUMERIC = {6: "f8", 7: "f4", 8: "i1", 9: "u1", 10: "i2", 11: "u2", 12: "i4", 13: "u4", 14: "i8", 15: "u8"}


def _elements(buffer: bytes, order: str, start: int = 0):
    """Yield (type, payload bytes) of the data elements in ``buffer`` from ``start``: 8-byte tags or 4-byte
    small-element tags, each element padded to 8 bytes (a compressed element is not padded)."""
    pos = start
    while pos + 8 <= len(buffer):
        first = int(np.frombuffer(buffer, f"{order}u4", 1, pos)[0])
        if first >> 16:  # small data element: size in the high half, data in the tag's second word
            kind, size = first & 0xFFFF, first >> 16
            yield kind, buffer[pos + 4 : pos + 4 + size]
            pos += 8
            continue
        size = int(np.frombuffer(buffer, f"{order}u4", 1, pos + 4)[0])
        yield first, buffer[pos + 8 : pos + 8 + size]
        pos += 8 + size
        if first != MI_COMPRESSED:
            pos += -size % 8


def _numeric(payload: bytes, order: str):
    """(name, array) of one miMATRIX payload if it is a real or complex numeric array, else None."""
    parts = list(_elements(payload, order))
    if len(parts) < 4:
        return None
    flags = np.frombuffer(parts[0][1], f"{order}u4")
    mx_class, is_complex = int(flags[0]) & 0xFF, bool(int(flags[0]) & 0x800)
    if mx_class not in MX_NUMERIC or parts[3][0] not in MI_TYPES:
        return None
    dims = tuple(int(d) for d in np.frombuffer(parts[1][1], f"{order}i4"))
    name = parts[2][1].decode("ascii", "replace")

    def values(part) -> np.ndarray:
        kind, data = part
        raw = np.frombuffer(data, f"{order}{MI_TYPES[kind]}")
        return raw.astype(MX_NUMERIC[mx_class]).reshape(dims, order="F")

    array = values(parts[3])
    if is_complex and len(parts) > 4:
        array = array + 1j * values(parts[4])
    return name, array


def load_mat(path: str | Path) -> dict[str, np.ndarray]:
    """The numeric arrays of a level-5 MAT file by variable name, with MATLAB's shapes (column-major data
    read into the same index order). UserError for an unreadable file, a v7.3 (HDF5) or v4 file."""
    try:
        buffer = Path(path).read_bytes()
    except OSError as error:
        raise UserError(f"cannot read MAT file {path}: {error.strerror}") from None
    if buffer[:19] == b"MATLAB 7.3 MAT-file" or buffer[:8] == b"\x89HDF\r\n\x1a\n":
        raise UserError(f"{path} is a MAT v7.3 (HDF5) file; save it with -v7 or -v6 to read it here")
    endian = buffer[126:128]
    if len(buffer) < 128 or endian not in (b"IM", b"MI"):
        raise UserError(f"{path} is not a level-5 MAT file (no MATLAB 5.0 header)")
    order = "<" if endian == b"IM" else ">"
    out = {}
    for kind, payload in _elements(buffer, order, 128):
        if kind == MI_COMPRESSED:
            try:
                payload = zlib.decompress(payload)
            except zlib.error as error:
                raise UserError(f"{path} has a corrupt compressed element: {error}") from None
            kind, payload = next(_elements(payload, order), (0, b""))
        if kind == MI_MATRIX:
            named = _numeric(payload, order)
            if named is not None:
                out[named[0]] = named[1]
    return out
