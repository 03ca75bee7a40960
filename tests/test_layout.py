"""The repository layout rules the test collection depends on."""

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).parent


def test_test_module_basenames_are_unique():
    # tests/ has no __init__.py files, so pytest imports test modules by basename: two files with
    # the same name in different folders make collection fail.
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    clashes = sorted(name for name, n in names.items() if n > 1)
    assert not clashes, f"test modules with the same basename in different folders: {clashes}"
