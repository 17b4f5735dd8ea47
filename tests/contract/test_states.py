"""The status vocabulary (`contract.states`): what a value means by its name alone."""

from __future__ import annotations

import pytest

from jobmock.contract.states import classify, classify_all, words, working_order

ISSUE_VOCABULARY = {  # every value issue 21 names, with the class it must get
    "queued": "initial",
    "pending": "initial",
    "created": "initial",
    "not_started": "initial",
    "starting": "working",
    "validating": "working",
    "processing": "working",
    "running": "working",
    "in_progress": "working",
    "finalizing": "working",
    "succeeded": "succeeded",
    "completed": "succeeded",
    "done": "succeeded",
    "success": "succeeded",
    "failed": "failed",
    "error": "failed",
    "errored": "failed",
    "expired": "failed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "aborted": "cancelled",
    "cancelling": "cancelling",
}


@pytest.mark.parametrize(("value", "kind"), sorted(ISSUE_VOCABULARY.items()))
def test_the_issues_vocabulary_in_any_case_and_spelling(value: str, kind: str) -> None:
    camel = "".join(w.capitalize() for w in value.split("_"))
    for spelling in (value, value.upper(), camel, value.replace("_", "-"), value.replace("_", " ")):
        assert classify(spelling).kind == kind, spelling


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("CANCELLATION_REQUESTED", "cancelling"),
        ("cancel_requested", "cancelling"),
        ("RunningToBeDeleted", "cancelling"),
        ("DeletedByUserRequest", "cancelled"),
        ("FAILED_VALIDATION", "failed"),
        ("TIMEOUT_EXCEEDED", "failed"),
        ("timed_out", "failed"),
        ("ErrorDuringRun", "failed"),
        ("RETRYING_AFTER_ERROR", "working"),
        ("CompletedEmptyRecords", "succeeded"),
        ("initiated", "initial"),
        ("new", "initial"),
        ("CONTINUED_AS_NEW", None),  # 'new' only alone: a Temporal workflow's own state
        ("compressing", "working"),
        ("requires_action", None),
        ("Paused", None),
    ],
)
def test_vendor_spellings_seen_in_the_corpus(value: str, kind: str | None) -> None:
    found = classify(value)
    assert found.kind == kind
    assert found.reason  # every decision says why


def test_words_split_every_spelling_alike() -> None:
    assert words("IN_PROGRESS") == words("inProgress") == words("in-progress") == words("in progress")
    assert words("ErrorDuringRun") == ("error", "during", "run")


def test_the_past_of_a_working_state_is_the_success_only_when_no_value_says_success() -> None:
    dubbing = {c.value: c.kind for c in classify_all(["dubbed", "dubbing", "failed"])}
    assert dubbing == {"dubbed": "succeeded", "dubbing": "working", "failed": "failed"}
    mistral = {c.value: c.kind for c in classify_all(["QUEUED", "VALIDATING", "VALIDATED", "RUNNING", "SUCCESS"])}
    assert mistral["VALIDATED"] == "working"  # SUCCESS is the success


def test_words_every_value_shares_are_left_out() -> None:
    values = [f"TRAINING_OPERATION_STATUS_{s}" for s in ("UNSPECIFIED", "PENDING", "RUNNING", "COMPLETED", "FAILED")]
    kinds = [c.kind for c in classify_all(values)]
    assert kinds == [None, "initial", "working", "succeeded", "failed"]  # 'training' is no working word here


def test_working_states_keep_the_documents_order_unless_their_names_say_early_or_late() -> None:
    assert working_order(["in_progress", "finalizing", "validating"]) == ["validating", "in_progress", "finalizing"]
    assert working_order(["running", "compressing", "uploading"]) == ["running", "compressing", "uploading"]
    assert working_order(["STARTED", "VALIDATING", "VALIDATED", "RUNNING"]) == [
        "STARTED",
        "VALIDATING",
        "VALIDATED",
        "RUNNING",
    ]
