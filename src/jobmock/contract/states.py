"""What a job status means, from its name alone: the vocabulary that lets jobmock read a
lifecycle from a vendor's document that declares none (issue 21).

Each value is split into lowercase words (`IN_PROGRESS`, `inProgress`, `in-progress` and
`in progress` all read `in progress`) and classified by the first rule that holds:

- cancelling: a cancel word with `requested`, `request` or `pending`; `cancelling`,
  `canceling`, `stopping`; `to be deleted`.
- cancelled: `cancelled`, `canceled`, `cancel`, `aborted`, `stopped`, `killed`, `terminated`,
  `revoked`, `deleted`.
- failed: `failed`, `failure`, `fail`, `error`, `errored`, `expired`, `timeout`, `timed out`,
  `exceeded`, `rejected`, `incomplete`, `invalid`, `faulted`, `fault`.
- succeeded: `succeeded`, `success`, `successful`, `completed`, `complete`, `done`, `finished`,
  `ready`, `processed`.
- initial: `queued`, `pending`, `created`, `not started`, `submitted`, `scheduled`, `waiting`,
  `accepted`, `received`, `enqueued`, `initiated`, `initialized`, `requested`; `new` alone.
- working: `processing`, `running`, `in progress`, `started`, `starting`, `validating`,
  `validated`, `finalizing`, `active`, or any word of five letters or more ending in `-ing`;
  and `retrying`, read before the other rules (`RETRYING_AFTER_ERROR` is under way).

Words every value of a field begins with (`TRAINING_OPERATION_STATUS_`) are left out first.
A value none of them takes is unclassified: jobmock treats it as a working state and says so.
One more rule reads a pair: where no value is a success word, the past form of a working
`-ing` value (`dubbing` then `dubbed`) is the success.

Pure: no I/O, no HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

StateClass = Literal["initial", "working", "succeeded", "failed", "cancelling", "cancelled"]
TERMINAL: tuple[StateClass, ...] = ("succeeded", "failed", "cancelled")

_CANCEL = {"cancel", "cancelled", "canceled", "cancellation", "cancelation", "cancelling", "canceling"}
_RULES: tuple[tuple[StateClass, frozenset[str], tuple[tuple[str, ...], ...]], ...] = (
    # (class, any of these words, or any of these phrases); cancelling is decided before these
    (
        "cancelled",
        frozenset(
            {"cancelled", "canceled", "cancel", "aborted", "stopped", "killed", "terminated", "revoked", "deleted"}
        ),
        (),
    ),
    (
        "failed",
        frozenset(
            {"failed", "failure", "fail", "error", "errored", "expired", "timeout", "exceeded", "rejected"}
            | {"incomplete", "invalid", "faulted", "fault"}
        ),
        (("timed", "out"),),
    ),
    (
        "succeeded",
        frozenset({"succeeded", "success", "successful", "completed", "complete", "done", "finished", "ready"})
        | {"processed"},
        (),
    ),
    (
        "initial",
        frozenset({"queued", "pending", "created", "submitted", "scheduled", "waiting", "accepted"})
        | {"received", "enqueued", "initiated", "initialized", "requested"},
        (("not", "started"),),
    ),
    (
        "working",
        frozenset({"processing", "running", "started", "starting", "validating", "validated", "finalizing", "active"}),
        (("in", "progress"),),
    ),
)
_EARLY = frozenset({"starting", "started", "validating", "validated", "preparing", "preprocessing", "loading"})
_LATE = frozenset({"finalizing", "finalising", "finishing", "postprocessing", "compressing", "uploading", "saving"})


@dataclass(frozen=True)
class Classified:
    """A status value, what it means, and why jobmock reads it so."""

    value: str
    kind: StateClass | None  # None: no rule took it (served as a working state)
    reason: str


def words(value: str) -> tuple[str, ...]:
    """`IN_PROGRESS`, `inProgress`, `in-progress`: ('in', 'progress')."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", value)
    return tuple(w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w)


def classify(value: str, common: int = 0) -> Classified:
    """The class of one status value by its words (see the module's table); `common`: how
    many leading words every value of its field shares (`TRAINING_OPERATION_STATUS_`),
    which say nothing about it."""
    said = words(value)[common:]
    if said[:1] == ("new",) and len(said) == 1:
        return Classified(value, "initial", "the word 'new'")
    found = set(said)
    if found & _CANCEL and found & {"requested", "request", "pending", "cancelling", "canceling"}:
        return Classified(value, "cancelling", "a cancel that is asked for, not yet done")
    if found & {"cancelling", "canceling", "stopping"}:
        return Classified(value, "cancelling", f"'{next(iter(found & {'cancelling', 'canceling', 'stopping'}))}'")
    if found & {"retrying", "retry"}:
        return Classified(value, "working", "tried again: still under way")
    if _phrase(said, ("to", "be", "deleted")) or _phrase(said, ("to", "be", "cancelled")):
        return Classified(value, "cancelling", "on its way to being removed")
    for kind, vocabulary, phrases in _RULES:
        hit = next((w for w in said if w in vocabulary), None)
        if hit is not None:
            return Classified(value, kind, f"the word '{hit}'")
        phrase = next((p for p in phrases if _phrase(said, p)), None)
        if phrase is not None:
            return Classified(value, kind, f"the words '{' '.join(phrase)}'")
    ing = next((w for w in said if w.endswith("ing") and len(w) > 4), None)
    if ing is not None:
        return Classified(value, "working", f"'{ing}': something under way")
    return Classified(value, None, "no word jobmock knows; served as a working state")


def classify_all(values: Sequence[str]) -> list[Classified]:
    """Each value classified, the pair rule applied (see the module's docstring)."""
    split = [words(v) for v in values]
    common = 0
    while len(values) > 1 and all(len(w) > common + 1 and w[common] == split[0][common] for w in split):
        common += 1
    found = [classify(v, common) for v in values]
    if any(c.kind == "succeeded" for c in found):
        return found
    stems = {_stem(w[:-3]) for c in found if c.kind == "working" for w in words(c.value) if w.endswith("ing")}
    return [
        Classified(c.value, "succeeded", f"the past of a working '-ing' state ('{c.value}')")
        if c.kind in (None, "working") and any(w.endswith("ed") and _stem(w[:-2]) in stems for w in words(c.value))
        else c
        for c in found
    ]


def working_order(values: Sequence[str]) -> list[str]:
    """Working states in the order a job passes them: the document's order, except that a
    name saying early (`starting`, `validating`) comes first and one saying late
    (`finalizing`, `uploading`) last."""

    def rank(value: str) -> int:
        said = set(words(value))
        return 0 if said & _EARLY else 2 if said & _LATE else 1

    return sorted(values, key=rank)  # stable: the document's order within a rank


def _phrase(said: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(said[i : i + n] == phrase for i in range(len(said) - n + 1))


def _stem(word: str) -> str:
    """`dubb` and `dub` alike: a doubled last consonant and a final `e` dropped."""
    word = word.rstrip("e")
    return word[:-1] if len(word) > 2 and word[-1] == word[-2] else word
