from harness.runtime.board_health import BoardHealth, BoardState


def test_board_is_broken_after_consecutive_failures_only():
    health = BoardHealth("nucleo-f446re@twin", max_consecutive_failures=3)
    assert health.record_failure("timeout") is BoardState.SUSPECT
    health.record_success()
    assert health.state is BoardState.READY and health.consecutive_failures == 0
    health.record_failure("timeout")
    health.record_failure("garbage on the line")
    assert health.usable
    assert health.record_failure("console vanished") is BoardState.BROKEN
    assert not health.usable and "console vanished" in health.skip_reason()
    health.record_success()  # a broken board stays broken for the rest of the run
    assert health.state is BoardState.BROKEN and health.total_failures == 4
