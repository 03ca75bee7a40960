"""Symbol addresses from a 32-bit little-endian ARM ELF file, read directly (no toolchain needed)."""

from __future__ import annotations

import struct
from pathlib import Path

_SHT_SYMTAB = 2
_STT_SECTION = 3
_STT_FILE = 4


class ElfError(ValueError):
    """The file is not an ELF this reader understands, or lacks what was asked for."""


def read_symbols(elf: Path) -> dict[str, int]:
    """Map of symbol name -> address for every named symbol in ``.symtab``.

    Thumb function symbols keep their Thumb bit (address | 1), as in the ELF; callers that want a
    code address clear it (the timing plugin does).
    """
    path = Path(elf)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ElfError(f"{path}: cannot read: {exc.strerror}") from None
    if data[:4] != b"\x7fELF":
        raise ElfError(f"{path}: not an ELF file")
    if data[4] != 1 or data[5] != 1:
        raise ElfError(f"{path}: expected a 32-bit little-endian ELF (ARM), got class {data[4]} data {data[5]}")
    try:
        (shoff,) = struct.unpack_from("<I", data, 0x20)
        shentsize, shnum = struct.unpack_from("<HH", data, 0x2E)
        sections = [struct.unpack_from("<IIIIIIIIII", data, shoff + i * shentsize) for i in range(shnum)]
    except struct.error:
        raise ElfError(f"{path}: truncated ELF section table") from None
    symbols: dict[str, int] = {}
    for sh in sections:
        if sh[1] != _SHT_SYMTAB:
            continue
        offset, size, link, entsize = sh[4], sh[5], sh[6], sh[9] or 16
        strtab = sections[link]
        str_off, str_size = strtab[4], strtab[5]
        names = data[str_off : str_off + str_size]
        for pos in range(offset, offset + size, entsize):
            name_off, value, _size, info, _other, shndx = struct.unpack_from("<IIIBBH", data, pos)
            if name_off == 0 or shndx == 0 or (info & 0xF) in (_STT_SECTION, _STT_FILE):
                continue
            end = names.find(b"\0", name_off)
            name = names[name_off:end].decode("utf-8", "replace")
            if name.startswith("$"):  # mapping symbols $t, $d, $a
                continue
            # a global definition wins over a local one of the same name
            if name not in symbols or (info >> 4) == 1:
                symbols[name] = value
    if not symbols:
        raise ElfError(f"{path}: no symbol table (was it stripped?)")
    return symbols


def symbol_address(elf: Path, name_or_address: str) -> int:
    """Address of a symbol, or the value of a numeric address such as ``0x1a2``."""
    text = name_or_address.strip()
    try:
        return int(text, 0)
    except ValueError:
        pass
    symbols = read_symbols(elf)
    if text not in symbols:
        close = sorted(s for s in symbols if text.lower() in s.lower())[:5]
        hint = f"; similar: {', '.join(close)}" if close else ""
        raise ElfError(f"{elf}: symbol {text!r} not found{hint}")
    return symbols[text]
