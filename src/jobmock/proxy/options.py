"""`ProxyOptions`: every setting of `jobmock proxy`, checked once, before anything binds.

The command line and the Python API make the same object, so a bad value is refused the
same way from both: a `SpecError` naming the option (`jobmock: --upstream: 'ftp://x':
...`), exit status 2, before the spec is loaded or a port is bound. Each option is an
`options.Option` (`PROXY`), read as `serve` reads its own (`read_proxy_options`): from the
command line, or else the JOBMOCK_* variable named after its flag (`--max-polls` is
JOBMOCK_MAX_POLLS), by the same code, so that a bad variable is named as a bad flag is.

The jobmock inside the proxy (its control API, dashboard, journal, and the mock that
answers for `--mock` and `--mock-when-down`) takes `serve`'s own options where they apply
(`mock_options`, a `ServeOptions`: seed, clock, scenarios, control token, bounds); what only
a server of its own decides (the spec, host, port, workers, shared state) is the proxy's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..exceptions import SpecError
from ..options import EMBEDDED, OPTIONS, Option, ServeOptions, number, read_options, read_plugins, read_values, whole


@dataclass(frozen=True)
class ProxyOptions:
    spec: str  # a bundled API name or a document path, loaded as `serve` and `check` load it
    upstream: str  # the API's base URL (as `check --url`): its server URL's path included
    host: str = "127.0.0.1"
    port: int = 8080
    connect_timeout: float = 5.0  # seconds to open a connection to the upstream
    read_timeout: float = 30.0  # seconds between two reads of the upstream's answer
    total_timeout: float = 60.0  # seconds from the request to the answer ready to relay
    max_body_bytes: int = 10 * 1024 * 1024  # a request body past it is refused 413; an answer past it is not judged
    ca_bundle: str | None = None  # a PEM file of CA certificates trusted besides the system's
    max_polls: int = 50  # polls kept per followed job: its first and the newest
    max_jobs: int = 1000  # jobs followed at once; the one seen longest ago is dropped first
    max_violations: int = 10_000  # violations kept for /_jobmock/violations; the oldest dropped first
    # --record: each job seen, a fixture `serve --fixtures` replays (`recording.py`)
    record: str | None = None  # the folder the fixtures go to, one file per job; made if missing
    max_recorded: int = 100  # jobs recorded in a run; those seen after them are counted, not recorded
    errors: bool = False  # --errors: a request breaking the document is refused 422, an answer breaking it is a 502
    mock_when_down: bool = False  # the upstream cannot be reached (connect error or timeout): the mock answers
    mock: tuple[str, ...] = ()  # operations the mock always answers: an operationId or `METHOD /path`
    # on stop, the report `jobmock check` writes (`reporting.py`): printed, and as JUnit XML in `report`
    report: str | None = None  # --report FILE.xml: written when the proxy stops
    fail_on_violations: bool = False  # --fail-on-violations: exit status 1 when it stops having found any
    mock_options: ServeOptions = field(default_factory=ServeOptions)  # the jobmock inside (`options.EMBEDDED` apply)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mock", tuple(self.mock))  # a list given in Python
        if self.mock_options.workers != 1 or self.mock_options.state != "memory":
            raise SpecError("mock_options", [], "the jobmock inside the proxy runs in its process, in memory: "
                            "no --workers or --state")  # fmt: skip
        parts = urlsplit(self.upstream)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SpecError("--upstream", [], f"{self.upstream!r}: must be the API's http(s) base URL")
        if parts.username is not None or parts.password is not None:
            raise SpecError("--upstream", [], "carries user:password@: send credentials from the client, per request")
        if parts.query or parts.fragment:
            raise SpecError("--upstream", [], f"{self.upstream!r}: a base URL has no query or fragment")
        for name, seconds in (
            ("--connect-timeout", self.connect_timeout),
            ("--read-timeout", self.read_timeout),
            ("--total-timeout", self.total_timeout),
        ):
            if not seconds > 0:
                raise SpecError(name, [], f"{seconds!r}: must be above 0 seconds")
        for name, count, least in (
            ("--max-body-bytes", self.max_body_bytes, 1),
            ("--max-polls", self.max_polls, 2),
            ("--max-jobs", self.max_jobs, 1),
            ("--max-violations", self.max_violations, 1),
            ("--max-recorded", self.max_recorded, 1),
        ):
            if count < least:
                raise SpecError(name, [], f"'{count}': must be {least} or more")
        if not 0 <= self.port <= 65535:
            raise SpecError("--port", [], f"'{self.port}': must be 0 to 65535")
        if self.ca_bundle is not None and not Path(self.ca_bundle).is_file():
            raise SpecError("--ca-bundle", [], f"{self.ca_bundle!r}: no such file")
        if self.record is not None:
            _check_record_folder(self.record)
        if self.report is not None:
            _check_report_file(self.report)

    @property
    def origin(self) -> str:
        """The only origin the proxy reaches: the upstream's scheme, host and port."""
        parts = urlsplit(self.upstream)
        return f"{parts.scheme}://{parts.netloc}"


def _check_record_folder(folder: str) -> None:
    """--record names a folder jobmock may write to, or one it may make (its nearest existing
    parent writable): refused before anything binds, not when the first job ends."""
    path = Path(folder).absolute()
    if path.exists() and not path.is_dir():
        raise SpecError("--record", [], f"{folder!r}: not a folder")
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise SpecError("--record", [], f"{folder!r}: cannot write there")


def _check_report_file(name: str) -> None:
    """--report names a file jobmock may write in a folder that exists: refused before
    anything binds, not when the proxy stops and the report is all there is."""
    path = Path(name).absolute()
    if path.is_dir():
        raise SpecError("--report", [], f"{name!r}: a folder, not a file")
    if not path.parent.is_dir() or not os.access(path.parent, os.W_OK | os.X_OK):
        raise SpecError("--report", [], f"{name!r}: cannot write there")
    if path.exists() and not os.access(path, os.W_OK):
        raise SpecError("--report", [], f"{name!r}: cannot write there")


_DEFAULTS = {f.name: None if f.default is MISSING else f.default for f in fields(ProxyOptions)}
MOCKED = "the mock as a fallback"
REPORT = "the report, when the proxy stops"


def _option(name: str, said: str, **given: Any) -> Option:
    return Option(name, said, default_value=_DEFAULTS[name], **given)


# the proxy's own options, as `add_arguments` makes them flags and `read_values` reads them
PROXY: tuple[Option, ...] = (
    _option("upstream", "the API's base URL, as check --url (required)", metavar="URL"),
    _option("host", "address to listen on"),
    _option("port", "port to listen on; 0: a free one", read=whole(0, 65535)),
    _option("connect_timeout", "seconds to open a connection to the upstream", read=number(), metavar="SECONDS"),
    _option("read_timeout", "seconds between two reads of the upstream's answer", read=number(), metavar="SECONDS"),
    _option("total_timeout", "seconds until the answer can be relayed", read=number(), metavar="SECONDS"),
    _option(
        "max_body_bytes",
        "a larger request body is refused 413; a larger answer is relayed unjudged",
        read=whole(1),
        metavar="N",
    ),
    _option("ca_bundle", "PEM certificates to trust besides the system's", metavar="FILE"),
    _option("max_polls", "polls kept per followed job", read=whole(2), metavar="N"),
    _option("max_jobs", "jobs followed at once", read=whole(1), metavar="N"),
    _option("max_violations", "violations kept for /_jobmock/violations", read=whole(1), metavar="N"),
    _option(
        "record", "write each job seen as a scenario `serve --fixtures DIR` replays, one file per job", metavar="DIR"
    ),
    _option("max_recorded", "jobs recorded in a run", read=whole(1), metavar="N"),
    _option(
        "errors",
        "refuse a request that breaks the document with 422 before it reaches the upstream, and turn "
        "an answer that breaks it into 502, both in the document's error envelope (default: flag them only)",
        switch=True,
    ),
    _option(
        "report",
        "also write what was found as JUnit XML, as check --report does (the text is printed either way)",
        metavar="FILE.xml",
        group=REPORT,
    ),
    _option(
        "fail_on_violations",
        "exit with status 1 having found a violation (default: 0, the report says)",
        switch=True,
        group=REPORT,
    ),
    _option(
        "mock",
        "always answer this operation from the mock: an operationId or 'METHOD /path', as check "
        "--include takes them (repeatable); requests about a job the mock made stay with it",
        repeat=True,
        metavar="OPERATION",
        group=MOCKED,
    ),
    _option(
        "mock_when_down",
        "when the upstream cannot be reached (connect error or timeout), the mock answers",
        switch=True,
        group=MOCKED,
    ),
    next(option for option in OPTIONS if option.name == "plugins"),  # serve's --plugin: lifecycle checks too
)
MOCK_PREFIX = "mock."  # argparse's dest of the jobmock inside's options (`options.EMBEDDED`): serve's own


def read_proxy_options(spec: str, given: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> ProxyOptions:
    """ProxyOptions from argparse's values (`vars(args)`: the proxy's options, and the jobmock
    inside's under `mock.`) and the JOBMOCK_* variables, read for what the command line does not
    give. Plugins load first (`--plugin`, JOBMOCK_PLUGINS), as for `serve`: their lifecycle
    checks are run on the jobs followed, their clock modes known to the jobmock inside."""
    environ = os.environ if environ is None else environ
    read_plugins(given, environ, PROXY)
    values = read_values(given, environ, [option for option in PROXY if option.name != "plugins"])
    if "upstream" not in values:
        raise SpecError("--upstream", [], "required: the API's base URL (or JOBMOCK_UPSTREAM)")
    mocked = {name.removeprefix(MOCK_PREFIX): value for name, value in given.items() if name.startswith(MOCK_PREFIX)}
    return ProxyOptions(spec, **values, mock_options=read_options(mocked, environ, EMBEDDED))
