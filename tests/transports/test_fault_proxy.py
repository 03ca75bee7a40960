"""The fault proxy against a real loopback echo server."""

from __future__ import annotations

import socket
import threading

import pytest

from harness.transports.fault_proxy import FaultPlan, FaultProxy


@pytest.fixture
def echo_server():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def serve():
        try:
            conn, _ = srv.accept()
        except OSError:
            return
        with conn:
            while data := conn.recv(4096):
                conn.sendall(data)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    srv.close()


def _roundtrip(port: int, payload: bytes, expect: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
        s.sendall(payload)
        got = b""
        try:
            while len(got) < expect:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
        except TimeoutError:
            pass
        return got


def test_clean_proxy_forwards_everything(echo_server):
    with FaultProxy(echo_server) as proxy:
        assert _roundtrip(proxy.port, b"name%" * 100, 500) == b"name%" * 100


def test_corruption_and_drops_are_seeded_and_counted(echo_server):
    payload = bytes(range(256)) * 4
    with FaultProxy(echo_server, FaultPlan(drop_rate=0.05, corrupt_rate=0.05, direction="from_device", seed=7)) as proxy:
        got = _roundtrip(proxy.port, payload, len(payload) - proxy.stats.dropped)
    assert proxy.stats.dropped > 0 and proxy.stats.corrupted > 0
    assert len(got) == len(payload) - proxy.stats.dropped and got != payload


def test_close_after_device_bytes(echo_server):
    with FaultProxy(echo_server, FaultPlan(close_after_device_bytes=10)) as proxy:
        got = _roundtrip(proxy.port, b"x" * 100, 100)
    assert got == b"x" * 10 and proxy.stats.closed_by_fault == 1
