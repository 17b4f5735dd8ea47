"""The web layer, in the order a request meets it:

- `process/`: uvicorn in this process, in worker processes or in a thread; connection bounds;
- `middleware/`: the ASGI layers, one per file (`middleware/__init__.py` lists their order);
- `adapters/`: the fast paths and Connexion, which turn a request into a `Call`;
- `operations/`: one function per operation, over `State`, that answers it.

`app.py` stacks them; `policy.py` says who may drive the control plane.
"""

from __future__ import annotations

from .app import App, build_app
from .policy import ControlPolicy
from .process.run import BackgroundServer, serve_app, serve_workers

__all__ = ["App", "BackgroundServer", "ControlPolicy", "build_app", "serve_app", "serve_workers"]
