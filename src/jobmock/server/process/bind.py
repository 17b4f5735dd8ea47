"""Which addresses this process listens on: how the app finds out where it is served when
a server it did not start binds the socket (`uvicorn --factory`, gunicorn workers)."""

from __future__ import annotations

import logging

import psutil

log = logging.getLogger("jobmock")
UNKNOWN = "an address that cannot be read"  # not a loopback one: the control API then needs its token


def listening_hosts() -> list[str]:
    """The local addresses of this process's listening TCP sockets (empty: none yet)."""
    try:
        found = psutil.Process().net_connections(kind="inet")
    except (psutil.Error, OSError) as exc:  # e.g. a platform where the process's sockets cannot be read
        log.warning("jobmock: cannot read which address this process listens on (%s)", exc)
        return [UNKNOWN]
    return sorted({c.laddr.ip for c in found if c.status == psutil.CONN_LISTEN and c.laddr})
