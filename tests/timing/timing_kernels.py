"""Tiny bare-metal Thumb-2 programs for the timing tests, assembled with arm-none-eabi-gcc.

Every program starts on the MPS2 twins (vector table at 0), sets a few registers, runs BODY between
the labels ``kbegin`` and ``kend`` (both fenced by ISB so nothing pairs or pipelines across them) and
exits through semihosting with EXIT_CODE.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

LINKER_SCRIPT = """
ENTRY(_start)
SECTIONS
{
    . = 0x00000000;
    .text : { KEEP(*(.vectors)) *(.text*) }
    . = 0x20000000;
    .data : { *(.data*) }
}
"""

PROGRAM = """
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20400000
    .word _start
    .text
    .thumb_func
    .global _start
_start:
    ldr r7, =data
    movs r0, #0
    movs r1, #100
    movs r2, #7
    movs r3, #3
    movs r4, #4
    movs r5, #5
    movs r6, #6
    isb
    .global kbegin
kbegin:
{body}
    .global kend
kend:
    isb
{after}
    ldr r1, =exit_block
    movs r0, #0x20
    bkpt 0xab
    .ltorg
{functions}
    .data
    .align 3
data:
    .word data
    .word data
    .word 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
exit_block:
    .word 0x20026
    .word {exit_code}
"""

CPU_FLAG = {"M4": "-mcpu=cortex-m4", "M7": "-mcpu=cortex-m7"}


def build_kernel(
    work_dir: Path,
    twin: str,
    body: str,
    *,
    after: str = "",
    functions: str = "",
    exit_code: int = 0,
    fpu: bool = False,
) -> Path:
    """Assemble and link the program; the ELF is cached in work_dir by content."""
    source = PROGRAM.format(body=body, after=after, functions=functions, exit_code=exit_code)
    flags = [CPU_FLAG[twin], "-mthumb", "-nostdlib"]
    if fpu:
        flags += ["-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"]
    key = hashlib.sha256((" ".join(flags) + source).encode()).hexdigest()[:16]
    elf = work_dir / f"kernel_{twin}_{key}.elf"
    if elf.exists():
        return elf
    asm = work_dir / f"kernel_{key}.S"
    ld = work_dir / "kernel.ld"
    asm.write_text(source)
    ld.write_text(LINKER_SCRIPT)
    proc = subprocess.run(
        ["arm-none-eabi-gcc", *flags, "-T", str(ld), str(asm), "-o", str(elf)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"assembling {asm} failed:\n{proc.stderr}")
    return elf


def repeat(lines: str, times: int) -> str:
    """BODY made of `times` copies of `lines` (one instruction per line)."""
    block = "\n".join(f"    {line.strip()}" for line in lines.strip().splitlines())
    return "\n".join([block] * times)
