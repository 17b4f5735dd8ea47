"""A job API's declared lifecycle: its states, which are initial, working and terminal,
and the transitions between them (x-jobmock). The declaration only; plans and
snapshots over time are the simulation's (`jobmock.sim.plans`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Approval:
    """A state in which a job waits for a person's decision (x-jobmock.approval): approving
    moves it to `approve` (a working state, then on to success, or a terminal one), rejecting
    to `reject`."""

    state: str
    approve: str
    reject: str


@dataclass(frozen=True)
class Lifecycle:
    """States and transitions as declared in a spec's x-jobmock extension."""

    states: tuple[str, ...]
    initial: str
    working: tuple[str, ...]
    terminal: tuple[str, ...]
    transitions: Mapping[str, tuple[str, ...]]
    cancelled: str | None = None
    cancelling: str | None = None  # the state a cancel passes through on its way to `cancelled`
    approval: Approval | None = None
    initial_seconds: tuple[float, float] = (1.0, 3.0)
    working_seconds: tuple[float, float] = (10.0, 25.0)

    def is_terminal(self, state: str) -> bool:
        return state in self.terminal

    def allows(self, before: str, after: str) -> bool:
        return before == after or after in self.transitions.get(before, ())

    def reachable(self, start: str | None = None) -> set[str]:
        """States reachable from `start` (the initial state by default), `start` included."""
        first = self.initial if start is None else start
        seen = {first}
        todo = [first]
        while todo:
            for after in self.transitions.get(todo.pop(), ()):
                if after not in seen:
                    seen.add(after)
                    todo.append(after)
        return seen


def success_state(lifecycle: Lifecycle) -> str:
    """The terminal state that means success: 'completed' or the first terminal one."""
    for name in ("completed", "succeeded", "success", "done"):
        if name in lifecycle.terminal:
            return name
    return lifecycle.terminal[0]
