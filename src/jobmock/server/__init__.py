"""The web layer: Connexion serving each vendor contract and the control API over one
`Mock`, with the poll fast path, fault delivery, the journal and CORS as ASGI layers.
Thin: each handler translates a request into one call on `State` (changes, polls) or
`Mock` (reads)."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    # Connexion warns on import (Starlette's TestClient about httpx, jsonschema's RefResolver): not ours to fix
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    import connexion  # noqa: F401

from .app import build_app
from .run import BackgroundServer, load_apis, serve, serve_workers

__all__ = ["BackgroundServer", "build_app", "load_apis", "serve", "serve_workers"]
