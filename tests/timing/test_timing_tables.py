"""The timing models against their documented tables (docs/timing-model.md), on small kernels.

Each kernel runs BODY between the labels kbegin and kend on the twin; the region's modelled cycles
must equal what the table says for that instruction sequence.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from timing_kernels import build_kernel, repeat

from harness.timing.elf_symbols import symbol_address
from harness.timing.run import run_elf_timed

# Cortex-M4 table (ARM DDI 0439 table 3-1 and section 3.3.2) and Cortex-M7 model constants,
# as documented in docs/timing-model.md.
M4_ALU = 1
M4_LDR = 2
M4_LDR_PIPELINED = 1
M4_STR = 1
M4_MLA = 2
M4_DSP_MAC = 1
M4_LONG_MUL = 1
M4_DIV = 7
M4_REFILL_DIRECT = 1
M7_MISPREDICT = 6


def region_counts(kernel_dir: Path, twin: str, body: str, **kw) -> tuple[int, int]:
    elf = build_kernel(kernel_dir, twin, body, **kw)
    run = run_elf_timed(elf, twin, begin="kbegin", end="kend", timeout_s=30)
    assert run.exit_code == 0, run.console
    assert len(run.regions) == 1
    return run.regions[0].instructions, run.regions[0].cycles


# name, body lines, repetitions, instructions, expected M4 cycles, expected M7 cycles
STRAIGHT_LINE_CASES = [
    ("alu dependent chain", "adds r0, r0, #1", 16, 16, 16 * M4_ALU, 16),
    ("alu independent pairs", "adds r0, #1\nadds r1, #1", 8, 16, 16 * M4_ALU, 8),
    ("load then alu", "ldr r0, [r7]\nadds r1, #1", 8, 16, 8 * (M4_LDR + M4_ALU), 8),
    ("back-to-back loads", "ldr r0, [r7]\nldr r1, [r7, #4]", 8, 16, M4_LDR + 15 * M4_LDR_PIPELINED, 8),
    # each load's address is the previous load's result: no M4 pipelining, M7 load-to-address latency 2
    ("pointer chase", "ldr r7, [r7]", 16, 16, 16 * M4_LDR, 2 * 15 + 1),
    ("stores", "str r0, [r7, #8]", 16, 16, 16 * M4_STR, 16),
    ("mla accumulate chain", "mla r0, r1, r2, r0", 16, 16, 16 * M4_MLA, 16),
    ("smlad accumulate chain", "smlad r0, r1, r2, r0", 16, 16, 16 * M4_DSP_MAC, 16),
    ("umull", "umull r0, r3, r1, r2", 8, 8, 8 * M4_LONG_MUL, 8),
    ("ldm 6 registers", "ldm r7, {r0-r5}", 4, 4, 4 * (1 + 6), 4 * 3),
    ("stm 6 registers", "stm r7, {r0-r5}", 4, 4, 4 * (1 + 6), 4 * 3),
    ("sdiv", "sdiv r0, r1, r2", 8, 8, 8 * M4_DIV, 8 * M4_DIV),
    # the IT folds onto the preceding 16-bit instruction on the M4 and takes no issue slot on the M7
    ("it folding", "cmp r1, r2\nit ne\naddne r0, #1", 8, 24, 8 * 2 * M4_ALU, 8),
    # compare + branch never taken: M4 1 cycle each, M7 pairs them and predicts forward not taken
    ("branch not taken", "cmp r0, r0\nbne far_away", 8, 16, 8 * 2 * M4_ALU, 8),
]


@pytest.mark.parametrize("twin", ["M4", "M7"])
@pytest.mark.parametrize(
    "name,lines,times,insns,m4,m7", STRAIGHT_LINE_CASES, ids=[c[0] for c in STRAIGHT_LINE_CASES]
)
def test_straight_line_kernels(kernel_dir, plugin, twin, name, lines, times, insns, m4, m7):
    functions = "far_away:\n    b far_away" if "far_away" in lines else ""
    got_insns, got_cycles = region_counts(kernel_dir, twin, repeat(lines, times), functions=functions)
    assert got_insns == insns
    assert got_cycles == (m4 if twin == "M4" else m7), f"{name} on {twin}"


def test_taken_forward_branches(kernel_dir, plugin):
    body = "\n".join(["    cmp r0, r0", "    beq 1f", "    nop", "1:"] * 8)
    # M4: cmp 1 + beq 1 + refill P = 1, plus 1 when the target is a 32-bit instruction at a
    # halfword (not word) address: the last branch lands on kend's ISB.
    elf = build_kernel(kernel_dir, "M4", body)
    kend_unaligned_wide = 1 if symbol_address(elf, "kend") & 2 else 0
    insns, cycles = region_counts(kernel_dir, "M4", body)
    assert insns == 16  # the NOPs are skipped
    assert cycles == 8 * (2 * M4_ALU + M4_REFILL_DIRECT) + kend_unaligned_wide
    # M7: each compare+branch pair issues in one cycle; a forward branch seen for the first time is
    # predicted not taken, so each of these costs a misprediction.
    insns, cycles = region_counts(kernel_dir, "M7", body)
    assert insns == 16
    assert cycles == 8 * (1 + M7_MISPREDICT)


@pytest.mark.parametrize("iterations", [16, 100])
def test_loop_branch_taken_is_decided_at_run_time(kernel_dir, plugin, iterations):
    body = f"    movs r6, #{iterations}\n2:\n    subs r6, #1\n    bne 2b"
    insns, cycles = region_counts(kernel_dir, "M4", body)
    assert insns == 1 + 2 * iterations
    # movs 1; every iteration subs 1 + bne 1, plus the refill when the branch is taken (all but the last)
    assert cycles == 1 + 2 * iterations + (iterations - 1) * M4_REFILL_DIRECT
    insns, cycles = region_counts(kernel_dir, "M7", body)
    assert insns == 1 + 2 * iterations
    # movs, then subs+bne dual-issued each iteration; the backward branch is predicted taken, so only
    # the final fall-through is mispredicted
    assert cycles == 1 + iterations + M7_MISPREDICT


def test_int8_mac_loop(kernel_dir, plugin):
    """A byte-wise int8 multiply-accumulate loop (two post-indexed byte loads, MLA, counter, branch)."""
    n = 50
    body = f"""    movs r3, #{n}
    .global mac_loop
mac_loop:
    ldrsb r4, [r0], #1
    ldrsb r5, [r1], #1
    mla r2, r4, r5, r2
    subs r3, #1
    bne mac_loop"""
    # r0/r1 must point at readable memory
    body = "    mov r0, r7\n    mov r1, r7\n" + body
    elf = build_kernel(kernel_dir, "M4", body)
    target_extra = 1 if symbol_address(elf, "mac_loop") & 2 else 0  # LDRSB.W: 32-bit target
    insns, cycles = region_counts(kernel_dir, "M4", body)
    assert insns == 3 + 5 * n
    # per iteration: LDRSB 2 (after MOVS / the branch), LDRSB 1 (pipelined: the previous load's
    # written-back base is not its loaded register), MLA 2, SUBS 1, BNE 1 = 7, + refill when taken
    assert cycles == 3 + 7 * n + (n - 1) * (M4_REFILL_DIRECT + target_extra)
    insns, cycles = region_counts(kernel_dir, "M7", body)
    assert insns == 3 + 5 * n
    # Later iterations: both loads in one cycle, MLA + SUBS in the next, BNE in a third. The first
    # block (with the set-up) issues MOV|MOV, MOVS|LDRSB, LDRSB, MLA|SUBS (waits for r5), BNE = 5
    # cycles. The final fall-through of the backward branch is mispredicted.
    assert cycles == 5 + 3 * (n - 1) + M7_MISPREDICT
