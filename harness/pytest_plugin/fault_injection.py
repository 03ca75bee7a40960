"""Route a twin's console through the fault-injection proxy, from a suite's conftest:

    from harness.pytest_plugin.fault_injection import faulty_twin_consoles
    from harness.transports.fault_proxy import FaultPlan

    @pytest.fixture(scope="session")
    def tinyhil_twin_console():
        return faulty_twin_consoles({"nucleo-f446re": FaultPlan(drop_rate=0.001, seed=1)})

Each QEMU the twin starts (one per plan, and one per recovery) gets a fresh proxy with the plan,
reseeded from the plan's seed and a counter so that a run can be replayed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from harness.transports.fault_proxy import FaultPlan, FaultProxy, FaultStats


class ProxiedConsoles:
    """A twin target's ``console_url``: QEMU's port -> the URL of a new proxy in front of it."""

    def __init__(self, plan: FaultPlan):
        self.plan = plan
        self.connections = 0
        self.stats: list[FaultStats] = []
        self._proxy: FaultProxy | None = None

    def __call__(self, port: int) -> str:
        self.close()
        self.connections += 1
        proxy = FaultProxy(port, replace(self.plan, seed=self.plan.seed * 100_003 + self.connections))
        self._proxy = proxy.__enter__()
        self.stats.append(proxy.stats)
        return proxy.url

    def close(self) -> None:
        if self._proxy is not None:
            self._proxy.close()
            self._proxy = None


def faulty_twin_consoles(plans: Mapping[str, FaultPlan]) -> Callable[[str], ProxiedConsoles | None]:
    """A ``tinyhil_twin_console`` value: the boards named in ``plans`` get a faulty link, others a clean one."""
    unknown = [name for name in plans if "@" in name]
    if unknown:
        raise ValueError(f"faulty_twin_consoles: expected board names without '@twin', got {unknown}")
    return lambda board: ProxiedConsoles(plans[board]) if board in plans else None
