"""Budgets of long work: when one is spent, what is left of it, and which one a checkpoint reads."""

from __future__ import annotations

import threading

import pytest

from kimnet.graph.model.errors import DeadlineError
from kimnet.graph.rules import deadline
from kimnet.graph.rules.deadline import Budget, budget, checkpoint


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """A monotonic clock that stands still at 100 s until a test moves it (the real one never stops)."""
    now = [100.0]
    monkeypatch.setattr(deadline.time, "monotonic", lambda: now[0])
    return now


def test_a_budget_is_spent_at_its_deadline_not_only_past_it(clock: list[float]) -> None:
    assert not Budget(100.5).spent
    assert Budget(100.0).spent
    assert Budget(99.0).spent


def test_what_remains_of_a_budget_is_never_below_nothing(clock: list[float]) -> None:
    assert Budget(101.5).remaining() == 1.5
    assert Budget(100.0).remaining() == 0.0
    assert Budget(99.0).remaining() == 0.0


def test_a_budget_within_some_seconds_ends_that_far_from_now(clock: list[float]) -> None:
    within = Budget.within(2.0)
    assert within.deadline == 102.0
    assert not within.spent
    clock[0] = 102.0
    assert within.spent


def test_a_cancelled_budget_is_spent_however_much_time_is_left(clock: list[float]) -> None:
    found = Budget(1000.0)
    cancel = threading.Thread(target=found.cancel)  # from any thread: the request's, not the work's
    cancel.start()
    cancel.join()
    assert found.spent
    assert found.remaining() == 900.0, "cancelling ends the work, not the clock"


def test_a_checkpoint_raises_only_under_a_spent_budget(clock: list[float]) -> None:
    checkpoint()  # no budget
    with budget(Budget(101.0)) as found:
        checkpoint()
        clock[0] = 101.0
        with pytest.raises(DeadlineError, match="longer than its deadline"):
            checkpoint()
    assert found.deadline == 101.0, "the block is given the budget it runs under"
    checkpoint()  # the budget ended with its block


def test_a_checkpoint_reads_the_innermost_budget_and_then_the_outer_one_again(clock: list[float]) -> None:
    outer = Budget(1000.0)
    with budget(outer):
        inner = Budget(1000.0)
        with budget(inner):
            inner.cancel()
            with pytest.raises(DeadlineError):
                checkpoint()
        checkpoint()  # the outer budget is not spent
        outer.cancel()
        with pytest.raises(DeadlineError):
            checkpoint()


def test_a_budget_holds_only_for_its_own_context(clock: list[float]) -> None:
    raised: list[bool] = []

    def elsewhere() -> None:
        try:
            checkpoint()
            raised.append(False)
        except DeadlineError:
            raised.append(True)

    with budget(Budget(0.0)):
        other = threading.Thread(target=elsewhere)  # a new thread starts with no budget of its own
        other.start()
        other.join()
    assert raised == [False]
