"""The doctor's findings on this machine (toolchain, QEMU, Python) and its pairing logic."""

from __future__ import annotations

import json

from harness.boards import load_catalog
from harness.cli.main import main
from harness.doctor import FAIL, INFO, OK, WARN, check_probes_and_ports, check_python_dependencies, run_doctor
from harness.resources.discovery import ProbeResource, SerialPortResource, pair_probes_and_ports


def test_doctor_on_this_machine_finds_toolchain_qemu_and_python():
    report = run_doctor()
    status = {f.check: f.status for f in report.findings}
    for check in ("boards", "host gcc", "arm toolchain", "newlib", "qemu", "qemu machines", "qemu plugins"):
        assert status[check] == OK, [f for f in report.findings if f.check == check]
    assert all(f.status in (OK, WARN) for f in report.by_check("python"))
    # No probe is attached on these machines: that is information, not a failure.
    assert [f.status for f in report.by_check("probes")] == [INFO]
    assert not report.failed


def test_doctor_cli_json(capsys):
    assert main(["doctor", "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)
    assert {"check", "status", "detail", "fix"} <= set(findings[0])


def test_missing_python_package_is_a_failure_with_a_fix():
    (finding,) = check_python_dependencies(["surely-not-a-real-package-xyz"])
    assert finding.status == FAIL and "not installed" in finding.detail and "tinyhil.sh" in finding.fix


def test_probe_and_port_pair_by_usb_serial_not_by_order():
    boards = list(load_catalog().values())
    probes = [ProbeResource("066DFF505055877567", "STM32 STLink"), ProbeResource("000683512345", "J-Link")]
    ports = [
        SerialPortResource("/dev/ttyACM0", "683512345", 0x1366, 0x1015),
        SerialPortResource("/dev/ttyACM1", "066DFF505055877567", 0x0483, 0x374B),
    ]
    st, jlink = pair_probes_and_ports(probes, ports, boards)
    assert st.port.device == "/dev/ttyACM1"
    assert set(st.candidates) == {"nucleo-f446re", "nucleo-f746zg", "nucleo-f767zi"}
    assert jlink.port.device == "/dev/ttyACM0" and jlink.candidates == ("nrf52840dk",)


def test_probe_without_console_is_a_warning():
    boards = list(load_catalog().values())
    findings = check_probes_and_ports(
        boards,
        probe_lister=lambda: [ProbeResource("066DFF505055877567", "STM32 STLink")],
        port_lister=lambda: [],
    )
    assert [f.status for f in findings if f.check == "probes"] == [WARN]
