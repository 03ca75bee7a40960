"""The plugin's Thumb-2 classifier, seen through its translation trace (trace=FILE)."""

from __future__ import annotations

import subprocess

from timing_kernels import build_kernel

from harness.twin.qemu import build_qemu_argv

# instruction -> class the timing tables use
EXPECTED_CLASSES = {
    "adds r0, #1": "alu",
    "add.w r0, r1, r2, lsl #2": "alu",
    "ubfx r0, r1, #3, #4": "alu",
    "mul r0, r1, r2": "mul",
    "mla r0, r1, r2, r0": "mla",
    "smlad r0, r1, r2, r0": "mac",
    "smlabb r0, r1, r2, r0": "mac",
    "umull r0, r3, r1, r2": "mull",
    "smlal r0, r3, r1, r2": "mlal",
    "sdiv r0, r1, r2": "div",
    "ldrb r0, [r7, #1]": "load",
    "ldrsh.w r0, [r7, r1]": "load",
    "str r0, [r7, #8]": "store",
    "ldrd r0, r1, [r7]": "loadd",
    "strd r0, r1, [r7, #8]": "stored",
    "push {r4, r5}": "stm",
    "pop {r4, r5}": "ldm",
    "dmb sy": "barrier",
    "vadd.f32 s0, s1, s2": "fp_alu",
    "vmla.f32 s0, s1, s2": "fp_mac",
    "vdiv.f32 s0, s1, s2": "fp_div",
    "vldr s0, [r7]": "fp_load",
    "vmov r0, s0": "fp_mov",
    "vpush {s16-s19}": "fp_stm",
    "vpop {s16-s19}": "fp_ldm",
}

FPU_ON = """
    ldr r0, =0xE000ED88
    ldr r1, [r0]
    orr r1, r1, #(0xF << 20)
    str r1, [r0]
    dsb
    isb
"""


def test_instruction_classes(kernel_dir, plugin, tmp_path):
    body = FPU_ON + "\n".join(f"    {insn}" for insn in EXPECTED_CLASSES)
    elf = build_kernel(kernel_dir, "M4", body, fpu=True)
    trace = tmp_path / "trace.txt"
    argv = build_qemu_argv("mps2-an386", elf, serial_port=None, loaders=[], plugin=None)
    argv += ["-plugin", f"{plugin},model=m4,out={tmp_path / 'out.txt'},trace={trace}"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    seen = []
    for line in trace.read_text().splitlines():
        if line.startswith("--"):
            continue
        _addr, _size, cls, _cost, text = line.split(None, 4)
        seen.append((cls, text))
    mnemonics = {text.split()[0]: cls for cls, text in seen}
    for insn, cls in EXPECTED_CLASSES.items():
        mnemonic = insn.split()[0]
        assert mnemonics.get(mnemonic) == cls, f"{insn}: classified {mnemonics.get(mnemonic)!r}, expected {cls!r}"
