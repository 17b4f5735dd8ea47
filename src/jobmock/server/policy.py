"""Who may drive the control plane (`/_jobmock`): the policy the guard layer applies, and
the rule every way of starting jobmock shares for a server reachable from other machines.

jobmock runs on developers' laptops next to the browser they browse the web with. So the
control API:
- answers only requests whose Host is a loopback name (or one allowed with
  `--allowed-host`) when the server is bound to loopback: DNS rebinding gets 403;
- refuses a request from a web page of another origin (its Origin header) unless that
  origin is a loopback one, on any port, or one given with `--cors-origin`: a page cannot
  cancel jobs or move clocks behind the developer's back, even with a "simple" request
  that a browser sends without asking first;
- with a control token, requires it in the X-Jobmock-Token header;
- bound to an address other machines reach, is served only with a control token, unless
  `--insecure-control` says to serve it open (`ControlPolicy.bound_to`).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from ..contract.wire import CONTROL_TOKEN_ENV, CONTROL_TOKEN_HEADER
from ..exceptions import SpecError


def is_loopback(host: str) -> bool:
    """A loopback name or address: localhost (and *.localhost), 127.0.0.0/8, ::1."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_of(value: str) -> str:
    """The host of a Host header (`[::1]:8000` -> `::1`, `example.com:80` -> `example.com`)."""
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


@dataclass(frozen=True)
class ControlPolicy:
    """What the control plane accepts (`jobmock serve --allowed-host --cors-origin
    --control-token --insecure-control`), and the addresses the server listens on: given
    by whoever binds (the CLI, `BackgroundServer`), or found when the server starts (the
    ASGI factory under a server of the user's: `bound` is None until then)."""

    allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    cors_origins: frozenset[str] = field(default_factory=frozenset)
    token: str | None = None
    insecure: bool = False  # serve the control API open on an address other machines reach
    bound: tuple[str, ...] | None = ("127.0.0.1",)

    @classmethod
    def of(
        cls,
        bind: str | None = "127.0.0.1",
        hosts: Iterable[str] = (),
        origins: Iterable[str] = (),
        token: str | None = None,
        insecure: bool = False,
    ) -> ControlPolicy:
        """`bind`: the host the server listens on (None: find it out when it starts). A
        bind other machines reach is refused without a token (SpecError naming --host)."""
        policy = cls(
            frozenset(h.lower() for h in hosts),
            frozenset(o.rstrip("/").lower() for o in origins),
            token or None,
            insecure,
            None,
        )
        return policy if bind is None else policy.bound_to([bind])

    def bound_to(self, hosts: Iterable[str]) -> ControlPolicy:
        """This policy for a server listening on `hosts`; SpecError (naming --host, as every
        way of starting words it) when one is reachable from other machines and the control
        API has no token, unless `insecure`."""
        hosts = tuple(hosts)
        exposed = [host for host in hosts if not is_loopback(host)]
        if exposed and self.token is None and not self.insecure:
            raise SpecError(
                "--host",
                [],
                f"{exposed[0]} is reachable from other machines: give --control-token TOKEN (or {CONTROL_TOKEN_ENV}) "
                "so only you can drive /_jobmock, or --insecure-control to serve it open",
            )
        return replace(self, bound=hosts)

    @property
    def loopback_bind(self) -> bool:
        """Whether only this machine can reach the server (then Host headers are checked)."""
        return self.bound is not None and all(is_loopback(host) for host in self.bound)

    def exposure(self) -> str | None:
        """The warning to print when the server is reachable from other machines."""
        if self.bound is None or self.loopback_bind:
            return None
        exposed = next(host for host in self.bound if not is_loopback(host))
        protection = "a control token" if self.token else "NO protection (--insecure-control)"
        return f"serving on {exposed}, reachable from other machines; the control API has {protection}"

    def origin_allowed(self, origin: str) -> bool:
        if origin.lower() in self.cors_origins:
            return True
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and is_loopback(parts.hostname or "")

    def host_allowed(self, host: str | None) -> bool:
        if not self.loopback_bind:
            return True
        if host is None:
            return False
        return is_loopback(host_of(host)) or host.lower() in self.allowed_hosts or host_of(host) in self.allowed_hosts

    def refusal(
        self, headers: dict[bytes, bytes], preflight: bool = False, needs_token: bool = True
    ) -> tuple[int, str] | None:
        """Why a control request is refused, or None (a browser's preflight carries no token,
        nor does its loading of the dashboard's files, which hold no data)."""
        host = headers.get(b"host")
        if not self.host_allowed(host.decode("latin-1") if host is not None else None):
            return 403, "this Host is not allowed to reach the control API (jobmock serve --allowed-host NAME)"
        origin = headers.get(b"origin")
        if origin is not None and not self.origin_allowed(origin.decode("latin-1")):
            return 403, "pages of this origin may not use the control API (jobmock serve --cors-origin ORIGIN)"
        if self.token is not None and not preflight and needs_token:
            given = headers.get(CONTROL_TOKEN_HEADER.encode(), b"")
            if not hmac.compare_digest(given, self.token.encode()):
                return 401, f"the control API needs its token in the {CONTROL_TOKEN_HEADER} header"
        return None
