"""`tinyhil doctor`: check the toolchain, QEMU, Python dependencies, probes, serial ports and
USB permissions on this machine, and say what to do about each problem."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from harness.boards import load_catalog
from harness.boards.schema import TWIN_MACHINES, Board
from harness.paths import REPO_ROOT
from harness.resources.discovery import (
    DiscoveryError,
    list_probes,
    list_serial_ports,
    pair_probes_and_ports,
)

OK, INFO, WARN, FAIL = "ok", "info", "warn", "fail"

# Python distributions tinyhil imports at run time, by distribution name.
PYTHON_DEPENDENCIES = [
    "numpy",
    "scipy",
    "pyserial",
    "pyocd",
    "flatbuffers",
    "tflite-micro",
    "tensorflow-cpu",
    "rich",
    "tqdm",
    "matplotlib",
    "flwr",
    "pytest",
]

UDEV_RULES_HINT = (
    "add /etc/udev/rules.d/50-tinyhil-probes.rules with lines such as\n"
    '  SUBSYSTEM=="usb", ATTR{idVendor}=="0483", ATTR{idProduct}=="374b", MODE="0666"\n'
    '  SUBSYSTEM=="usb", ATTR{idVendor}=="1366", MODE="0666"\n'
    "then `udevadm control --reload-rules && udevadm trigger` and replug the board"
)


@dataclass
class Finding:
    check: str
    status: str
    detail: str
    fix: str = ""


@dataclass
class DoctorReport:
    findings: list[Finding] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(f.status == FAIL for f in self.findings)

    def by_check(self, check: str) -> list[Finding]:
        return [f for f in self.findings if f.check == check]


def _run(argv: list[str], timeout: float = 20.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def check_host_compiler() -> list[Finding]:
    gcc = shutil.which("gcc")
    if not gcc:
        return [Finding("host gcc", FAIL, "gcc not found (needed for the QEMU timing plugin and host kernel tests)",
                        "apt-get install gcc")]
    return [Finding("host gcc", OK, _first_line(_run([gcc, "--version"]).stdout))]


def check_arm_toolchain() -> list[Finding]:
    gcc = shutil.which("arm-none-eabi-gcc")
    if not gcc:
        return [Finding("arm toolchain", FAIL, "arm-none-eabi-gcc not found",
                        "apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi")]
    findings = [Finding("arm toolchain", OK, _first_line(_run([gcc, "--version"]).stdout))]
    # Link a trivial program against newlib for the M4 hard-float ABI the firmware uses.
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "t.c")
        src.write_text("#include <string.h>\nint main(void){char b[4]; memset(b,0,4); return b[0];}\n")
        proc = _run([gcc, "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16",
                     "--specs=nosys.specs", str(src), "-o", str(Path(tmp, "t.elf"))])
    if proc.returncode == 0:
        findings.append(Finding("newlib", OK, "links for cortex-m4 hard-float"))
    else:
        findings.append(Finding("newlib", FAIL, _first_line(proc.stderr) or "link failed",
                                "apt-get install libnewlib-arm-none-eabi"))
    return findings


def check_qemu() -> list[Finding]:
    qemu = shutil.which("qemu-system-arm")
    if not qemu:
        return [Finding("qemu", FAIL, "qemu-system-arm not found (twins cannot run)", "apt-get install qemu-system-arm")]
    version = _first_line(_run([qemu, "--version"]).stdout)
    findings = [Finding("qemu", OK, version)]
    machines = _run([qemu, "-machine", "help"]).stdout
    missing = [m for m in TWIN_MACHINES if not re.search(rf"^{re.escape(m)}\s", machines, re.M)]
    if missing:
        findings.append(Finding("qemu machines", FAIL, f"QEMU lacks {', '.join(missing)}",
                                "install Debian's qemu-system-arm 7.2 (bookworm)"))
    else:
        findings.append(Finding("qemu machines", OK, ", ".join(TWIN_MACHINES)))
    helptext = _run([qemu, "--help"]).stdout
    if "-plugin" in helptext:
        findings.append(Finding("qemu plugins", OK, "TCG plugins supported (cycle-approximate timing)"))
    else:
        findings.append(Finding("qemu plugins", FAIL, "this QEMU was built without TCG plugin support",
                                "use Debian's qemu-system-arm, which enables plugins"))
    return findings


def _locked_versions() -> dict[str, str]:
    lock = REPO_ROOT / "requirements.lock"
    pins: dict[str, str] = {}
    if lock.exists():
        for line in lock.read_text().splitlines():
            if "==" in line and not line.startswith("#"):
                name, version = line.split("==", 1)
                pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def check_python_dependencies(names: Iterable[str] = PYTHON_DEPENDENCIES) -> list[Finding]:
    pins = _locked_versions()
    findings = []
    for name in names:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            findings.append(Finding("python", FAIL, f"{name} is not installed", "run ./tinyhil.sh once to build the virtualenv"))
            continue
        pinned = pins.get(name.lower())
        if pinned and pinned != version:
            findings.append(Finding("python", WARN, f"{name} {version}, but requirements.lock pins {pinned}",
                                    "run ./tinyhil.sh, which uses the pinned virtualenv"))
        else:
            findings.append(Finding("python", OK, f"{name} {version}"))
    return findings


def _usb_device_nodes(vids: set[int]) -> list[tuple[int, int, Path]]:
    """(vid, pid, /dev/bus/usb node) for attached USB devices of the given vendors."""
    out = []
    for dev in Path("/sys/bus/usb/devices").glob("*"):
        try:
            vid = int((dev / "idVendor").read_text(), 16)
            pid = int((dev / "idProduct").read_text(), 16)
            bus = int((dev / "busnum").read_text())
            num = int((dev / "devnum").read_text())
        except (OSError, ValueError):
            continue
        if vid in vids:
            out.append((vid, pid, Path(f"/dev/bus/usb/{bus:03d}/{num:03d}")))
    return out


def check_usb_permissions(boards: Iterable[Board]) -> list[Finding]:
    vids = {b.probe.usb_vid for b in boards}
    nodes = _usb_device_nodes(vids)
    if not nodes:
        return [Finding("udev", INFO, "no probe of a known vendor on USB; nothing to check")]
    findings = []
    for vid, pid, node in nodes:
        if os.access(node, os.R_OK | os.W_OK):
            findings.append(Finding("udev", OK, f"{vid:04x}:{pid:04x} at {node} is read/write for this user"))
        else:
            findings.append(Finding("udev", FAIL, f"{vid:04x}:{pid:04x} at {node} is not read/write for this user; "
                                    "pyOCD will silently not see it", UDEV_RULES_HINT))
    return findings


def check_probes_and_ports(
    boards: list[Board],
    probe_lister: Callable[[], list] = list_probes,
    port_lister: Callable[[], list] = list_serial_ports,
) -> list[Finding]:
    findings = []
    try:
        probes = probe_lister()
    except DiscoveryError as exc:
        return [Finding("probes", FAIL, str(exc), "check libusb and the udev rules (see the udev finding)")]
    ports = port_lister()
    usb_ports = [p for p in ports if p.usb_vid is not None]
    findings.append(Finding("serial ports", INFO if not usb_ports else OK,
                            f"{len(usb_ports)} USB serial port(s): " + (", ".join(p.device for p in usb_ports) or "none")))
    if not probes:
        findings.append(Finding("probes", INFO, "no debug probe attached: real-board runs are skipped; twins run everywhere"))
        return findings
    for attached in pair_probes_and_ports(probes, ports, boards):
        p = attached.probe
        if attached.port is None:
            findings.append(Finding("probes", WARN, f"probe {p.unique_id} ({p.description}) has no serial port with the same USB serial number",
                                    "check the cable and that the probe firmware exposes a virtual COM port; see `dmesg`"))
            continue
        if not os.access(attached.port.device, os.R_OK | os.W_OK):
            findings.append(Finding("probes", FAIL, f"{attached.port.device} (console of probe {p.unique_id}) is not read/write",
                                    "add the user to the dialout group (`usermod -aG dialout $USER`) and log in again"))
            continue
        boards_txt = ", ".join(attached.candidates) or "no catalog board with this probe type"
        findings.append(Finding("probes", OK, f"probe {p.unique_id} paired with {attached.port.device}; candidates: {boards_txt}"))
    return findings


def run_doctor(boards_dirs: list[Path] | None = None) -> DoctorReport:
    report = DoctorReport()
    try:
        catalog = load_catalog(boards_dirs)
        report.findings.append(Finding("boards", OK, f"{len(catalog)} board files valid: {', '.join(catalog)}"))
    except (ValueError, OSError) as exc:
        report.findings.append(Finding("boards", FAIL, str(exc), "fix the board file named in the message"))
        catalog = {}
    boards = list(catalog.values())
    for check in (check_host_compiler, check_arm_toolchain, check_qemu, check_python_dependencies):
        report.findings.extend(check())
    report.findings.extend(check_probes_and_ports(boards))
    report.findings.extend(check_usb_permissions(boards))
    return report
