"""The request journal as `GET /_jobmock/journal` and `/_jobmock/status` show it: numbered entries,
oldest first, within a bound of entries and one of bytes; and a journaled request read back the same
from a shared store, in one order across processes.
"""

from __future__ import annotations

import json

import pytest

from jobmock.sim.journal import Journal, JournalEntry, RawRequest


def raw(
    path: str = "/v1/jobs/x", query: str = "", client: str = "c", marks: dict[str, str] | None = None
) -> RawRequest:
    return RawRequest(1.0, "GET", path, query, client, 200, marks or {}, None)


def paths(journal: Journal) -> list[str]:
    return [request.path for _seq, request in journal.raw()]


def test_entries_are_numbered_from_one_oldest_first() -> None:
    journal = Journal()
    for n in range(3):
        journal.add(raw(path=f"/v1/jobs/{n}"))
    assert [(seq, request.path) for seq, request in journal.raw()] == [
        (1, "/v1/jobs/0"),
        (2, "/v1/jobs/1"),
        (3, "/v1/jobs/2"),
    ]
    assert len(journal) == 3


def test_past_its_entries_bound_the_oldest_go_and_the_numbers_go_on() -> None:
    journal = Journal(max_entries=3)
    for n in range(5):
        journal.add(raw(path=f"/v1/jobs/{n}"))
    assert [seq for seq, _request in journal.raw()] == [3, 4, 5]
    assert paths(journal) == ["/v1/jobs/2", "/v1/jobs/3", "/v1/jobs/4"]
    assert len(journal) == 3 and journal.evicted == 2


def test_a_journal_holds_exactly_its_entries_bound() -> None:
    journal = Journal(max_entries=2)
    journal.add(raw())
    journal.add(raw())
    assert len(journal) == 2 and journal.evicted == 0


def test_an_entry_counts_200_bytes_with_its_path_query_and_client_and_40_a_mark() -> None:
    journal = Journal()
    journal.add(raw(path="/p", query="a=1", client="key"))
    assert journal.bytes == 200 + 2 + 3 + 3
    journal.add(raw(path="", query="", client="", marks={"x-jobmock-fault": "429", "x-jobmock-status": "done"}))
    assert journal.bytes == 208 + 200 + 80


def test_past_its_bytes_bound_the_oldest_go_and_the_bytes_counted_fall() -> None:
    journal = Journal(max_bytes=1000)
    for n in range(4):
        journal.add(raw(path="/" + str(n) * 299, query="", client=""))  # 500 bytes each
    assert paths(journal) == ["/" + "2" * 299, "/" + "3" * 299]
    assert journal.bytes == 1000 and journal.evicted == 2


def test_an_entry_larger_than_the_bytes_bound_is_not_kept() -> None:
    journal = Journal(max_bytes=300)
    journal.add(raw())
    journal.add(raw(path="/" + "x" * 300))
    assert len(journal) == 0 and journal.bytes == 0 and journal.evicted == 2


def test_clearing_empties_it_and_the_numbers_go_on() -> None:
    journal = Journal()
    journal.add(raw())
    journal.add(raw())
    journal.clear()
    assert journal.raw() == [] and len(journal) == 0 and journal.bytes == 0
    journal.add(raw(path="/after"))
    assert [(seq, request.path) for seq, request in journal.raw()] == [(3, "/after")]
    assert journal.bytes == 200 + 6 + 1


def test_a_request_reads_back_the_same_from_a_shared_store() -> None:
    request = RawRequest(
        1_700_000_000.25, "POST", "/v1/jobs", "a=1", "key 1a2b", None, {"x-jobmock-fault": "drop"}, "2", "w1", 7
    )
    assert RawRequest.decoded(json.loads(request.encoded())) == request
    assert RawRequest.decoded(request.to_json()) == request  # as older stores kept it
    assert json.loads(request.encoded()) == [
        1_700_000_000.25, "POST", "/v1/jobs", "a=1", "key 1a2b", None, {"x-jobmock-fault": "drop"}, "2", "w1", 7,
    ]  # fmt: skip


def test_a_request_keeps_every_field_it_reports() -> None:
    request = RawRequest(2.5, "GET", "/p", "q=1", "c", 429, {"m": "v"}, "1", "w2", 3)
    assert request.to_json() == {
        "at": 2.5,
        "method": "GET",
        "path": "/p",
        "query": "q=1",
        "client": "c",
        "status": 429,
        "marks": {"m": "v"},
        "retry_after": "1",
        "origin": "w2",
        "n": 3,
    }


def test_requests_of_several_processes_order_by_arrival_then_process_then_their_order() -> None:
    def at(when: float, origin: str, n: int) -> RawRequest:
        return RawRequest(when, "GET", "/", "", "c", 200, {}, None, origin, n)

    requests = [at(2.0, "a", 1), at(1.0, "b", 9), at(1.0, "a", 5), at(1.0, "a", 2)]
    ordered = sorted(requests, key=lambda request: request.stamp)
    assert [(r.at, r.origin, r.n) for r in ordered] == [(1.0, "a", 2), (1.0, "a", 5), (1.0, "b", 9), (2.0, "a", 1)]


@pytest.mark.parametrize(
    ("at", "shown"),
    [
        (1_700_000_000.0, "2023-11-14T22:13:20.000Z"),
        (1_700_000_000.1234, "2023-11-14T22:13:20.123Z"),
        (0.0, "1970-01-01T00:00:00.000Z"),
    ],
)
def test_a_journal_entry_shows_its_time_in_utc_to_the_millisecond(at: float, shown: str) -> None:
    entry = JournalEntry(3, at, "GET", "/v1/jobs/j", "", "c", "neuraldraft", "j", 200, "done", None, None)
    assert entry.to_json() == {
        "seq": 3,
        "at": shown,
        "method": "GET",
        "path": "/v1/jobs/j",
        "query": "",
        "client": "c",
        "api": "neuraldraft",
        "job": "j",
        "status": 200,
        "job_status": "done",
        "fault": None,
        "retry_after": None,
    }
