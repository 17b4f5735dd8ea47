"""The path a request is routed by, which every layer judges it on.

A server told its app lives under a prefix (`uvicorn --root-path /api`, behind a proxy that
strips `/api`) puts that prefix before `scope["path"]` and names it in `scope["root_path"]`;
Starlette, and so Connexion, strip it again and route on the rest. A layer that read
`scope["path"]` as it comes would see `/api/_jobmock/clock` where the router serves
`/_jobmock/clock`, and wave a control request through as if it were not one. So each
layer asks `routed_path`, which strips the root path exactly as Starlette does (its
`get_route_path`): the layers and the router can never disagree on which route a request is.
"""

from __future__ import annotations

from .types import Scope


def root_path(scope: Scope) -> str:
    """The prefix the server serves the whole app under ("" for none). Inside a Starlette
    mount `root_path` grows by the mount's path, and `app_root_path` keeps the server's."""
    return str(scope.get("app_root_path", scope.get("root_path", "")))


def routed_path(scope: Scope) -> str:
    """`scope["path"]` without the server's root path when it starts with it (as uvicorn
    gives it); as it is otherwise (as servers that leave the prefix out give it)."""
    path: str = scope["path"]
    root = root_path(scope)
    if not root or not path.startswith(root):
        return path
    if path == root:
        return ""
    return path[len(root) :] if path[len(root)] == "/" else path
