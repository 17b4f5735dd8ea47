"""`ServeOptions`: every option of `jobmock serve`, read from the command line or from
`JOBMOCK_*` environment variables by the same code (the ASGI factory, `--workers` and
the pytest plugin read them too; `jobmock proxy` reads its own options with it).

Each option is one `Option`: its flag, its variable (`--max-jobs` is JOBMOCK_MAX_JOBS),
its default and how its text is read. The command line wins over the environment. A bad
value is a `SpecError` that names the option (or the variable) and the value, in one line.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

from .contract.files import MAX_DOCUMENT_BYTES, MAX_FILE_BYTES
from .exceptions import SpecError
from .plugins import ENV as PLUGINS_ENV
from .plugins import load_plugins
from .server.policy import ControlPolicy
from .sim.clock import CLOCK_MODES
from .sim.limits import ConnectionLimits, Limits

PREFIX = "JOBMOCK_"


@dataclass(frozen=True)
class ServeOptions:
    """What `jobmock serve` serves and how. Build one with `ServeOptions(...)` in Python,
    `read_options(argv, environ)` from a command line, or `from_env(environ)`."""

    specs: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 8000
    seed: int = 0
    speed: float = 1.0
    validate_responses: bool = False
    keys: tuple[str, ...] = ()  # API=TOKEN
    server_vars: tuple[str, ...] = ()  # NAME=VALUE: a server URL variable of the documents
    overlays: tuple[str, ...] = ()  # files of an x-jobmock laid over a served document's own or inferred one
    fixtures: tuple[str, ...] = ()
    no_bundled_fixtures: bool = False
    config: str | None = None
    clock: str = "real"
    chaos: float = 0.0
    report_polling: bool = False
    state: str = "memory"
    workers: int = 1
    plugins: tuple[str, ...] = ()
    no_fast_paths: bool = False
    # connections (per process)
    max_connections: int = ConnectionLimits.max_connections
    keep_alive: int = ConnectionLimits.keep_alive
    header_timeout: float = ConnectionLimits.header_timeout
    # the control plane
    control_token: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    insecure_control: bool = False
    # bounds
    max_namespaces: int = Limits.namespaces
    namespace_ttl: float = Limits.namespace_ttl
    max_jobs: int = Limits.jobs
    max_spot_jobs: int = Limits.spot_jobs
    journal_entries: int = Limits.journal_entries
    journal_bytes: int = Limits.journal_bytes
    max_streams: int = Limits.streams
    stream_heartbeat: float = Limits.heartbeat
    log_bytes: int = Limits.log_bytes
    max_job_bytes: int = Limits.job_bytes
    stream_stall: float = Limits.stream_stall
    body_timeout: float = Limits.body_timeout
    max_file_bytes: int = MAX_FILE_BYTES  # each scenario file read at start-up (fixtures, config)
    max_document_bytes: int = MAX_DOCUMENT_BYTES  # each OpenAPI document read at start-up, and its $ref files
    mount: bool | None = field(default=None, repr=False)  # Python only: mount one API under /<name> too

    def __post_init__(self) -> None:
        self.limits  # noqa: B018 - a bad bound is refused here, with its option and value
        self.connections  # noqa: B018
        self.keys_by_api  # noqa: B018
        self.server_variables  # noqa: B018
        for origin in self.cors_origins:  # given in Python too, as the command line checks them
            _checked(_BY_NAME["cors_origins"], "argv", origin)
        if self.control_token:
            _checked(_BY_NAME["control_token"], "argv", self.control_token)

    @property
    def limits(self) -> Limits:
        return Limits(
            namespaces=self.max_namespaces,
            namespace_ttl=self.namespace_ttl,
            jobs=self.max_jobs,
            spot_jobs=self.max_spot_jobs,
            journal_entries=self.journal_entries,
            journal_bytes=self.journal_bytes,
            streams=self.max_streams,
            heartbeat=self.stream_heartbeat,
            log_bytes=self.log_bytes,
            job_bytes=self.max_job_bytes,
            stream_stall=self.stream_stall,
            body_timeout=self.body_timeout,
        )

    @property
    def connections(self) -> ConnectionLimits:
        return ConnectionLimits(self.keep_alive, self.header_timeout, self.max_connections)

    @property
    def keys_by_api(self) -> dict[str, list[str]]:
        """`--key API=TOKEN` options by API."""
        keys: dict[str, list[str]] = {}
        for item in self.keys:
            name, sep, token = item.partition("=")
            if not sep or not name or not token:
                raise SpecError("--key", [], f"{item!r}: takes API=TOKEN")
            keys.setdefault(name, []).append(token)
        return keys

    @property
    def server_variables(self) -> dict[str, str]:
        """`--server-var NAME=VALUE` options: the values of the documents' server URL variables."""
        values = {}
        for item in self.server_vars:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise SpecError("--server-var", [], f"{item!r}: takes NAME=VALUE")
            values[name] = value
        return values

    def policy(self, bind: str | None) -> ControlPolicy:
        """Who may drive the control API, for a server listening on `bind` (None: found out
        when it starts); SpecError (--host) for a bind other machines reach with no token."""
        return ControlPolicy.of(bind, self.allowed_hosts, self.cors_origins, self.control_token, self.insecure_control)

    def to_env(self) -> dict[str, str]:
        """The JOBMOCK_* variables that give these options back (to worker processes)."""
        env = {}
        for option in OPTIONS:
            value = getattr(self, option.name)
            if value == option.default or value is None:
                continue
            if isinstance(value, tuple):
                text = " ".join(value) if option.name == "specs" else ",".join(value)
            elif isinstance(value, bool):
                text = "1"
            else:
                text = repr(value) if isinstance(value, float) else str(value)
            env[option.env] = text
        return env


# --- reading text ----------------------------------------------------------------------


def whole(low: int, high: int | None = None) -> Callable[[str], int]:
    def read(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError("must be a whole number") from None
        if value < low or (high is not None and value > high):
            raise ValueError(f"must be from {low} to {high}" if high is not None else f"must be {low} or more")
        return value

    return read


def number(low: float = 0.0, high: float = math.inf, above: bool = True) -> Callable[[str], float]:
    def read(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError("must be a number") from None
        if not math.isfinite(value) or value < low or value > high or (above and value == low):
            if high != math.inf:
                raise ValueError(f"must be between {low:g} and {high:g}")
            raise ValueError(f"must be a finite number above {low:g}")
        return value

    return read


def _clock(text: str) -> str:
    if text not in CLOCK_MODES:
        raise ValueError(f"unknown clock mode; modes: {', '.join(CLOCK_MODES)}")
    return text


def _text(text: str) -> str:
    if not text:
        raise ValueError("must not be empty")
    return text


def _origin(text: str) -> str:
    if text.strip().lower() == "null":  # sent by sandboxed iframes of any site: never a trusted origin
        raise ValueError("'null' is the origin of sandboxed pages of any site; give a real origin")
    try:  # what a browser sends in Origin: anything else (`*`, a path) would never match one
        parts = urlsplit(text)
        parts.port  # noqa: B018 - a bad port raises ValueError
    except ValueError:
        parts = None
    if (
        parts is None
        or not (parts.scheme and parts.hostname)
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
        or text != text.strip()
    ):
        raise ValueError("must be an origin, scheme://host[:port], e.g. https://app.example")
    return text


def _token(text: str) -> str:
    """A control token a client can send: HTTP drops spaces at either end of a header value,
    and cannot carry control characters (such a token would lock the control API)."""
    if not text or text != text.strip() or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise ValueError("must be non-empty, without spaces at either end or control characters")
    return text


_SERVES = object()  # an Option's default is ServeOptions' own


@dataclass(frozen=True)
class Option:
    name: str  # the ServeOptions field (or another command's options')
    help: str
    read: Callable[[str], Any] = _text  # from one string (argv or the environment)
    repeat: bool = False  # repeatable flag; comma-separated in its variable
    switch: bool = False  # a flag without a value
    group: str = ""
    metavar: str | None = None
    flag_name: str | None = None  # when the flag is not the field's name (--key for `keys`)
    default_value: Any = field(default=_SERVES, repr=False)  # another command's option: its default

    @property
    def flag(self) -> str:
        return "--" + (self.flag_name or self.name).replace("_", "-")

    @property
    def env(self) -> str:
        return PREFIX + (self.flag_name or self.name).upper()

    @property
    def default(self) -> Any:
        return _DEFAULTS[self.name] if self.default_value is _SERVES else self.default_value


_DEFAULTS = {f.name: f.default for f in fields(ServeOptions)}
CONNECTIONS = "connections (per process)"
CONTROL = "control plane (/_jobmock): who may drive it"
BOUNDS = "bounds (current counts: GET /_jobmock/status)"

OPTIONS: tuple[Option, ...] = (
    Option("specs", "bundled API names or OpenAPI files (default: every bundled API)", repeat=True, metavar="SPEC"),
    Option("host", "address to listen on (a non-loopback one needs --control-token)"),
    Option("port", "port to listen on; 0 picks a free one", whole(0, 65535)),
    Option("seed", "same seed, same fake data and ids", whole(-(2**63), 2**63 - 1)),
    Option("speed", "run lifecycles this many times faster", number()),
    Option("validate_responses", "check every response against its spec (through Connexion)", switch=True),
    Option(
        "keys",
        "accept only these tokens for API (repeatable); by default any token of the documented form",
        repeat=True,
        metavar="API=TOKEN",
        flag_name="key",
    ),
    Option(
        "server_vars",
        "value of a variable of the documents' server URLs (repeatable); by default each one's default",
        repeat=True,
        metavar="NAME=VALUE",
        flag_name="server_var",
    ),
    Option(
        "overlays",
        "a YAML file holding x-jobmock (and `api: NAME` with several documents), laid over the document's own "
        "or inferred lifecycle, the document untouched (repeatable)",
        repeat=True,
        metavar="FILE",
        flag_name="overlay",
    ),
    Option("fixtures", "fixture file or folder (repeatable)", repeat=True, metavar="PATH"),
    Option("no_bundled_fixtures", "do not load the bundled scenarios", switch=True),
    Option("config", "scenario rules by job id and defaults per API", metavar="FILE"),
    Option("clock", "real (default), manual, polls, or a plugin's mode", _clock),
    Option("chaos", "share of polls (0 to 1) meeting a random fault", number(0, 1, above=False), metavar="RATE"),
    Option("report_polling", "on exit, print how each client polled", switch=True),
    Option(
        "state", "memory (default), a SQLite file (./jobmock.db, sqlite:///path) or redis://host:port/db", metavar="URL"
    ),
    Option("workers", "worker processes (N > 1 share a SQLite file by default)", whole(1), metavar="N"),
    Option(
        "plugins",
        f"a module or .py file registering extensions (repeatable; or {PLUGINS_ENV})",
        repeat=True,
        metavar="MODULE",
        flag_name="plugin",
    ),
    Option("no_fast_paths", "answer polls and creates through Connexion too (slower; to compare)", switch=True),
    Option("max_connections", "more get 503", whole(1), group=CONNECTIONS, metavar="N"),
    Option("keep_alive", "seconds an idle connection stays open", whole(1), group=CONNECTIONS, metavar="SECONDS"),
    Option(
        "header_timeout",
        "seconds for a request's headers to arrive",
        number(0, 3600),
        group=CONNECTIONS,
        metavar="SECONDS",
    ),
    Option("control_token", "require this token in the X-Jobmock-Token header", _token, group=CONTROL, metavar="TOKEN"),
    Option(
        "allowed_hosts",
        "a Host header the control API answers besides loopback names (repeatable)",
        repeat=True,
        group=CONTROL,
        metavar="NAME",
        flag_name="allowed_host",
    ),
    Option(
        "cors_origins",
        "a web origin allowed besides loopback ones, e.g. https://app.example (repeatable)",
        _origin,
        repeat=True,
        group=CONTROL,
        metavar="ORIGIN",
        flag_name="cors_origin",
    ),
    Option(
        "insecure_control",
        "serve the control API on a non-loopback address without a token (not advised)",
        switch=True,
        group=CONTROL,
    ),
    Option("max_namespaces", "namespaces besides the default one", whole(1), group=BOUNDS, metavar="N"),
    Option("namespace_ttl", "seconds a namespace may stay idle", number(), group=BOUNDS, metavar="SECONDS"),
    Option("max_jobs", "jobs per namespace", whole(1), group=BOUNDS, metavar="N"),
    Option("max_spot_jobs", "jobs made by polls naming a scenario, per namespace", whole(1), group=BOUNDS, metavar="N"),
    Option("journal_entries", "journal entries per namespace", whole(1), group=BOUNDS, metavar="N"),
    Option("journal_bytes", "journal bytes per namespace", whole(1), group=BOUNDS, metavar="N"),
    Option(
        "log_bytes",
        "bytes of a shared store's changes past its snapshot, then compacted",
        whole(1024),
        group=BOUNDS,
        metavar="N",
    ),
    Option("max_streams", "open event streams per process", whole(1), group=BOUNDS, metavar="N"),
    Option(
        "stream_heartbeat", "seconds between an idle stream's keep-alives", number(), group=BOUNDS, metavar="SECONDS"
    ),
    Option(
        "stream_stall",
        "seconds a stream may wait for its client to read, then it is dropped",
        number(0, 3600),
        group=BOUNDS,
        metavar="SECONDS",
    ),
    Option("max_job_bytes", "bytes of a job's fields (as JSON)", whole(1), group=BOUNDS, metavar="N"),
    Option(
        "body_timeout",
        "seconds for a request's body to arrive (then 408)",
        number(0, 3600),
        group=CONNECTIONS,
        metavar="SECONDS",
    ),
    Option(
        "max_file_bytes",
        "bytes read of each scenario file (fixture, config); larger ones stop start-up",
        whole(1024),
        group=BOUNDS,
        metavar="N",
    ),
    Option(
        "max_document_bytes",
        "bytes read of each OpenAPI document (and each file its $refs name); larger ones stop start-up",
        whole(1024),
        group=BOUNDS,
        metavar="N",
    ),
)
_BY_NAME = {option.name: option for option in OPTIONS}
_SERVER_ONLY = {"host", "port", "workers", "report_polling", "max_connections", "keep_alive", "header_timeout"}
# the options that apply to the jobmock inside `jobmock proxy` (the spec, binding, workers and
# shared state are the proxy's), with the flag each takes there: the proxy's --max-jobs is its own
EMBEDDED: tuple[Option, ...] = tuple(
    replace(option, flag_name="max_mock_jobs") if option.name == "max_jobs" else option
    for option in OPTIONS
    if option.name
    not in {
        *_SERVER_ONLY,
        "specs",
        "state",
        "validate_responses",
        "server_vars",
        "no_fast_paths",
        "plugins",
        "log_bytes",
    }
)


def add_arguments(
    parser: argparse.ArgumentParser, options: Sequence[Option] = OPTIONS, dest_prefix: str = "", env: bool = True
) -> None:
    """The options as argparse arguments (their `dest` prefixed with `dest_prefix`; `env`: the
    help names each one's JOBMOCK_* variable). They are read as text: `read_options` checks
    them, so that argv and the environment are judged by the same code."""
    groups: dict[str, Any] = {"": parser}
    for option in options:
        target = groups.get(option.group) or groups.setdefault(option.group, parser.add_argument_group(option.group))
        default = option.default
        shown = "" if option.switch or default in (None, (), "") else f" (default {default})"
        helptext = f"{option.help}; or {option.env}{shown}" if env else f"{option.help}{shown}"
        dest = dest_prefix + option.name
        if option.name == "specs":
            target.add_argument(dest, nargs="*", metavar="SPEC", help=helptext)
        elif option.switch:
            target.add_argument(option.flag, dest=dest, action="store_true", default=None, help=helptext)
        else:
            action = "append" if option.repeat else "store"
            metavar = option.metavar or option.name.upper()
            target.add_argument(option.flag, dest=dest, action=action, metavar=metavar, help=helptext)


def read_options(
    given: Mapping[str, Any], environ: Mapping[str, str] | None = None, options: Sequence[Option] = OPTIONS
) -> ServeOptions:
    """ServeOptions from argparse's values (`vars(args)`; None or absent: not given) and the
    JOBMOCK_* variables (read for what the command line does not give), of `options`. Plugins
    load first, so that their clock modes and fault kinds are known to the other options."""
    environ = os.environ if environ is None else environ
    names = read_plugins(given, environ, options)
    values = read_values(given, environ, [option for option in options if option.name != "plugins"])
    return ServeOptions(plugins=tuple(names), **values)


def read_plugins(given: Mapping[str, Any], environ: Mapping[str, str], options: Sequence[Option]) -> list[str]:
    """Load the plugins `--plugin` names (when among `options`), JOBMOCK_PLUGINS and the
    installed packages register; the names given."""
    named = read_values(given, environ, [option for option in options if option.name == "plugins"])
    names = [str(name) for name in named.get("plugins", ())]
    load_plugins(names, environ)  # JOBMOCK_PLUGINS too
    return names


def read_values(given: Mapping[str, Any], environ: Mapping[str, str], options: Sequence[Option]) -> dict[str, Any]:
    """The value of each of `options` given, from argparse's values (`given`) or else its
    JOBMOCK_* variable, read and checked (SpecError naming the flag or the variable); those
    given neither way are left out."""
    values: dict[str, Any] = {}
    for option in options:
        value = given.get(option.name)
        if value not in (None, [], False):
            values[option.name] = _read(option, "argv", value)
        elif option.env in environ:
            values[option.name] = _read(option, "env", environ[option.env])
    return values


def from_env(environ: Mapping[str, str] | None = None) -> ServeOptions:
    """ServeOptions from the JOBMOCK_* variables alone (the ASGI factory's way)."""
    return read_options({}, environ)


def _read(option: Option, source: str, value: Any) -> Any:
    if option.switch:
        if source == "argv":
            return True
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"", "0", "false", "no", "off"}:
            return False
        raise SpecError(option.env, [], f"{value!r}: must be 1 or 0 (true or false)")
    if option.repeat:
        return tuple(_checked(option, source, item) for item in _texts(option, (source, value)))
    return _checked(option, source, str(value))


def _texts(option: Option, found: tuple[str, Any]) -> list[str]:
    source, value = found
    if source == "argv":
        return [str(item) for item in value]
    text = str(value)
    parts = text.replace(",", " ").split() if option.name == "specs" else text.split(",")  # specs: spaces too
    return [part.strip() for part in parts if part.strip()]


def _checked(option: Option, source: str, text: str) -> Any:
    try:
        return option.read(text)
    except ValueError as exc:
        where = option.flag if source == "argv" else option.env
        raise SpecError(where, [], f"{text!r}: {exc}") from None


def workers_env(options: ServeOptions) -> dict[str, str]:
    """The environment a worker process reads its options from (every option a worker
    needs; what only the parent does, such as binding and reporting, left out)."""
    reset: dict[str, Any] = {name: _DEFAULTS[name] for name in _SERVER_ONLY}
    kept = replace(options, **reset)
    return kept.to_env()


__all__ = [
    "EMBEDDED",
    "OPTIONS",
    "Option",
    "ServeOptions",
    "add_arguments",
    "from_env",
    "number",
    "read_options",
    "read_plugins",
    "read_values",
    "whole",
    "workers_env",
]
