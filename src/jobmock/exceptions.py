"""Every error jobmock raises, in one hierarchy rooted at `JobmockError`.

Each class carries the HTTP `status` the web layer answers it with, so operations pick a
status by the exception's type, never by its message. The bottom of the import layers:
this module imports nothing of jobmock's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

PathItem = str | int


class JobmockError(Exception):
    """Base of every jobmock error."""

    status = 500


# --- files: specs, fixtures, config ----------------------------------------------------


class SpecError(JobmockError):
    """A problem in a spec, fixture or config file (or a start-up option), located as
    precisely as we can: file, line and the place (a JSON path) in it."""

    def __init__(self, file: object, where: Sequence[PathItem], message: str, line: int | None = None):
        self.file = str(file)
        self.where = list(where)
        self.message = message
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        place = self.file + (f":{self.line}" if self.line else "")
        pointer = "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in self.where)  # JSON Pointer
        return f"{place}: {pointer or '(document)'}: {self.message}"


class SpecErrors(JobmockError):
    """Every problem found in one or more files; start-up stops on any of them."""

    def __init__(self, errors: Iterable[SpecError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def startup_message(exc: SpecError | SpecErrors) -> str:
    """What `jobmock` prints when it cannot start: one line for a bad option or variable
    (`jobmock: --max-jobs: '0': must be 1 or more`), else every problem with its file and line."""
    if isinstance(exc, SpecError) and exc.file.startswith(("--", "JOBMOCK_")):
        return f"jobmock: {exc.file}: {exc.message}"
    return f"jobmock: cannot start, fix the spec first:\n{exc}"


# --- requests the mock refuses ---------------------------------------------------------


class RequestError(JobmockError):
    """A request the mock cannot honour as asked; the message says why."""

    status = 400


class JobError(RequestError):
    """A job that cannot be made: unknown API or type, a bad override or duration."""


class UnknownScenario(RequestError, LookupError):
    """A scenario name the API does not have; the message lists the known ones."""


class ClockError(RequestError):
    """A clock request out of range or of an unknown mode."""


class AuthError(RequestError):
    """A missing or malformed credential; the message says what was expected.

    `kind` is what went wrong, as a vendor may word each differently: `missing` (no
    credential sent), `scheme` (an Authorization header of another scheme than the one
    asked: not `Bearer <token>`) or `invalid` (a credential of the wrong form, or not one
    of `serve --key`). `challenges`: the `WWW-Authenticate` values the refusal carries, one
    per kind of scheme the operation takes; `operation`: (method, path template) of the
    operation refused, whose documented 401 answers it."""

    status = 401

    def __init__(
        self,
        message: str,
        kind: str = "invalid",
        challenges: Sequence[str] = (),
        operation: tuple[str, str] | None = None,
    ):
        super().__init__(message)
        self.kind = kind
        self.challenges = tuple(challenges)
        self.operation = operation


class NotFound(JobmockError, LookupError):
    """No such job (in this namespace)."""

    status = 404


class LifecycleError(JobmockError, ValueError):
    """A plan or a move the declared lifecycle does not allow (cancel a finished job)."""

    status = 409


class NamespaceFull(RequestError):
    """A namespace at its job bound with no finished job to make room."""

    status = 409


class PayloadTooLarge(JobError):
    """A job whose `fields` take more bytes than `--max-job-bytes`."""

    status = 413


class StoreUnavailable(JobmockError):
    """The shared store (`--state`) cannot be reached: answered 503, with Retry-After."""

    status = 503
    retry_after = 2  # seconds: about how long a store restart takes


class IdTaken(JobError):
    """A job id already used (or deleted) in this namespace."""

    status = 409


# --- the checker and the control client ------------------------------------------------


class CheckUsageError(JobmockError, ValueError):
    """`check` cannot start: bad arguments, an unreadable spec, an unknown check name."""

    status = 400


class ConnectionDropped(JobmockError, ConnectionError):
    """A fault script's `drop`, raised out of the app where no socket can be reset (an
    in-process client such as httpx's ASGITransport): what a dropped connection looks like there."""


class ControlError(JobmockError):
    """A running jobmock's control API refused a request; the message is its problem detail."""

    def __init__(self, message: str, status: int = 500):
        super().__init__(message)
        self.status = status
