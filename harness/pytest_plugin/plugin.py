"""tinyhil's pytest plugin: boards, DUTs and latency assertions for hardware-in-the-loop test suites.

    pytest examples/hil_suite --twin --board nucleo-f446re --board nucleo-f746zg
    pytest examples/hil_suite --board nucleo-f746zg            # the attached board, or a clean skip
    pytest tests_hil --board 'nucleo-f446re|nucleo-f746zg'     # two DUTs in one test (``duts``)

Every test that uses a board fixture runs once per ``--board`` set. Markers filter the sets
(``board``, ``core``, ``min_sram``, ``twin_only``, ``hardware_only``); a board that is absent, or
that failed three tests in a row with a board fault, is skipped with the reason. Each test's
console is saved under the log directory and named, with the board, firmware and plan hashes and
tool versions, in the test's JUnit properties.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from harness.pytest_plugin import console_logs
from harness.pytest_plugin.pool import BoardPool, ConsoleFactory, find_board_fault
from harness.pytest_plugin.selection import (
    BoardSelectionError,
    BoardSpec,
    MarkerFilter,
    parse_board_set,
    set_id,
)
from harness.pytest_plugin.tool_versions import tool_versions

if TYPE_CHECKING:  # the runtime parts load on first use, keeping the plugin cheap for other test runs
    from harness.pytest_plugin.dut import Dut
    from harness.pytest_plugin.measurement import Measurement
    from harness.pytest_plugin.models import ModelLike

log = logging.getLogger(__name__)

BOARD_PARAM = "tinyhil_board"
SCOPES = ("session", "package", "module", "class", "function")
MARKERS = (
    "board(*names): run only on these boards (catalog names; a twin counts as its board)",
    "core(*names): run only on boards with one of these cores, e.g. 'cortex-m7'",
    "min_sram(kib): run only on boards with at least this much SRAM (KiB)",
    "twin_only: run only on emulated twins",
    "hardware_only: run only on real boards",
)
NO_BOARD_REASON = ("no board selected: name the attached boards with --board NAME (see `tinyhil doctor`), "
                   "or run on the emulated twins with --twin")


# ---- session state -------------------------------------------------------------------------------


@dataclass
class ItemContext:
    """What the plugin knows about one test that uses boards."""

    specs: tuple[BoardSpec, ...]
    log_before: dict[BoardSpec, dict[Path, int]] = field(default_factory=dict)
    plans_before: dict[BoardSpec, int] = field(default_factory=dict)
    measurements: list[Measurement] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    set_up: bool = False  # passed the plugin's skip checks
    ran: bool = False


@dataclass
class PluginState:
    twin: bool
    hardware: bool
    board_sets: list[tuple[BoardSpec, ...]]
    ports: dict[str, str]
    probe_ids: dict[str, str]
    db_option: Path | None
    logdir_option: Path | None
    scope: str
    pool: BoardPool
    _logdir: Path | None = None
    _store: Any = None
    _run: Any = None

    @property
    def logdir(self) -> Path:
        if self._logdir is None:
            if self.logdir_option is not None:
                self._logdir = self.logdir_option
            else:
                from harness.paths import RESULTS_DIR

                stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
                self._logdir = RESULTS_DIR / "pytest-logs" / f"{stamp}-{secrets.token_hex(2)}"
            self._logdir.mkdir(parents=True, exist_ok=True)
        return self._logdir

    @property
    def logdir_used(self) -> bool:
        return self._logdir is not None

    def store(self):
        if self._store is None:
            from harness.store.results_store import ResultsStore

            self._store = ResultsStore(self.db_option or self.logdir / "results.db")
        return self._store

    def run(self):
        """The store's run record for this pytest session (begun on first use)."""
        if self._run is None:
            versions = tool_versions()
            args = {"session": secrets.token_hex(8), "boards": [set_id(s) for s in self.board_sets], "twin": self.twin}
            self._run = self.store().begin_run("pytest", args, compiler_version=versions["arm_none_eabi_gcc"],
                                               qemu_version=versions["qemu"])
        return self._run


_STATE = pytest.StashKey[PluginState]()
_ITEM = pytest.StashKey[ItemContext]()


def _state(config: pytest.Config) -> PluginState:
    return config.stash[_STATE]


def _board_scope(fixture_name: str, config: pytest.Config) -> str:
    return _state(config).scope


# ---- options ------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tinyhil", "tinyhil hardware-in-the-loop boards")
    group.addoption("--board", action="append", default=[], metavar="NAME[|NAME...]",
                    help="run board tests on this board set (repeatable; 'a|b' gives one test several DUTs; "
                         "NAME@twin is the board's emulated twin)")
    group.addoption("--twin", action="store_true", default=False,
                    help="use the emulated twins (QEMU) of the selected boards (of all catalog boards without --board)")
    group.addoption("--hardware", action="store_true", default=False,
                    help="real boards only: twins are skipped")
    group.addoption("--probe-id", action="append", default=[], metavar="[BOARD=]ID",
                    help="debug probe unique ID of a board (default: found by USB serial number; see `tinyhil doctor`)")
    group.addoption("--port", action="append", default=[], metavar="[BOARD=]PORT",
                    help="console port (or pyserial URL such as rfc2217://host:port) of a board")
    group.addoption("--tinyhil-db", default=None, metavar="PATH",
                    help="results database to store measurements in (default: results.db in the log directory)")
    group.addoption("--tinyhil-logdir", default=None, metavar="DIR",
                    help="where each test's console log goes (default: results/pytest-logs/<time>)")
    parser.addini("tinyhil_board_scope", default="session",
                  help=f"scope of the board/boards fixtures: one of {', '.join(SCOPES)} (default session)")
    parser.addini("tinyhil_probe_ids", type="linelist", default=[],
                  help="BOARD=ID lines: the bench's probe of each board (--probe-id overrides)")
    parser.addini("tinyhil_ports", type="linelist", default=[],
                  help="BOARD=PORT lines: the bench's console of each board (--port overrides)")
    parser.addini("tinyhil_max_board_failures", default="3",
                  help="consecutive board faults after which a board is marked broken and skipped (default 3)")


def _per_board(values: list[str], option: str, board_sets: list[tuple[BoardSpec, ...]]) -> dict[str, str]:
    """``BOARD=VALUE`` entries (or one bare VALUE when exactly one real board is selected)."""
    real = sorted({s.name for group in board_sets for s in group if not s.twin})
    out: dict[str, str] = {}
    for raw in values:
        for entry in (e.strip() for e in raw.split("|")):
            if not entry:
                continue
            name, sep, value = entry.partition("=")
            if not sep or any(c in name for c in "/:?"):  # a bare port or URL (which may hold '=')
                if len(real) != 1:
                    raise pytest.UsageError(
                        f"{option} {entry}: with {len(real)} real boards selected, write {option} BOARD={entry}"
                    )
                name, value = real[0], entry
            name = name.removesuffix("@twin")
            try:
                from harness.boards import get_board

                name = get_board(name).name
            except KeyError as exc:
                raise pytest.UsageError(f"{option} {entry}: {exc}") from None
            if not value:
                raise pytest.UsageError(f"{option} {entry}: expected {name}=VALUE with a value")
            out[name] = value
    return out


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    twin = bool(config.getoption("twin"))
    hardware = bool(config.getoption("hardware"))
    if twin and hardware:
        raise pytest.UsageError("--twin and --hardware exclude each other: choose emulated twins or real boards")
    try:
        board_sets = [parse_board_set(value, twin=twin) for value in config.getoption("board")]
    except BoardSelectionError as exc:
        raise pytest.UsageError(f"--board: {exc}") from None
    scope = str(config.getini("tinyhil_board_scope")).strip() or "session"
    if scope not in SCOPES:
        raise pytest.UsageError(f"tinyhil_board_scope = {scope!r}: expected one of {', '.join(SCOPES)}")
    try:
        failures = int(str(config.getini("tinyhil_max_board_failures")))
        if failures < 1:
            raise ValueError
    except ValueError:
        raise pytest.UsageError(
            f"tinyhil_max_board_failures = {config.getini('tinyhil_max_board_failures')!r}: expected a whole number >= 1"
        ) from None
    ports = {**_per_board(config.getini("tinyhil_ports"), "tinyhil_ports", board_sets),
             **_per_board(config.getoption("port"), "--port", board_sets)}
    probe_ids = {**_per_board(config.getini("tinyhil_probe_ids"), "tinyhil_probe_ids", board_sets),
                 **_per_board(config.getoption("probe_id"), "--probe-id", board_sets)}
    db = config.getoption("tinyhil_db")
    logdir = config.getoption("tinyhil_logdir")
    config.stash[_STATE] = PluginState(
        twin=twin, hardware=hardware, board_sets=board_sets, ports=ports, probe_ids=probe_ids,
        db_option=Path(db).expanduser() if db else None,
        logdir_option=Path(logdir).expanduser().resolve() if logdir else None,
        scope=scope,
        pool=BoardPool(ports=ports, probe_ids=probe_ids, max_consecutive_failures=failures),
    )
    state = config.stash[_STATE]
    # Target work directories (full console logs, QEMU output) live in the log directory, so every
    # path an error message names still exists after the run.
    state.pool.workroot_parent = lambda: state.logdir / "targets"


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash.get(_STATE, None)
    if state is None or not (state.board_sets or state.twin or state.hardware):
        return []
    sets = ", ".join(set_id(s) for s in state.board_sets) or ("all catalog boards' twins" if state.twin else "none")
    mode = "twins" if state.twin else "real boards only" if state.hardware else "as named"
    return [f"tinyhil: boards {sets} ({mode}); board fixture scope {state.scope}"]


# ---- parametrization -------------------------------------------------------------------------------


# The plugin's fixtures that lead to a board set: a test that parametrizes one of these itself
# (directly) means its own values, and is left alone.
_BOARD_FIXTURES = {BOARD_PARAM, "board", "boards", "dut", "duts", "profile_model"}


def _parametrized_by_test(metafunc: pytest.Metafunc) -> bool:
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0] if mark.args else mark.kwargs.get("argnames", "")
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",")]
        if _BOARD_FIXTURES & set(names):
            return True
    return False


def _default_sets(metafunc: pytest.Metafunc, state: PluginState) -> list[tuple[BoardSpec, ...]] | None:
    if state.board_sets:
        return state.board_sets
    names: list[str] = []
    for mark in metafunc.definition.iter_markers("board"):
        names += [str(a) for a in mark.args]
    if names:
        try:
            return [parse_board_set(n, twin=state.twin) for n in dict.fromkeys(names)]
        except BoardSelectionError as exc:
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: @pytest.mark.board: {exc}") from None
    if state.twin:
        from harness.boards import load_catalog

        return [(BoardSpec(name, True),) for name in sorted(load_catalog())]
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if BOARD_PARAM not in metafunc.fixturenames or _parametrized_by_test(metafunc):
        return
    state = _state(metafunc.config)
    sets = _default_sets(metafunc, state)
    if sets is None:
        metafunc.parametrize(BOARD_PARAM, [None], indirect=True, ids=["no-board"], scope=state.scope)
        return
    metafunc.parametrize(BOARD_PARAM, [set_id(s) for s in sets], indirect=True,
                         ids=[set_id(s) for s in sets], scope=state.scope)


def _skip(reason: str) -> None:
    """Skip the test being set up, reported at the test's own location rather than this file's
    (the keyword is how pytest's own skip markers do it; older pytest lacks it)."""
    try:
        exc = pytest.skip.Exception(reason, _use_item_location=True)
    except TypeError:  # pragma: no cover - pytest before 7
        exc = pytest.skip.Exception(reason)
    raise exc


def _item_specs(item: pytest.Item, state: PluginState) -> tuple[BoardSpec, ...] | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None or BOARD_PARAM not in callspec.params:
        return None
    value = callspec.params[BOARD_PARAM]
    if value is None:
        return ()
    try:
        return parse_board_set(value, twin=state.twin)
    except BoardSelectionError as exc:
        pytest.fail(f"{BOARD_PARAM}: {exc}", pytrace=False)


# ---- per-test lifecycle ------------------------------------------------------------------------------


def _target_workdir(state: PluginState, spec: BoardSpec) -> Path:
    target = state.pool.existing_target(spec)
    return Path(target.workdir) if target is not None else state.pool.workroot / spec.target_name.replace("@", "-")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    state = item.config.stash.get(_STATE, None)
    if state is None:
        return
    specs = _item_specs(item, state)
    if specs is None:
        return
    ctx = ItemContext(specs)
    item.stash[_ITEM] = ctx
    if not specs:
        _skip(NO_BOARD_REASON)
    markers = MarkerFilter.from_markers(item.iter_markers())
    for spec in specs:
        reason = markers.skip_reason(spec, hardware_mode=state.hardware)
        if reason:
            _skip(reason)
    for spec in specs:
        reason = state.pool.skip_reason(spec)
        if reason:
            _skip(reason)
    for spec in specs:
        ctx.log_before[spec] = console_logs.snapshot(_target_workdir(state, spec))
        target = state.pool.existing_target(spec)
        ctx.plans_before[spec] = len(getattr(target, "loaded_plans", ())) if target is not None else 0
    ctx.set_up = True
    for spec in specs:
        state.pool.recover_if_needed(spec)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    report = yield
    ctx = item.stash.get(_ITEM, None)
    state = item.config.stash.get(_STATE, None)
    if ctx is None or state is None or not ctx.specs:
        return report
    if report.when == "call" and (report.passed or report.failed):
        ctx.ran = True
    if report.failed and call.excinfo is not None:
        fault = find_board_fault(call.excinfo.value)
        if fault is not None:
            short = (getattr(fault, "short", None) or str(fault)).splitlines()[0]
            message = f"{item.nodeid} ({report.when}): {type(fault).__name__}: {short}"
            ctx.faults.append(message)
            for spec in _faulty_specs(fault, ctx.specs, state):
                state.pool.record_failure(spec, message)
    if report.when == "teardown" and ctx.ran and not ctx.faults:
        for spec in ctx.specs:
            state.pool.record_success(spec)
    return report


def _faulty_specs(fault: BaseException, specs: tuple[BoardSpec, ...], state: PluginState) -> list[BoardSpec]:
    """The boards of a multi-DUT test that a fault came from (all of them when it cannot be told)."""
    if len(specs) == 1:
        return list(specs)
    log_path = getattr(fault, "log_path", None)
    hits = []
    for spec in specs:
        target = state.pool.existing_target(spec)
        if log_path is not None and target is not None and Path(log_path).is_relative_to(Path(target.workdir)):
            hits.append(spec)
    if not hits:
        text = str(fault)
        hits = [s for s in specs if s.target_name in text or (s.twin and f"{s.name} twin" in text)]
    return hits or list(specs)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    try:
        return (yield)
    finally:
        ctx = item.stash.get(_ITEM, None)
        state = item.config.stash.get(_STATE, None)
        if ctx is not None and state is not None and ctx.specs:
            try:
                item.user_properties.extend(_test_properties(item, ctx, state))
            except Exception as exc:  # properties must never turn a result into an error
                log.warning("%s: could not record tinyhil properties: %s", item.nodeid, exc)


def _test_properties(item: pytest.Item, ctx: ItemContext, state: PluginState) -> list[tuple[str, str]]:
    props: list[tuple[str, str]] = []
    for spec in ctx.specs:
        props += [("board", spec.name), ("target", spec.target_name), ("kind", spec.kind)]
        target = state.pool.existing_target(spec)
        if target is None or not ctx.set_up:
            continue
        props.append(("firmware_hash", target.image.hash))
        if not spec.twin:
            props += [("port", str(getattr(target, "port", ""))), ("probe_id", str(target.flasher.probe_id))]
        for plan in dict.fromkeys(getattr(target, "loaded_plans", [])[ctx.plans_before.get(spec, 0):]):
            props.append(("plan_hash", plan))
        if spec in ctx.log_before:
            text = console_logs.new_console_text(Path(target.workdir), ctx.log_before[spec])
            if text:
                path = console_logs.per_test_log_path(state.logdir, item.nodeid, spec.target_name)
                console_logs.write_atomically(path, text)
                props.append(("console_log", str(path)))
    for m in ctx.measurements:
        props += [("model", m.model), ("latency_ms", f"{m.latency_ms:.6g}"), ("latency_source", m.source)]
    props += list(tool_versions().items())
    return props


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    lines = []
    for health in state.pool.health_records():
        if health.total_failures:
            lines.append(f"{health.name}: {health.state.value} after {health.total_failures} board fault(s); "
                         f"last: {health.last_error}")
    if state.logdir_used:
        lines.append(f"console logs: {state.logdir}")
    if lines:
        terminalreporter.section("tinyhil")
        for line in lines:
            terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is None:
        return
    state.pool.close()
    if state._store is not None:
        if state._run is not None:
            state._store.finish_run(state._run, "completed" if exitstatus == 0 else "failed")
        state._store.close()


# ---- fixtures: options ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tinyhil_twin(pytestconfig: pytest.Config) -> bool:
    """--twin: boards are their emulated twins."""
    return _state(pytestconfig).twin


@pytest.fixture(scope="session")
def tinyhil_hardware(pytestconfig: pytest.Config) -> bool:
    """--hardware: real boards only."""
    return _state(pytestconfig).hardware


@pytest.fixture(scope="session")
def tinyhil_port(pytestconfig: pytest.Config) -> dict[str, str]:
    """--port values by board name."""
    return dict(_state(pytestconfig).ports)


@pytest.fixture(scope="session")
def tinyhil_probe_id(pytestconfig: pytest.Config) -> dict[str, str]:
    """--probe-id values by board name."""
    return dict(_state(pytestconfig).probe_ids)


@pytest.fixture(scope="session")
def tinyhil_db(pytestconfig: pytest.Config) -> Path:
    """The results database measurements go to (--tinyhil-db, else results.db in the log directory)."""
    state = _state(pytestconfig)
    return state.db_option or state.logdir / "results.db"


@pytest.fixture(scope="session")
def tinyhil_logdir(pytestconfig: pytest.Config) -> Path:
    """--tinyhil-logdir: where each test's console log is saved."""
    return _state(pytestconfig).logdir


@pytest.fixture(scope=_board_scope)
def tinyhil_board(request: pytest.FixtureRequest) -> tuple[BoardSpec, ...]:
    """--board: this test instance's board set (parametrize it indirectly to pin a test to boards)."""
    value = getattr(request, "param", None)
    if value is None:
        pytest.skip(NO_BOARD_REASON)
    try:
        return parse_board_set(value, twin=_state(request.config).twin)
    except BoardSelectionError as exc:
        pytest.fail(f"{BOARD_PARAM}: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def tinyhil_twin_console() -> ConsoleFactory | None:
    """Override to route a twin's console through something (``board name -> (port -> URL)``),
    e.g. a fault-injection proxy; None connects to QEMU directly."""
    return None


# ---- fixtures: boards and DUTs -------------------------------------------------------------------


@pytest.fixture(scope=_board_scope)
def boards(request: pytest.FixtureRequest, tinyhil_board: tuple[BoardSpec, ...],
           tinyhil_twin_console: ConsoleFactory | None) -> Iterator[list]:
    """The targets (``harness.runtime.targets``) of this test's board set, in set order."""
    state = _state(request.config)
    targets = []
    for spec in tinyhil_board:
        reason = state.pool.skip_reason(spec)
        if reason:
            pytest.skip(reason)
        targets.append(state.pool.target(spec, tinyhil_twin_console))
    yield targets
    if state.scope != "session":
        for spec in tinyhil_board:
            state.pool.release(spec)


@pytest.fixture(scope=_board_scope)
def board(boards: list) -> Any:
    """The target of this test's (first) board: ``.client``, ``.load(model)``, ``.image.hash``, ``.is_twin``."""
    return boards[0]


@pytest.fixture
def duts(request: pytest.FixtureRequest, boards: list, tinyhil_board: tuple[BoardSpec, ...]) -> list[Dut]:
    """One Dut per board of this test's set (``--board 'a|b'``)."""
    from harness.pytest_plugin.dut import Dut

    state = _state(request.config)
    return [
        Dut(spec, target, test_log=console_logs.per_test_log_path(state.logdir, request.node.nodeid, spec.target_name))
        for spec, target in zip(tinyhil_board, boards, strict=True)
    ]


@pytest.fixture
def dut(duts: list[Dut]) -> Dut:
    """This test's (first) device under test: expect(), command(), load(), run()."""
    return duts[0]


@pytest.fixture(scope="session")
def results_store(pytestconfig: pytest.Config):
    """The session's ResultsStore (``--tinyhil-db``, else results.db in the log directory)."""
    return _state(pytestconfig).store()


@pytest.fixture
def profile_model(request: pytest.FixtureRequest, duts: list[Dut]) -> Callable[..., Measurement]:
    """``profile_model(model, dut=None, repeats=None, warmup=None, windows=None, check_inputs=1)``:
    check ``model``'s outputs against the TFLM oracle on a DUT, time it, store it; a Measurement."""
    from harness.pytest_plugin.measurement import ProfileOptions, measure

    state = _state(request.config)
    ctx = request.node.stash.get(_ITEM, None)

    def profile(model: ModelLike, *, dut: Dut | int | None = None, repeats: int | None = None,
                warmup: int | None = None, windows: int | None = None, check_inputs: int = 1, seed: int = 0,
                infer_timeout_s: float = 300.0) -> Measurement:
        chosen = duts[0] if dut is None else duts[dut] if isinstance(dut, int) else dut
        options = ProfileOptions(repeats=repeats, warmup=warmup, windows=windows, check_inputs=check_inputs,
                                 seed=seed, infer_timeout_s=infer_timeout_s)
        record, prepared_model = measure(chosen, model, options)
        if ctx is not None:
            ctx.measurements.append(record)
        _store_measurement(state, chosen, prepared_model, record)
        return record

    return profile


def _store_measurement(state: PluginState, dut: Dut, prepared_model: Any, record: Measurement) -> None:
    from harness.runtime.profiler import store_records

    board_rec, firmware, plan = store_records(dut.target, prepared_model)
    state.store().record_measurement(
        state.run(), prepared_model.record(), board_rec, list(record.cycles), instructions=record.instructions,
        firmware=firmware, plan=plan, outputs_checked=record.outputs_checked > 0, source=record.source,
    )
