"""The pytest plugin, run with pytester on small suites against the real QEMU twins of the
NUCLEO-F446RE (Cortex-M4) and NUCLEO-F746ZG (Cortex-M7).

Each inner run starts its own twins (QEMU boots in about 0.1 s; firmware builds are cached) and
must leave no QEMU behind. Faults are real: a fault-injection proxy that closes the console, or
QEMU killed under a test.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness import __version__
from harness.paths import REPO_ROOT, SHARED_MODELS_DIR, cache_dir
from harness.runtime.model_prep import prepare_model
from harness.twin.session import running_qemu_pids

pytest_plugins = ["pytester"]

pytestmark = pytest.mark.twin

AD01 = SHARED_MODELS_DIR / "ad01_int8.tflite"
F446 = "nucleo-f446re"
F746 = "nucleo-f746zg"


def _plugin_args() -> list[str]:
    installed = any(ep.name == "tinyhil" for ep in importlib.metadata.entry_points(group="pytest11"))
    return ["-p", "tinyhil" if installed else "harness.pytest_plugin.plugin"]


def run_suite(pytester: pytest.Pytester, *args: str, subprocess: bool = False) -> pytest.RunResult:
    """Run the suite in ``pytester``'s directory with the plugin; checks no QEMU is left running.

    Runs that look for real boards go to a subprocess: pyOCD's probe discovery does not survive
    pytester restoring the interpreter's modules between in-process runs.
    """
    args = (*_plugin_args(), "-p", "no:cacheprovider", "-rs", "--tinyhil-logdir", str(pytester.path / "logs"), *args)
    if subprocess:
        return pytester.runpytest_subprocess(*args, timeout=120)
    before = running_qemu_pids()
    result = pytester.runpytest(*args)
    assert running_qemu_pids() - before == set(), "the plugin left QEMU running after the session"
    return result


def junit_cases(path: Path) -> dict[str, list[tuple[str, str]]]:
    """testcase name -> its (property name, value) list, in order."""
    root = ET.parse(path).getroot()
    return {
        case.get("name"): [(p.get("name"), p.get("value")) for p in case.iter("property")]
        for case in root.iter("testcase")
    }


def values(props: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in props if k == name]


# pytester points HOME at its temporary directory; keep using the real build cache (firmware
# builds) rather than rebuilding every board's firmware in every inner run.
BUILD_CACHE = cache_dir()


@pytest.fixture(autouse=True)
def _inner_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Subprocess runs import harness from this checkout whether or not it is installed."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p))
    monkeypatch.setenv("TINYHIL_CACHE", str(BUILD_CACHE))


@pytest.fixture(scope="module")
def ad01():
    return prepare_model(AD01)


def test_profiles_every_twin_and_records_junit_properties(pytester: pytest.Pytester, ad01) -> None:
    pytester.makepyfile(test_pluginrun_suite=f"""
        from harness.pytest_plugin import assert_bit_exact, assert_latency

        def test_ad01(profile_model, board):
            record = profile_model({str(AD01)!r})
            assert record.is_twin and record.source == "emulated"
            assert record.target == board.name
            assert_bit_exact(record)
            assert_latency(record, max_ms=record.latency_ms * 1.01)
            print("LATENCY", board.name, record.cycles_median, record.latency_ms)
    """)
    xml = pytester.path / "junit.xml"
    result = run_suite(pytester, "--twin", "--board", F446, "--board", F746, f"--junitxml={xml}", "-s")
    result.assert_outcomes(passed=2)

    printed = {m.group(1): (float(m.group(2)), float(m.group(3)))
               for m in re.finditer(r"LATENCY (\S+) (\S+) (\S+)", result.stdout.str())}
    cases = junit_cases(xml)
    assert set(cases) == {f"test_ad01[{F446}@twin]", f"test_ad01[{F746}@twin]"}
    for board in (F446, F746):
        props = cases[f"test_ad01[{board}@twin]"]
        assert values(props, "board") == [board]
        assert values(props, "target") == [f"{board}@twin"]
        assert values(props, "kind") == ["twin"]
        assert re.fullmatch(r"[0-9a-f]{64}", values(props, "firmware_hash")[0])
        assert values(props, "plan_hash") == [ad01.plan.plan_hash]
        assert values(props, "model") == ["ad01_int8"]
        assert float(values(props, "latency_ms")[0]) == pytest.approx(printed[f"{board}@twin"][1], rel=1e-5)
        assert values(props, "tinyhil_version") == [__version__]
        assert values(props, "arm_none_eabi_gcc")[0].startswith("arm-none-eabi-gcc")
        assert values(props, "qemu")[0].startswith("QEMU emulator version")
        (log_path,) = values(props, "console_log")
        log_text = Path(log_path).read_text()
        assert Path(log_path).is_relative_to(pytester.path / "logs")
        assert f"m-plan-hash-[0x{ad01.plan.plan_hash}]" in log_text
        assert "> infer 1 0%" in log_text and "m-results-[" in log_text
    # The M7 twin models fewer cycles than the M4 for the same plan (dual issue, faster clock too).
    assert printed[f"{F746}@twin"][0] < printed[f"{F446}@twin"][0]

    # Measurements went to the session's results store, one per board.
    with sqlite3.connect(pytester.path / "logs" / "results.db") as db:
        rows = db.execute("SELECT board, source, cycles_median, plan_hash, outputs_checked FROM measurements").fetchall()
    assert sorted(rows) == sorted(
        (f"{b}@twin", "emulated", printed[f"{b}@twin"][0], ad01.plan.plan_hash, 1) for b in (F446, F746)
    )


def test_several_duts_in_one_test_are_bit_exact_with_each_other_and_the_oracle(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_pluginrun_pair=f"""
        import numpy as np
        from harness.pytest_plugin import assert_bit_exact

        def test_pair(duts, tinyhil_board):
            assert [d.name for d in duts] == ["{F446}@twin", "{F746}@twin"]
            assert [s.target_name for s in tinyhil_board] == [d.name for d in duts]
            m4, m7 = duts
            x = np.random.default_rng(7).integers(-128, 128, size=(1, 640), dtype=np.int8)
            out_m4 = m4.run({str(AD01)!r}, x)
            out_m7 = m7.run({str(AD01)!r}, x)
            assert_bit_exact(out_m4, out_m7, what="M4 vs M7")
            from harness.pytest_plugin.models import prepared
            assert_bit_exact(out_m4, prepared({str(AD01)!r}).expected(x), what="M4 vs TFLM")
            assert m4.client.identity().core == "cortex-m4"
            assert m7.client.identity().core == "cortex-m7"
    """)
    xml = pytester.path / "junit.xml"
    result = run_suite(pytester, "--twin", "--board", f"{F446}|{F746}", f"--junitxml={xml}")
    result.assert_outcomes(passed=1)
    (props,) = junit_cases(xml).values()
    assert values(props, "target") == [f"{F446}@twin", f"{F746}@twin"]
    logs = values(props, "console_log")
    assert len(logs) == 2 and all(Path(p).is_file() for p in logs)
    assert "m-core-[cortex-m4]" in Path(logs[0]).read_text()
    assert "m-core-[cortex-m7]" in Path(logs[1]).read_text()


def test_markers_choose_the_boards_a_test_runs_on(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_pluginrun_markers=f"""
        import pytest

        @pytest.mark.core("cortex-m7")
        def test_m7(dut):
            assert dut.client.identity().core == "cortex-m7"

        @pytest.mark.min_sram(200)
        def test_big_sram(board):
            assert board.board.sram_bytes >= 200 * 1024

        @pytest.mark.board("{F446}")
        def test_only_f446(board):
            assert board.board.name == "{F446}"

        @pytest.mark.twin_only
        def test_twin(board):
            assert board.is_twin

        @pytest.mark.hardware_only
        def test_hardware(board):
            raise AssertionError("must not run on a twin")
    """)
    result = run_suite(pytester, "--twin", "--board", F446, "--board", F746)
    # Runs: m7 on F746, big_sram on F746, only_f446 on F446, twin on both.
    result.assert_outcomes(passed=5, skipped=5)
    out = result.stdout.str()
    assert f"{F446}@twin: core cortex-m4, test needs cortex-m7" in out
    assert f"{F446}@twin: 128 KiB SRAM, test needs at least 200 KiB" in out
    assert f"{F746}@twin: test is for {F446}" in out
    assert "test is hardware_only" in out


def test_absent_real_boards_skip_with_the_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_pluginrun_absent="""
        import pytest

        def test_any(dut):
            raise AssertionError("no board is attached here")

        @pytest.mark.board("nucleo-f767zi")
        def test_declared(board):
            raise AssertionError("no board is attached here")
    """)
    result = run_suite(pytester, "--board", F446, subprocess=True)
    result.assert_outcomes(skipped=2)
    assert result.ret == 0
    out = result.stdout.str()
    assert f"{F446} is not attached" in out and f"--board {F446}@twin" in out
    assert "test is for nucleo-f767zi" in out

    # Without --board, a test that declares its board looks for that board; others say how to choose.
    result = run_suite(pytester, subprocess=True)
    result.assert_outcomes(skipped=2)
    out = result.stdout.str()
    assert "no board selected" in out
    assert "nucleo-f767zi is not attached" in out

    # --hardware refuses twins named explicitly.
    result = run_suite(pytester, "--hardware", "--board", f"{F446}@twin", subprocess=True)
    result.assert_outcomes(skipped=2)
    assert "--hardware runs real boards only" in result.stdout.str()


def test_a_board_failing_repeatedly_is_marked_broken_and_skipped(pytester: pytest.Pytester) -> None:
    # The F446 twin's console goes through a proxy that closes as soon as the twin says anything:
    # the twin never boots for the harness. The F746 twin is untouched.
    pytester.makeconftest(f"""
        import pytest
        from harness.pytest_plugin.fault_injection import faulty_twin_consoles
        from harness.transports.fault_proxy import FaultPlan

        @pytest.fixture(scope="session")
        def tinyhil_twin_console():
            return faulty_twin_consoles({{"{F446}": FaultPlan(close_after_device_bytes=0, direction="from_device")}})
    """)
    pytester.makepyfile(test_pluginrun_many="""
        import pytest

        @pytest.mark.parametrize("i", range(5))
        def test_name(dut, i):
            assert dut.client.name() == f"tinyhil-{dut.name}"
    """)
    xml = pytester.path / "junit.xml"
    result = run_suite(pytester, "--twin", "--board", F446, "--board", F746, f"--junitxml={xml}")
    result.assert_outcomes(passed=5, failed=3, skipped=2)
    out = result.stdout.str()
    assert re.search(rf"SKIPPED \[2\] .*: board {F446}@twin is marked broken after 3 consecutive failures", out)
    assert re.search(rf"{F446}@twin: broken after 3 board fault\(s\); last: .*TwinError", out)
    root = ET.parse(xml).getroot()
    outcome = {}
    for case in root.iter("testcase"):
        kind = "skipped" if case.find("skipped") is not None else "failed" if case.find("failure") is not None else "passed"
        outcome[case.get("name")] = kind
    assert [outcome[f"test_name[{F446}@twin-{i}]"] for i in range(5)] == ["failed"] * 3 + ["skipped"] * 2
    assert all(outcome[f"test_name[{F746}@twin-{i}]"] == "passed" for i in range(5))


def test_a_board_recovers_after_isolated_faults(pytester: pytest.Pytester) -> None:
    # QEMU is killed under three of the tests; the plugin restarts the twin before the next test,
    # and since the faults are never three in a row the board stays in use.
    pytester.makepyfile(test_pluginrun_flaky="""
        import pytest

        @pytest.mark.parametrize("kill", [True, False, True, True, False, True])
        def test_name(dut, kill):
            if kill:
                dut.boot()
                dut.target.session.proc.kill()
                dut.target.session.proc.wait()
            assert dut.client.name() == f"tinyhil-{dut.name}"
    """)
    result = run_suite(pytester, "--twin", "--board", F446)
    result.assert_outcomes(passed=2, failed=4)
    out = result.stdout.str()
    assert "DutDisconnected" in out or "DutTimeout" in out
    assert "marked broken" not in out
    assert f"{F446}@twin: suspect after 4 board fault(s)" in out


def test_expect_failure_shows_the_console_and_the_test_log(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_pluginrun_expect="""
        def test_expect(dut):
            dut.write("name")
            assert dut.expect(r"m-name-dut-\\[(.*)\\]").group(1) == f"tinyhil-{dut.name}"
            dut.write("profile")
            dut.expect("m-no-such-line", timeout=0.5)
    """)
    result = run_suite(pytester, "--twin", "--board", F746)
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert f"{F746}@twin: no console line matching 'm-no-such-line' within 0.5 s" in out
    assert "lines read while waiting" in out
    assert "| m-profile-[" in out and "| m-model-[" in out
    log_path = Path(re.search(r"console log: (\S+)", out).group(1))
    assert log_path.is_relative_to(pytester.path / "logs")
    text = log_path.read_text()
    assert "> profile%" in text and "m-profile-[" in text


def test_latency_assertion_on_a_twin_gives_the_modelled_numbers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_pluginrun_budget=f"""
        from harness.pytest_plugin import assert_latency

        def test_budget(profile_model):
            assert_latency(profile_model({str(AD01)!r}), max_ms=0.5)
    """)
    result = run_suite(pytester, "--twin", "--board", F446)
    result.assert_outcomes(failed=1)
    match = re.search(r"ad01_int8 on nucleo-f446re@twin: modelled latency ([\d.]+) ms \((\d+) cycles at 180 MHz\) "
                      r"exceeds the budget of 0.5 ms", result.stdout.str())
    assert match, result.stdout.str()
    assert float(match.group(1)) == pytest.approx(int(match.group(2)) / 180e6 * 1e3, rel=1e-3)


def test_board_scope_comes_from_the_ini_file(pytester: pytest.Pytester) -> None:
    # With function scope every test gets the board afresh (a new boot in its console log);
    # with the default session scope the second test finds the twin already running.
    pytester.makepyfile(test_pluginrun_scope="""
        def test_first(dut):
            assert dut.client.name()

        def test_second(dut):
            assert dut.client.name()
    """)
    for scope, boots_in_second in (("function", True), ("session", False)):
        pytester.makeini(f"[pytest]\ntinyhil_board_scope = {scope}\n")
        xml = pytester.path / f"junit-{scope}.xml"
        result = run_suite(pytester, "--twin", "--board", F446, f"--junitxml={xml}")
        result.assert_outcomes(passed=2)
        props = junit_cases(xml)[f"test_second[{F446}@twin]"]
        second_log = Path(values(props, "console_log")[0]).read_text()
        assert ("m-init-done" in second_log) is boots_in_second, (scope, second_log)


def test_usage_errors_are_reported_before_any_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_pluginrun_x="def test_x(board):\n    pass\n")
    result = run_suite(pytester, "--twin", "--hardware")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--twin and --hardware exclude each other" in result.stderr.str()

    result = run_suite(pytester, "--board", "nucleo-nosuch")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "unknown board 'nucleo-nosuch'" in result.stderr.str() and F746 in result.stderr.str()

    result = run_suite(pytester, "--board", F446, "--board", F746, "--port", "/dev/ttyACM0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "write --port BOARD=/dev/ttyACM0" in result.stderr.str()

    pytester.makeini("[pytest]\ntinyhil_board_scope = forever\n")
    result = run_suite(pytester, "--twin")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "tinyhil_board_scope = 'forever'" in result.stderr.str()


def test_example_suite_passes_on_both_twins(pytester: pytest.Pytester) -> None:
    xml = pytester.path / "junit.xml"
    result = run_suite(pytester, str(REPO_ROOT / "examples" / "hil_suite"), "--twin", "--board", F446, "--board", F746,
                       "--hil-models", "ad01_int8", f"--junitxml={xml}")
    # Per board: ad01 budget + repeat runs, identity, protocol (the DWT test is hardware_only);
    # plus the two-board test.
    result.assert_outcomes(passed=9, skipped=2)
    cases = junit_cases(xml)
    budget = cases[f"test_model_meets_its_latency_budget[ad01_int8-{F746}@twin]"]
    assert values(budget, "model") == ["ad01_int8"] and values(budget, "kind") == ["twin"]
    pair = cases["test_m4_and_m7_agree[nucleo-f446re|nucleo-f746zg]"]  # the id is the test's own parameter
    assert values(pair, "target") == [f"{F446}@twin", f"{F746}@twin"]


def test_explicit_port_and_probe_make_a_real_board_target(pytester: pytest.Pytester) -> None:
    # No probe is attached here, so nothing talks to the board: the test only takes the target,
    # which shows the resource (port, probe ID from the ini file) reached the driver unchanged.
    pytester.makeini(f"[pytest]\ntinyhil_probe_ids =\n    {F446}=0668FF000000000000000001\n")
    pytester.makepyfile(test_pluginrun_hw=f"""
        def test_target(board, tinyhil_port, tinyhil_probe_id):
            assert not board.is_twin and board.name == "{F446}"
            assert board.port == "rfc2217://127.0.0.1:4001"
            assert board.flasher.probe_id == "0668FF000000000000000001"
            assert tinyhil_port == {{"{F446}": "rfc2217://127.0.0.1:4001"}}
            assert tinyhil_probe_id == {{"{F446}": "0668FF000000000000000001"}}
    """)
    xml = pytester.path / "junit.xml"
    result = run_suite(pytester, "--hardware", "--board", F446, "--port", "rfc2217://127.0.0.1:4001", f"--junitxml={xml}")
    result.assert_outcomes(passed=1)
    (props,) = junit_cases(xml).values()
    assert values(props, "kind") == ["hardware"]
    assert values(props, "port") == ["rfc2217://127.0.0.1:4001"]
    assert values(props, "probe_id") == ["0668FF000000000000000001"]
    assert re.fullmatch(r"[0-9a-f]{64}", values(props, "firmware_hash")[0])
    assert values(props, "console_log") == []  # nothing was said on a console
