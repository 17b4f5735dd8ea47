"""The log's lines, as a request cannot shape them: control characters escaped, and at most
one warning line per request.

What a request carries (a query parameter's name, a path, a header) reaches the log through
messages of Connexion ("Function argument … not defined in specification", one per unknown
parameter), uvicorn and jobmock itself. A raw ESC or newline there would let anyone who can
send a request clear the terminal reading the log, or forge a line such as
`jobmock: serving on …`; a request with 63 unknown parameters would write 63 lines.

`install()` puts one filter on the loggers of jobmock, Connexion, Starlette and uvicorn: it
hides what `contract.secrets.redact` finds in a record's message, escapes every control
character in it (`\\x1b`, `\\n`; in a traceback all but its newlines), and drops a
request's second warning (or error) and those after it.
`OneWarningPerRequest` is the layer that tells the filter which request a record belongs to.
"""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar

from ...contract.secrets import redact
from ..gauges import OPEN
from ..types import ASGIApp, Receive, Scope, Send

LOGGERS = ("jobmock", "connexion", "starlette", "uvicorn", "uvicorn.error", "uvicorn.asgi")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")


class _Request:
    """A request's warnings so far; `open` until it is answered (a task it started, which
    inherits this, logs freely from then on)."""

    __slots__ = ("open", "warnings")

    def __init__(self) -> None:
        self.warnings = 0
        self.open = True


_REQUEST: ContextVar[_Request | None] = ContextVar("jobmock_request", default=None)


def escape(text: str, pattern: re.Pattern[str] = CONTROL) -> str:
    """Text with its control characters written as escapes (`\\x1b`, `\\n`, `\\u2028`)."""
    return pattern.sub(_escaped, text)


def _escaped(m: re.Match[str]) -> str:
    code = ord(m[0])
    return {10: "\\n", 13: "\\r", 9: "\\t"}.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


class LogLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            request = _REQUEST.get()
            if request is not None and request.open:
                request.warnings += 1
                if request.warnings > 1:
                    OPEN.quieted_warnings += 1  # counted in /status: none goes unseen
                    return False  # this request has written its warning line
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not format: the handler says so, as it would
            return True
        shown = escape(redact(message))
        if shown != message:
            record.msg, record.args = shown, None
        if record.exc_info and not record.exc_text:
            record.exc_text = escape(logging.Formatter().formatException(record.exc_info), CONTROL_BUT_NEWLINE)
        return True


_FILTER = LogLines()


def install() -> None:
    """Filter the records of jobmock's, Connexion's, Starlette's and uvicorn's loggers (those
    that exist now: call it after importing them). Idempotent."""
    names = set(LOGGERS) | {
        name for name in logging.Logger.manager.loggerDict if name.split(".")[0] in {n.split(".")[0] for n in LOGGERS}
    }
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


class OneWarningPerRequest:
    """Each request (and what it starts) counts its own warnings for `LogLines`."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = _Request()
        token = _REQUEST.set(request)
        try:
            await self.app(scope, receive, send)
        finally:
            request.open = False
            _REQUEST.reset(token)
