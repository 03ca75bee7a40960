"""The DUT speaks the MLPerf Tiny protocol and says which board it is."""

from __future__ import annotations

import pytest


def test_identity_matches_the_board(dut) -> None:
    identity = dut.client.identity()
    assert identity.board == dut.board.name
    assert identity.core == dut.board.core.name
    assert identity.clock_hz == dut.board.clock_hz
    assert identity.variant == ("twin" if dut.is_twin else "real")
    assert dut.firmware_hash.startswith(identity.firmware)


def test_protocol_replies(dut) -> None:
    dut.write("name")
    assert dut.expect(r"m-name-dut-\[(.+)\]").group(1).startswith("tinyhil-")
    dut.expect_exact("m-ready")
    dut.write("profile")
    dut.expect_exact("m-profile-[ULPMark for tinyML Firmware V0.0.1]")
    dut.expect_exact("m-ready")
    dut.write("bogus")
    dut.expect_exact("e-[Unknown command: bogus]")
    dut.expect_exact("m-ready")


@pytest.mark.hardware_only
def test_cycle_counter_runs(dut) -> None:
    """On a real board the DWT cycle counter is what the latency comes from."""
    assert dut.client.identity().cycle_counter == "dwt"
