"""Loading extensions: modules that register fault kinds, clock modes, progress reporters
or lifecycle checks when imported (`jobmock.registry`).

A plugin is named by a module (`acme.jobmock_faults`) or a Python file (`./faults.py`),
from any of: `--plugin` (repeatable, on `serve`, `check` and `validate`), the
`JOBMOCK_PLUGINS` variable (comma-separated; `jobmock serve --workers` passes the list to
its workers this way, and the pytest plugin reads it too), and the `jobmock.plugins`
entry-point group of installed packages. Loading one twice does nothing.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Iterable, Mapping
from importlib.metadata import entry_points
from pathlib import Path

from .exceptions import SpecError

ENV = "JOBMOCK_PLUGINS"
GROUP = "jobmock.plugins"
_loaded: set[str] = set()


def plugin_names(given: Iterable[str] = (), environ: Mapping[str, str] | None = None) -> list[str]:
    """The plugins to load: those given, then those of JOBMOCK_PLUGINS, each once."""
    environ = os.environ if environ is None else environ
    from_env = [part.strip() for part in environ.get(ENV, "").split(",") if part.strip()]
    return list(dict.fromkeys([*given, *from_env]))


def load_plugins(given: Iterable[str] = (), environ: Mapping[str, str] | None = None) -> list[str]:
    """Import the plugins `plugin_names` lists, and the `jobmock.plugins` entry points;
    SpecError (naming --plugin) for one that cannot be imported. The names loaded."""
    names = plugin_names(given, environ)
    for name in names:
        if name not in _loaded:
            _import(name)
            _loaded.add(name)
    for point in entry_points(group=GROUP):
        if point.value not in _loaded:
            try:
                point.load()
            except Exception as exc:  # an installed package's plugin may fail in any way: name it, do not crash
                raise SpecError(
                    "--plugin", [], f"entry point {point.name} ({point.value}) failed to load: {exc}"
                ) from exc
            _loaded.add(point.value)
    return names


def _import(name: str) -> None:
    try:
        if name.endswith(".py") or os.sep in name:
            path = Path(name).resolve()
            spec = importlib.util.spec_from_file_location(f"jobmock_plugin_{path.stem}", path)
            if spec is None or spec.loader is None or not path.is_file():
                raise SpecError("--plugin", [], f"{name}: no such Python file")
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
        else:
            importlib.import_module(name)
    except SpecError:
        raise
    except Exception as exc:  # whatever the plugin's own code raised while importing: name it
        raise SpecError("--plugin", [], f"{name}: cannot load it: {type(exc).__name__}: {exc}") from exc
