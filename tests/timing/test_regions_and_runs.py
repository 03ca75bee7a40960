"""Regions between two addresses, determinism, exit codes, the run-elf command and error reporting."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from timing_kernels import build_kernel, repeat

from harness.cli.main import main as cli_main
from harness.timing import (
    PluginConfig,
    PluginOutputError,
    PluginOutputTail,
    parse_plugin_output,
    read_symbols,
)
from harness.timing.elf_symbols import ElfError, symbol_address
from harness.timing.run import TimedRunError, run_elf_timed
from harness.twin.qemu import build_qemu_argv

WORK_FUNCTION = """
    .thumb_func
    .global work
work:
    adds r0, #1
    adds r1, #1
    .global work_end
work_end:
    bx lr
"""


@pytest.fixture(scope="module")
def calls_elf(kernel_dir: Path, plugin: Path) -> Path:
    return build_kernel(kernel_dir, "M4", repeat("bl work", 5), functions=WORK_FUNCTION)


@pytest.mark.parametrize("twin,cycles_per_call", [("M4", 2), ("M7", 1)])
def test_every_region_is_recorded_in_order(kernel_dir, plugin, twin, cycles_per_call):
    elf = build_kernel(kernel_dir, twin, repeat("bl work", 5), functions=WORK_FUNCTION)
    run = run_elf_timed(elf, twin, begin="work", end="work_end", clock_hz=1_000_000)
    assert [r.region for r in run.regions] == [0, 1, 2, 3, 4]
    for r in run.regions:
        assert r.instructions == 2  # the two ADDS before work_end
        assert r.cycles == cycles_per_call
        assert r.us_at_clock == pytest.approx(cycles_per_call)
        assert r.source == "emulated" and r.timing_model == ("cortex-m4" if twin == "M4" else "cortex-m7")
    assert run.unclosed_region is None
    assert run.total.instructions > sum(r.instructions for r in run.regions)


def test_region_with_the_same_begin_and_end_address(calls_elf, plugin):
    # every execution of `work` closes the previous region and opens the next: 5 calls, 4 regions
    run = run_elf_timed(calls_elf, "M4", begin="work", end="work")
    assert len(run.regions) == 4
    # adds, adds, bx lr, bl work
    assert {r.instructions for r in run.regions} == {4}
    # adds 1 + adds 1 + bx 1 + refill 2 (register target) + bl 1 + refill 1 (direct)
    assert {r.cycles for r in run.regions} == {7}
    assert run.unclosed_region is not None and run.unclosed_region.region == 4


def test_runs_are_deterministic(kernel_dir, plugin):
    body = "    movw r6, #5000\n2:\n    ldr r0, [r7]\n    mla r1, r0, r2, r1\n    subs r6, #1\n    bne 2b"
    for twin in ("M4", "M7"):
        elf = build_kernel(kernel_dir, twin, body)
        first = run_elf_timed(elf, twin, begin="kbegin", end="kend")
        second = run_elf_timed(elf, twin, begin="kbegin", end="kend")
        assert first.total == second.total
        assert first.regions == second.regions
        assert first.regions[0].instructions == 1 + 4 * 5000


def test_exit_code_and_console(kernel_dir, plugin):
    elf = build_kernel(kernel_dir, "M4", "    nop", exit_code=3)
    run = run_elf_timed(elf, "M4")
    assert run.exit_code == 3
    assert run.regions == []
    assert run.total.instructions > 0 and run.total.cycles >= run.total.instructions


def test_run_elf_command_json(kernel_dir, plugin, capsys):
    elf = build_kernel(kernel_dir, "M7", repeat("adds r0, #1\nadds r1, #1", 8))
    code = cli_main(["run-elf", str(elf), "--twin", "m7", "--begin", "kbegin", "--end", "kend", "--clock-hz", "8000000", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["qemu_machine"] == "mps2-an500"
    assert out["regions"][0]["instructions"] == 16
    assert out["regions"][0]["cycles"] == 8
    assert out["regions"][0]["us_at_clock"] == pytest.approx(1.0)


def test_run_elf_command_text_and_errors(calls_elf, plugin, capsys, tmp_path):
    assert cli_main(["run-elf", str(calls_elf), "--twin", "M4", "--begin", "work", "--end", "work_end"]) == 0
    text = capsys.readouterr().out
    assert "regions work -> work_end: 5" in text and "region 4: 2 instructions, 2 cycles" in text

    assert cli_main(["run-elf", str(calls_elf), "--twin", "M4", "--begin", "no_such_symbol", "--end", "work"]) == 1
    assert "symbol 'no_such_symbol' not found" in capsys.readouterr().err

    assert cli_main(["run-elf", str(calls_elf), "--twin", "M4", "--begin", "work"]) == 1
    assert "both --begin and --end" in capsys.readouterr().err

    assert cli_main(["run-elf", str(calls_elf), "--board", "nucleo-f767zi", "--begin", "work", "--end", "work_end", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["twin"] == "M7" and out["total"]["clock_hz"] == 216_000_000

    assert cli_main(["run-elf", str(calls_elf)]) == 1
    assert "give --twin M4|M7 or --board NAME" in capsys.readouterr().err

    not_elf = tmp_path / "firmware.elf"
    not_elf.write_text("hello")
    assert cli_main(["run-elf", str(not_elf), "--twin", "M4", "--begin", "a", "--end", "b"]) == 1
    assert "not an ELF file" in capsys.readouterr().err


def test_timeout_is_reported(kernel_dir, plugin):
    elf = build_kernel(kernel_dir, "M4", "3:\n    b 3b")
    with pytest.raises(TimedRunError, match="did not exit within 1 s"):
        run_elf_timed(elf, "M4", timeout_s=1)


def test_plugin_rejects_bad_arguments(calls_elf, plugin, tmp_path):
    argv = build_qemu_argv("mps2-an386", calls_elf, serial_port=None, loaders=[], plugin=None)
    argv += ["-plugin", f"{plugin},model=m9,out={tmp_path / 'o.txt'}"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode != 0
    assert "model 'm9': expected m4 or m7" in proc.stderr


def test_plugin_config_validation(tmp_path):
    with pytest.raises(ValueError, match="timing_model"):
        PluginConfig("cortex-m3", tmp_path / "o.txt")
    with pytest.raises(ValueError, match="both region_begin and region_end"):
        PluginConfig("cortex-m4", tmp_path / "o.txt", region_begin=0x100)
    cfg = PluginConfig("cortex-m7", tmp_path / "a,b.txt", 0x101, 0x200, library=Path("/x.so"))
    argv = build_qemu_argv("mps2-an500", Path("fw.elf"), serial_port=5555, loaders=[(Path("m.bin"), 0x20100000)], plugin=cfg)
    assert argv[argv.index("-plugin") + 1] == f"/x.so,model=m7,out={tmp_path}/a,,b.txt,begin=0x100,end=0x200"
    assert argv[argv.index("-serial") + 1].startswith("tcp:127.0.0.1:5555,server=on,wait=on")
    assert "loader,file=m.bin,addr=0x20100000" in argv
    assert argv[argv.index("-icount") + 1] == "shift=0,sleep=off"


def test_elf_symbols(calls_elf):
    symbols = read_symbols(calls_elf)
    assert symbols["work"] & 1  # Thumb function
    assert symbol_address(calls_elf, "work_end") == symbols["work_end"]
    assert symbol_address(calls_elf, "0x40") == 0x40
    with pytest.raises(ElfError, match="similar: work, work_end"):
        symbol_address(calls_elf, "wor")


def test_output_tail_reads_complete_lines_only(tmp_path):
    out = tmp_path / "timing.txt"
    out.write_text("# tinyhil-timing 1 model=m4\nregion 0 10 12\nregion 1 10")
    tail = PluginOutputTail(out)
    assert [(c.instructions, c.cycles) for c in tail.poll()] == [(10, 12)]
    with out.open("a") as fh:
        fh.write(" 13\nregion 2 10 14\n")
    assert [(c.instructions, c.cycles) for c in tail.poll()] == [(10, 13), (10, 14)]
    assert tail.poll() == []
    with pytest.raises(PluginOutputError, match="no 'total' line"):
        parse_plugin_output(out)
    with out.open("a") as fh:
        fh.write("region 7 1 1\n")
    with pytest.raises(PluginOutputError, match="region 7 out of order"):
        parse_plugin_output(out, require_total=False)


@pytest.mark.parametrize("twin,cycles", [("M4", 8), ("M7", 6)])
def test_mmio_access_inside_a_block_is_counted_once(kernel_dir, plugin, twin, cycles):
    # In icount mode QEMU stops the block at the UART write and replays it; the instructions after the
    # write must still be counted once.
    body = """
    ldr r0, =0x40004000
    movs r1, #65
    adds r2, #1
    adds r2, #1
    str r1, [r0, #8]
    adds r2, #1
    adds r2, #1
    adds r2, #1
    """
    elf = build_kernel(kernel_dir, twin, repeat(body, 1))
    run = run_elf_timed(elf, twin, begin="kbegin", end="kend", profile=True)
    assert run.regions[0].instructions == 8
    # M4: every instruction 1 cycle (the literal load becomes MOV.W); M7: pairs where independent
    assert run.regions[0].cycles == cycles
    prof = run.profile
    assert prof is not None and prof.replay_adjust_cycles < 0
    assert (prof.instructions, prof.cycles) == (run.total.instructions, run.total.cycles)
    classes = sum(c.cycles for c in prof.classes) + sum(prof.branch_cycles.values())
    assert classes + prof.replay_adjust_cycles == run.total.cycles


def test_profile_accounts_for_every_cycle(calls_elf, plugin):
    run = run_elf_timed(calls_elf, "M4", profile=True)
    prof = run.profile
    assert prof is not None
    assert prof.instructions == run.total.instructions
    assert prof.cycles == run.total.cycles
    assert sum(c.cycles for c in prof.classes) + sum(prof.branch_cycles.values()) == run.total.cycles
    by_name = {c.name: c for c in prof.classes}
    assert by_name["alu"].executed >= 10  # 2 ADDS per call, 5 calls
    # BL: 5 direct taken (refill 1), BX LR: 5 indirect taken (refill 2)
    assert prof.branch_cycles["direct"] == 5 and prof.branch_cycles["indirect"] == 10
    assert any(b.symbol == "work" and b.executions == 5 for b in prof.blocks)
