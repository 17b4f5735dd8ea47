"""Where the mock's state lives: in this process (`memory`), in a SQLite file shared by
the workers of one host, or in Redis shared by several hosts (`jobmock serve --state`).

`State` is the one way the server changes the mock; `open_log` reads a `--state` value.
"""

from __future__ import annotations

import sqlite3

from ..contract.secrets import redact
from ..exceptions import SpecError, StoreUnavailable
from .log import Log
from .state import State

__all__ = ["Log", "State", "open_log"]


def open_log(url: str) -> Log | None:
    """The store a `--state` value names: None for `memory`; SpecError for a bad value."""
    if url == "memory":
        return None
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis import RedisLog

        store = RedisLog(url)
        try:
            store.ping()
        except StoreUnavailable as exc:
            raise SpecError("--state", [], f"cannot reach Redis at {store.url}: {exc.__cause__ or exc}") from exc
        return store
    if "://" in url and not url.startswith("sqlite:///"):
        raise SpecError(
            "--state", [], f"{redact(url)!r}: use memory, a SQLite file (./jobmock.db, sqlite:///path) or redis://"
        )
    from .sqlite import SqliteLog

    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    try:
        SqliteLog.check(path)
    except (OSError, sqlite3.Error) as exc:  # a folder we cannot write, or a file that is not a database
        raise SpecError("--state", [], f"cannot open the SQLite file {path}: {exc}") from exc
    return SqliteLog(path)
