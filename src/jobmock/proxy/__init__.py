"""`jobmock proxy`: stand between an app and the real API, relay every exchange unchanged, and
hold each request and answer to the document and each job's polls to its lifecycle, with
the very rules `jobmock serve` and `jobmock check` apply (`--errors`: refuse what breaks
them). `create_proxy` makes the ASGI app, `run_proxy` serves it as the CLI does;
`ProxyOptions` holds every setting.

Above the server and the checker (it uses both: uvicorn as `serve` runs it, Connexion as
`serve` validates requests, the lifecycle checks as `check` runs them), beside `running`.
"""

from __future__ import annotations

from .app import ProxyApp
from .options import ProxyOptions
from .running import create_proxy, run_proxy

__all__ = ["ProxyApp", "ProxyOptions", "create_proxy", "run_proxy"]
