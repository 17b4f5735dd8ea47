"""A client generated from the served document works against jobmock (issue 20, item 6):
openapi-python-client generates a package from `<base>/openapi.json` as jobmock serves it, the
package imports (every module of it), and a handful of its GET functions without required
parameters (or with plain string path parameters) call jobmock and get a parsed answer, not
an error. A document the generator cannot read for a reason of its own is an xfail with the
generator's message."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from calls import Call, credentials, operations, upgrade_only

from conftest import CorpusDocument, existing_jobs, route
from jobmock.contract import dotted
from jobmock.contract.model import ApiModel
from support import Served

CALLED = 5  # GET functions called per document
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


def generate(document: Path, out: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [str(GENERATOR), "generate", "--path", str(document), "--output-path", str(out), "--meta", "none"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def plain(schema: Any) -> bool:
    """A parameter schema any word fits: a string with no pattern, format or enum."""
    return (
        isinstance(schema, Mapping)
        and schema.get("type") in (None, "string")
        and not (set(schema) - {"type", "description", "title", "example", "examples", "default"})
    )


def given(schema: Mapping[str, Any]) -> str:
    """A header's value: its default or example (Pinecone's API version), else a word."""
    for key in ("default", "example"):
        if isinstance(schema.get(key), str):
            return str(schema[key])
    return "corpus"


def snake(name: str) -> str:
    return re.sub(r"\W+", "_", re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)).strip("_").lower()


def template_of(url: str) -> tuple[str, ...]:
    """A URL's segments with its templated ones as `*`."""
    return tuple("*" if "{" in s or "%7B" in s else s for s in url.split("#")[0].strip("/").split("/"))


def simple_gets(
    package: str, document: Mapping[str, Any]
) -> Iterator[tuple[str, Any, dict[str, str], str, Mapping[str, Any]]]:
    """(name, module, arguments, path template, operation) for each generated GET function
    whose parameters are only plain-string path parameters; those with none first."""
    found = []
    by_template = {
        (template_of(path), method): (path, op) for method, path, _, op in operations(document) if method == "get"
    }
    api = importlib.import_module(f"{package}.api")
    for info in pkgutil.walk_packages(api.__path__, f"{package}.api.", onerror=lambda name: None):
        try:
            module = importlib.import_module(info.name)
        except Exception:  # the generator's slip (`Generated.broken` says it): its other functions are used
            continue
        if not hasattr(module, "sync_detailed"):
            continue
        signature = inspect.signature(module.sync_detailed)
        names = [p.name for p in signature.parameters.values() if p.name != "client"]
        if any(
            signature.parameters[n].default is inspect.Parameter.empty and n not in signature.parameters for n in names
        ):
            continue
        required = [n for n in names if signature.parameters[n].default is inspect.Parameter.empty]
        if any(signature.parameters[n].annotation not in (str, "str") for n in required):
            continue
        kwargs = module._get_kwargs(**{n: "{" + n + "}" for n in required})
        if kwargs.get("method") != "get":
            continue
        match = by_template.get((template_of(kwargs["url"]), "get"))
        if match is None:
            continue
        path, op = match
        if upgrade_only(op):  # a websocket's handshake: jobmock serves no protocol upgrade
            continue
        params = [p for p in op.get("parameters") or [] if isinstance(p, Mapping)]
        if any(p.get("required") and p.get("in") not in ("path", "header") for p in params):
            continue
        if not all(plain(p.get("schema")) for p in params if p.get("required") or p.get("in") == "path"):
            continue
        values = {snake(str(p["name"])): given(p.get("schema") or {}) for p in params if p.get("in") == "header"}
        arguments = {n: values.get(n, f"corpus{i}x") for i, n in enumerate(required)}
        found.append((info.name, module, arguments, path, op))
    found.sort(key=lambda f: (len(f[2]), f[0]))
    yield from found


@dataclass(frozen=True)
class Generated:
    package: str  # importable, its folder on sys.path while the fixture lasts
    contract: Any
    broken: str | None  # the first module that does not import (the generator's slip), if any


@pytest.fixture
def generated(
    corpus_document: CorpusDocument, corpus_served: Served, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Generated]:
    """The client openapi-python-client generates from the document as jobmock serves it,
    every module imported (an xfail where the generator cannot generate, for a reason of its
    own; the first module that does not import is noted, and the others are used)."""
    (contract,) = corpus_served.app.contracts
    tmp_path = tmp_path_factory.mktemp("client")
    served = tmp_path / "served.json"
    served.write_bytes(corpus_served.unchecked.get(contract.base_path + "/openapi.json").content)
    package = "corpus_client_" + re.sub(r"\W", "_", corpus_document.name)
    done = generate(served, tmp_path / package)
    if done.returncode != 0 or not (tmp_path / package / "__init__.py").exists():
        pytest.xfail(f"openapi-python-client cannot generate: {(done.stdout + done.stderr).strip()[-1500:]}")
    sys.path.insert(0, str(tmp_path))
    try:
        broken = None
        for info in pkgutil.walk_packages([str(tmp_path / package)], f"{package}.", onerror=lambda name: None):
            try:
                importlib.import_module(info.name)  # every module imports
            except Exception as exc:  # the generator's code, not jobmock's answers
                broken = broken or f"the generated client does not import ({info.name}): {type(exc).__name__}: {exc}"
        yield Generated(package, contract, broken)
    finally:
        sys.path.remove(str(tmp_path))
        for loaded in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[loaded]


def a_generated_client_imports_and_parses_jobmocks_answers(
    generated: Generated, corpus_document: CorpusDocument, corpus_served: Served
) -> None:
    package, contract = generated.package, generated.contract
    problems = []
    gaps = []  # a documented answer the generated function has no parser for
    called = 0
    base = corpus_served.url + contract.base_path
    jobs = existing_jobs(corpus_served, contract)
    for name, module, arguments, path, op in simple_gets(package, contract.resolved):
        if called == CALLED:
            break
        named = jobs(route("get", path))
        if named is not None:  # a poll: of a job that exists
            arguments = {**arguments, snake(named[0]): named[1]}
        call = Call(f"GET {path}", "GET", path, op)
        credentials(call, contract, "get", path, op)
        client_module = importlib.import_module(f"{package}.client")
        client = client_module.Client(base_url=base, headers=call.headers, raise_on_unexpected_status=True)
        called += 1
        try:
            answer = module.sync_detailed(client=client, **arguments)
        except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as exc:
            problems.append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
            continue
        except Exception as exc:  # errors.UnexpectedStatus and what parsing raises
            status = getattr(exc, "status_code", None)
            if status is not None and str(status) in (op.get("responses") or {}):
                gaps.append(f"{name}: {status} is documented but the generator left it out")
            else:
                problems.append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
            continue
        if answer.status_code >= 400:
            problems.append(f"{name}: {answer.status_code} {answer.content[:200]!r}")
        declared = (op.get("responses") or {}).get(str(int(answer.status_code))) or {}
        if "application/json" in (declared.get("content") or {}) and answer.parsed is None:
            problems.append(f"{name}: {answer.status_code} answered, nothing parsed: {answer.content[:200]!r}")
    assert called, "no GET function without required parameters was generated"
    assert not problems, f"{corpus_document.name}: {len(problems)} of {called} calls failed:\n" + "\n".join(problems)


def test_the_generated_client_parses_answers_and_every_state_of_every_job_resource(
    generated: Generated, corpus_document: CorpusDocument, corpus_served: Served
) -> None:
    """One generation (tens of seconds on the big documents) for both: every state of every
    job resource, then its simple GETs; an xfail, after both, where a generated module does
    not import (the modules that do were used)."""
    unchecked = the_generated_client_parses_every_state_of_every_job_resource(generated, corpus_document, corpus_served)
    a_generated_client_imports_and_parses_jobmocks_answers(generated, corpus_document, corpus_served)
    reasons = [r for r in (unchecked, generated.broken) if r]
    if reasons:
        pytest.xfail("; ".join(reasons))


def the_generated_client_parses_every_state_of_every_job_resource(
    generated: Generated, corpus_document: CorpusDocument, corpus_served: Served
) -> str | None:
    """Issue 21, item 7: for each job resource served, a job per terminal state polled through
    the generated client's own poll function from its first state to its last, each answer
    parsed into its model (not None, no exception). What could not be called (the generator's
    slips, a poll taking more than plain strings) is returned, for an xfail after the rest."""
    package, contract = generated.package, generated.contract
    if not isinstance(contract, ApiModel):
        return None  # no job resource: nothing moves (test_lifecycles says the same)
    polls = {
        route("get", path): (module, arguments)
        for _n, module, arguments, path, _op in simple_gets(package, contract.resolved)
    }
    client_module = importlib.import_module(f"{package}.client")
    problems, slips, parsed = [], [], 0
    for i, model in enumerate((contract, *contract.siblings)):
        found = polls.get(route("get", model.poll.path))
        if found is None:  # its poll takes more than plain path strings (a query id): not called here
            continue
        module, arguments = found
        call = Call(f"GET {model.poll.path}", "GET", model.poll.path, model.poll.spec)
        credentials(call, contract, "get", model.poll.path, model.poll.spec)
        for k, outcome in enumerate(model.lifecycle.terminal):
            namespace = f"client-{i}-{k}"
            control = corpus_served.control(namespace)
            control.clock("manual")
            job_id = str(control.create(model.name, outcome=outcome)["id"])
            headers = {**call.headers, "X-Jobmock-Namespace": namespace}
            client = client_module.Client(base_url=corpus_served.url + contract.base_path, headers=headers,
                                          raise_on_unexpected_status=True)  # fmt: skip
            seen: list[str] = []
            for _ in range(60):
                try:
                    answer = module.sync_detailed(client=client, **{**arguments, snake(model.id_parameter): job_id})
                except ModuleNotFoundError as exc:  # the generator's own slip, not jobmock's answer
                    if package not in str(exc):
                        raise
                    slips.append(f"{model.name}: the generated client imports a module it did not generate: {exc}")
                    break
                except Exception as exc:  # errors.UnexpectedStatus and what parsing raises
                    status = getattr(exc, "status_code", None)
                    if status is not None and str(status) in (model.poll.spec.get("responses") or {}):
                        slips.append(f"{model.name}: {status} is documented but the generator left it out")
                    else:
                        problems.append(f"{model.name} {outcome}: {type(exc).__name__}: {str(exc)[:300]}")
                    break
                as_dict = answer.parsed.to_dict() if hasattr(answer.parsed, "to_dict") else None
                found, value = dotted.get(as_dict, model.status_field) if as_dict is not None else (False, None)
                status = str(value) if found else None
                if answer.parsed is None or status is None:
                    problems.append(
                        f"{model.name} {outcome}: {answer.status_code}, nothing parsed: {answer.content[:200]!r}"
                    )
                    break
                parsed += 1
                if not seen or seen[-1] != status:
                    seen.append(status)
                if status == outcome:
                    break
                control.advance(10)
            else:
                problems.append(f"{model.name}: never reached {outcome} ({' -> '.join(seen)})")
    assert not problems, f"{corpus_document.name}: {len(problems)} problems:\n" + "\n".join(problems[:30])
    if slips:  # every other resource was checked first
        return "; ".join(dict.fromkeys(slips))
    if not parsed:  # pinecone's poll takes its required API-version header as an enum argument
        return "no job resource's generated poll takes plain string arguments only: not called"
    return None
