"""Reading the timing plugin's output file, complete or while QEMU is still writing it.

Format (one record per line, see firmware_templates/qemu_plugin/timing_plugin.c)::

    # tinyhil-timing 1 model=m4
    region <index> <instructions> <cycles>
    unclosed <index> <instructions> <cycles>
    total <instructions> <cycles>
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

HEADER_PREFIX = "# tinyhil-timing 1 "


class PluginOutputError(ValueError):
    """The plugin's output file is malformed or incomplete."""


@dataclass(frozen=True)
class Count:
    instructions: int
    cycles: int


@dataclass
class PluginOutput:
    model: str | None = None
    regions: list[Count] = field(default_factory=list)
    unclosed: Count | None = None
    total: Count | None = None


def _parse_line(path: Path, lineno: int, line: str, result: PluginOutput) -> None:
    if line.startswith("#"):
        if line.startswith(HEADER_PREFIX):
            for item in line[len(HEADER_PREFIX) :].split():
                key, _, value = item.partition("=")
                if key == "model":
                    result.model = value
        return
    parts = line.split()
    try:
        numbers = [int(x) for x in parts[1:]]
    except ValueError:
        numbers = []
    kind = parts[0] if parts else ""
    if kind == "region" and len(numbers) == 3:
        if numbers[0] != len(result.regions):
            raise PluginOutputError(f"{path}:{lineno}: region {numbers[0]} out of order (expected {len(result.regions)})")
        result.regions.append(Count(numbers[1], numbers[2]))
        return
    if kind == "unclosed" and len(numbers) == 3:
        result.unclosed = Count(numbers[1], numbers[2])
        return
    if kind == "total" and len(numbers) == 2:
        result.total = Count(numbers[0], numbers[1])
        return
    raise PluginOutputError(f"{path}:{lineno}: unexpected line {line!r}")


def parse_plugin_output(path: Path, *, require_total: bool = True) -> PluginOutput:
    """Parse the whole file. ``require_total``: the run must have finished (QEMU exited normally)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise PluginOutputError(f"{path}: cannot read timing plugin output: {exc.strerror}") from None
    result = PluginOutput()
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.strip():
            _parse_line(path, lineno, line.strip(), result)
    if result.model is None:
        raise PluginOutputError(f"{path}: missing '# tinyhil-timing' header (did the plugin load?)")
    if require_total and result.total is None:
        raise PluginOutputError(f"{path}: no 'total' line: QEMU did not exit normally")
    return result


class PluginOutputTail:
    """Follows the output file of a running QEMU: ``poll()`` returns regions completed since the last call."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._offset = 0
        self._pending = ""
        self._lineno = 0
        self.output = PluginOutput()

    def poll(self) -> list[Count]:
        try:
            with self.path.open("r") as fh:
                fh.seek(self._offset)
                chunk = fh.read()
                self._offset = fh.tell()
        except FileNotFoundError:
            return []
        text = self._pending + chunk
        lines = text.split("\n")
        self._pending = lines.pop()  # an incomplete last line waits for the next poll
        before = len(self.output.regions)
        for line in lines:
            self._lineno += 1
            if line.strip():
                _parse_line(self.path, self._lineno, line.strip(), self.output)
        return self.output.regions[before:]
