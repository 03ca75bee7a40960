"""The DUT firmware on both twins (Cortex-M4 and -M7 QEMU machines), driven over the real TCP
console: every MLPerf Tiny command, tinyhil's extensions and every kind of bad input."""

from __future__ import annotations

import random
import re

import pytest
from stub_plan import stub_hidden, stub_outputs, stub_plan

from harness.dut import DutCommandError
from harness.twin.session import TwinSession

INPUT_BYTES = 100
OUTPUT_BYTES = 10
PLAN = stub_plan(INPUT_BYTES, OUTPUT_BYTES, rounds=3)
STUB_ARENA = 2 * 112 + 16  # stub engine: two 16-aligned copies of the input and the output


def _input(seed: int) -> bytes:
    return random.Random(seed).randbytes(INPUT_BYTES)


@pytest.fixture(scope="module", params=["m4", "m7"])
def twin(request, stub_twins):
    with TwinSession(stub_twins[request.param], plan=PLAN, model="ic01", timing=True) as session:
        yield session


def exchange(twin: TwinSession, raw: bytes):
    twin.client.send_raw(raw)
    return twin.client.read_reply(raw.decode("latin-1"))


def test_boot_banner(twin):
    lines = twin.boot.lines
    assert lines[0] == "m-timestamp-mode-performance"
    assert re.fullmatch(r"m-lap-us-\d+", lines[1])
    assert lines[2:] == ("m-init-done",)
    assert twin.boot.errors == ()


def test_name_profile_identity(twin):
    c = twin.client
    assert c.name() == f"tinyhil-{twin.board.name}@twin"
    profile = c.profile()
    assert profile.profile == "ULPMark for tinyML Firmware V0.0.1"
    assert profile.model == "ic01"
    ident = c.identity()
    assert (ident.board, ident.core, ident.clock_hz) == (twin.board.name, twin.board.core.name, twin.board.clock_hz)
    assert ident.variant == "twin" and ident.cycle_counter == "none"
    assert ident.firmware == twin.image.hash[:16]
    help_lines = c.command("help").lines
    assert len(help_lines) >= 4 and all(re.fullmatch(r"m-help-\[.+\]", line) for line in help_lines)
    assert any("tensor I L" in line for line in help_lines)


def test_timestamps_increase(twin):
    first = twin.client.timestamp()
    second = twin.client.timestamp()
    assert 0 < first < second


def test_plan_and_arena_reports(twin):
    import zlib

    info = twin.client.plan()
    assert info.ok and info.model == "ic01"
    assert (info.slot_addr, info.slot_bytes) == (twin.image.plan_slot_addr, twin.image.plan_slot_bytes)
    assert info.plan_bytes == len(PLAN)
    assert info.plan_hash == zlib.crc32(PLAN[16:])
    assert (info.n_ops, info.n_tensors, info.input_bytes, info.output_bytes) == (2, 3, INPUT_BYTES, OUTPUT_BYTES)
    arena = twin.client.arena()
    assert arena.used == STUB_ARENA == info.arena_bytes
    assert arena.size == twin.image.size.arena
    assert arena.input_buffer == arena.size - arena.used
    assert 0 < arena.stack_used < arena.stack_size == twin.image.size.stack


def test_load_print_infer_results(twin):
    c = twin.client
    x = _input(1)
    c.load_input(x)
    assert c.read_buffer() == x
    result = c.infer(4, 2)
    assert list(result.lines[:3]) == ["m-warmup-start-2", "m-warmup-done", "m-infer-start-4"]
    assert result.lines[5:] == ("m-infer-done", f"m-results-[{','.join(map(str, stub_outputs(x, OUTPUT_BYTES)))}]")
    assert list(result.results) == stub_outputs(x, OUTPUT_BYTES)
    assert result.t1_us > result.t0_us
    assert c.results() == result.results
    cycles = c.cycles()
    assert (cycles.count, cycles.total) == (4, 0)  # the twin has no DWT: cycles come from the plugin
    regions = twin.read_new_regions()
    assert len(regions) == 4
    assert len({(r.instructions, r.cycles) for r in regions[1:]}) == 1  # same input, same work
    assert all(r.instructions > 1000 and r.cycles >= r.instructions * 0.5 for r in regions)
    assert twin.read_new_regions() == []


def test_infer_defaults(twin):
    c = twin.client
    c.load_input(_input(2))
    assert c.command("infer").lines[:3] == ("m-warmup-start-10", "m-warmup-done", "m-infer-start-1")
    assert c.command("infer 3").lines[:3] == ("m-warmup-start-10", "m-warmup-done", "m-infer-start-3")
    twin.read_new_regions()


def test_intermediate_and_output_tensors(twin):
    c = twin.client
    x = _input(3)
    c.load_input(x)
    hidden = c.tensor(1, 0)
    assert hidden.data == stub_hidden(x).tobytes()
    out = c.tensor(2, 1)
    assert [v - 256 if v > 127 else v for v in out.data] == stub_outputs(x, OUTPUT_BYTES)
    with pytest.raises(DutCommandError, match="bad tensor"):
        c.tensor(2, 0)  # the output is not computed after op 0
    with pytest.raises(DutCommandError, match="out of range"):
        c.tensor(1, 7)
    with pytest.raises(DutCommandError, match="No results"):
        c.results()  # a partial run leaves no results


def test_loading_31_byte_lines_and_odd_sizes(twin):
    c = twin.client
    for size in (1, 31, 32, 62, 95):
        data = random.Random(size).randbytes(size)
        c.load_input(data)
        assert c.read_buffer() == data


BAD_INPUTS = [
    (b"foo%", r"Unknown command: foo"),
    (b"%", r"Empty command"),
    (b"   %", r"Empty command"),
    (b"x" * 81 + b"%", r"Command too long: more than 80 characters"),
    (bytes(range(1, 37)) * 30 + b"%", r"Command too long: more than 80 characters"),
    (b"\xffname\x01%", r"Unknown command: \?name\?"),
    (b"name extra%", r"This command takes no argument, got: extra"),
    (b"db%", r"Command 'db' requires a subcommand"),
    (b"db load%", r"Command 'db load' requires the # of bytes"),
    (b"db load 0%", r"Command 'db load' must be >0 bytes"),
    (b"db load -5%", r"Command 'db load': not a byte count: -5"),
    (b"db load 12ab%", r"Command 'db load': not a byte count: 12ab"),
    (b"db load 99999999999%", r"Command 'db load': not a byte count: 99999999999"),
    (b"db load 4000000%", r"Command 'db load': 4000000 bytes do not fit the \d+-byte input buffer"),
    (b"db load 4 4%", r"Command 'db load' takes one argument, got extra: 4"),
    (b"db print x%", r"Command 'db print' takes no argument, got: x"),
    (b"infer 0%", r"Inference iterations must be >0"),
    (b"infer -1%", r"Command 'infer': not an iteration count: -1"),
    (b"infer x%", r"Command 'infer': not an iteration count: x"),
    (b"infer 1 y%", r"Command 'infer': not a warmup count: y"),
    (b"infer 1 2 3%", r"Command 'infer' takes at most 2 arguments \(N W\), got extra: 3"),
    (b"tensor%", r"Command 'tensor' takes 2 arguments: tensor index, last op"),
    (b"tensor a 0%", r"Command 'tensor': not a tensor index: a"),
    (b"tensor 1 70000%", r"Command 'tensor': not an op index: 70000"),
    (b"a b c d e f g h i%", r"Too many arguments"),
]


@pytest.mark.parametrize(("raw", "error"), BAD_INPUTS, ids=[repr(r[:20]) for r, _ in BAD_INPUTS])
def test_bad_input_answers_error_then_ready(twin, raw, error):
    reply = exchange(twin, raw)
    assert len(reply.lines) == 1 and reply.lines[0].startswith("e-["), reply.lines
    assert re.fullmatch(error, reply.errors[0]), reply.errors
    assert twin.client.name().startswith("tinyhil-")  # still answering


def test_exactly_80_characters_is_accepted(twin):
    reply = exchange(twin, b"y" * 80 + b"%")
    assert reply.errors == ["Unknown command: " + "y" * 80]


def test_data_errors_during_a_load(twin):
    c = twin.client
    assert exchange(twin, b"db load 4%").lines == ("m-[Expecting 4 bytes]",)
    assert exchange(twin, b"db 0102%").lines == ()
    # More bytes than announced: rejected, nothing stored, load aborted.
    assert exchange(twin, b"db 030405%").errors == ["Too many bytes: got 3, expected at most 2 (load aborted)"]
    assert exchange(twin, b"db 01%").errors == ["Unexpected data: send 'db load N' first"]
    c.command("db load 4")
    assert exchange(twin, b"db 123%").errors == ["Odd number of hex digits (load aborted): 123"]
    c.command("db load 4")
    assert exchange(twin, b"db 0g12%").errors == ["Invalid hex digit (load aborted): 0g"]
    assert exchange(twin, b"db 00%").errors == ["Unexpected data: send 'db load N' first"]
    # More bytes after a complete load.
    c.load_input(bytes(4))
    assert exchange(twin, b"db 00%").errors == ["Too many bytes: all 4 announced bytes are already loaded"]
    # Fewer bytes than announced: infer refuses.
    c.command("db load 100")
    c.command("db " + "ab" * 31)
    assert exchange(twin, b"infer 1 0%").errors == ["Input incomplete: 31 of 100 bytes loaded"]
    # A complete load of the wrong size for the model.
    c.load_input(bytes(10))
    assert exchange(twin, b"infer 1 0%").errors == [f"Input has 10 bytes, the model expects {INPUT_BYTES}"]
    assert exchange(twin, b"tensor 1 0%").errors == [f"Input has 10 bytes, the model expects {INPUT_BYTES}"]
    # Line ends around commands are ignored.
    assert exchange(twin, b"\r\nname%\r\n").lines == (f"m-name-dut-[tinyhil-{twin.board.name}@twin]",)
    twin.read_new_regions()


def test_client_refuses_commands_it_cannot_send(twin):
    with pytest.raises(ValueError, match="80 characters"):
        twin.client.command("x" * 81)
    with pytest.raises(ValueError, match="'%'"):
        twin.client.command("name%")


def test_host_input_interrupts_a_long_run(twin):
    c = twin.client
    c.load_input(_input(4))
    c.send_raw(b"infer 4000000000 0%")
    c.expect(r"m-infer-start-4000000000")
    c.send_raw(b"name%")  # any byte stops the run between two inferences
    reply = c.read_reply("infer", timeout=30)
    assert [line[:9] for line in reply.lines[:2]] == ["m-lap-us-", "m-lap-us-"]
    (error,) = reply.errors
    done = int(re.fullmatch(r"Interrupted by host input during timed inference after (\d+) of 4000000000", error)[1])
    assert 0 <= done < 4_000_000_000
    assert c.read_reply("name").lines == (f"m-name-dut-[tinyhil-{twin.board.name}@twin]",)
    assert len(twin.read_new_regions()) == done
    assert c.cycles().count == done
