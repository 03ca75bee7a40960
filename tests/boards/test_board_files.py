"""Board files: the shipped catalog is valid, and every kind of bad file is refused by name."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from harness.boards import BoardFileError, get_board, load_board_file, load_catalog
from harness.boards.catalog import UnknownBoardError
from harness.cli.main import main
from harness.paths import BOARDS_DIR

SHIPPED = ["nrf52840dk", "nucleo-f446re", "nucleo-f746zg", "nucleo-f767zi"]


def test_shipped_catalog_matches_datasheet_facts():
    catalog = load_catalog()
    assert sorted(catalog) == SHIPPED
    f446 = catalog["nucleo-f446re"]
    assert (f446.core.name, f446.clock_hz, f446.sram_bytes, f446.flash_bytes) == ("cortex-m4", 180_000_000, 128 * 1024, 512 * 1024)
    assert f446.memory.flash_wait_states == 5
    assert (f446.console.uart, f446.console.tx_pin, f446.console.rx_pin) == ("USART2", "PA2", "PA3")
    assert f446.twin.qemu_machine == "mps2-an386"
    f746 = catalog["nucleo-f746zg"]
    assert (f746.core.name, f746.clock_hz, f746.sram_bytes, f746.flash_bytes) == ("cortex-m7", 216_000_000, 320 * 1024, 1024 * 1024)
    assert f746.memory.flash_wait_states == 7 and f746.twin.qemu_machine == "mps2-an500"
    f767 = catalog["nucleo-f767zi"]
    assert (f767.sram_bytes, f767.flash_bytes, f767.probe.pyocd_target) == (512 * 1024, 2048 * 1024, "stm32f767zi")
    nrf = catalog["nrf52840dk"]
    assert (nrf.clock_hz, nrf.probe.usb_vid, nrf.probe.pyocd_target) == (64_000_000, 0x1366, "nrf52840")
    assert nrf.probe.matches_usb(0x1366, 0x1051) and not nrf.probe.matches_usb(0x0483, 0x374B)


def test_get_board_accepts_twin_suffix_and_names_known_boards():
    assert get_board("nucleo-f746zg@twin").name == "nucleo-f746zg"
    with pytest.raises(UnknownBoardError) as exc:
        get_board("nucleo-h743zi")
    assert "nucleo-f446re" in str(exc.value)


def _raw(name: str = "nucleo-f446re") -> dict:
    with (BOARDS_DIR / f"{name}.toml").open("rb") as fh:
        return tomllib.load(fh)


def _dump(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, str)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_dump(v) for v in value) + "]"
    raise TypeError(value)


def _write(tmp_path: Path, raw: dict, stem: str | None = None) -> Path:
    lines = []
    for key, value in raw.items():
        if not isinstance(value, dict):
            lines.append(f"{key} = {_dump(value)}")
    for key, value in raw.items():
        if isinstance(value, dict):
            lines.append(f"[{key}]")
            lines += [f"{k} = {_dump(v)}" for k, v in value.items()]
    path = tmp_path / f"{stem or raw.get('name', 'board')}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_round_trip_of_a_shipped_file_is_valid(tmp_path):
    board = load_board_file(_write(tmp_path, _raw()))
    assert board == get_board("nucleo-f446re")


@pytest.mark.parametrize(
    "mutate, field, expected",
    [
        (lambda r: r["memory"].update(sram_kb=128), "memory.sram_kb", "unknown key"),
        (lambda r: r.update(colour="blue"), "colour", "unknown key"),
        (lambda r: r["core"].pop("clock_hz"), "core.clock_hz", "missing; expected an integer"),
        (lambda r: r.pop("console"), "console", "missing table"),
        (lambda r: r["core"].update(clock_hz="180 MHz"), "core.clock_hz", "expected an integer"),
        (lambda r: r["core"].update(dsp=1), "core.dsp", "expected true or false"),
        (lambda r: r["memory"].update(sram_bytes=True), "memory.sram_bytes", "expected an integer"),
        (lambda r: r["memory"].update(sram_bytes=0x4000_0000), "memory.sram_bytes", "larger than the"),
        (lambda r: r["memory"].update(flash_bytes=-1), "memory.flash_bytes", "positive integer"),
        (lambda r: r["twin"].update(qemu_machine="stm32f446-nucleo"), "twin.qemu_machine", "unknown QEMU machine"),
        (lambda r: r["twin"].update(qemu_machine="mps2-an500"), "twin.cpu", "emulates cortex-m7"),
        (lambda r: r["core"].update(name="cortex-m0"), "core.name", "expected one of"),
        (lambda r: r["probe"].update(usb_vid=0x1_0000), "probe.usb_vid", "16-bit USB id"),
        (lambda r: r["probe"].update(alt_usb_pids=["0x1051"]), "probe.alt_usb_pids[0]", "expected an integer"),
        (lambda r: r.update(name="other-name"), "name", "file's stem"),
    ],
)
def test_bad_board_file_names_file_field_and_expectation(tmp_path, mutate, field, expected):
    raw = _raw()
    mutate(raw)
    path = _write(tmp_path, raw, stem="nucleo-f446re")
    with pytest.raises(BoardFileError) as exc:
        load_board_file(path)
    message = str(exc.value)
    assert exc.value.field_name == field
    assert str(path) in message and field in message and expected in message


def test_invalid_toml_is_reported_with_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("name = 'broken'\n[core\n")
    with pytest.raises(BoardFileError, match=r"broken.toml: <toml>: not valid TOML"):
        load_board_file(path)


def test_user_board_directory_adds_and_overrides(tmp_path, monkeypatch, capsys):
    raw = _raw()
    raw["name"] = "my-f446"
    raw["description"] = "my own F446 at 168 MHz"
    raw["core"]["clock_hz"] = 168_000_000
    _write(tmp_path, raw)
    catalog = load_catalog([tmp_path])
    assert catalog["my-f446"].clock_hz == 168_000_000 and "nucleo-f446re" in catalog
    # The same directory through the environment, and through the CLI.
    monkeypatch.setenv("TINYHIL_BOARDS_PATH", str(tmp_path))
    assert get_board("my-f446").source == tmp_path / "my-f446.toml"
    monkeypatch.delenv("TINYHIL_BOARDS_PATH")
    assert main(["boards", "--json", "--boards-dir", str(tmp_path)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows} == set(SHIPPED) | {"my-f446"}


def test_cli_reports_a_bad_user_board_file_without_traceback(tmp_path, capsys):
    raw = _raw()
    raw["memory"]["sram_bytes"] = "lots"
    _write(tmp_path, raw)
    assert main(["boards", "--boards-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "memory.sram_bytes" in err and "expected an integer" in err and "Traceback" not in err
