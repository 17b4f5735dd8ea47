"""The README's 'Extending jobmock' examples, run as written (extracted from README.md)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from jobmock import BackgroundServer, JobmockClient
from support import ServeProcess, create

README = Path(__file__).resolve().parents[1] / "README.md"


def example(name: str) -> str:
    """The code block right after `<!-- example: NAME -->` in the README."""
    found = re.search(rf"<!-- example: {name} -->\n```\w+\n(.*?)```", README.read_text(), re.S)
    assert found is not None, f"no example {name!r} in the README"
    return found.group(1)


def run(name: str) -> dict[str, Any]:
    """Run an example as a module of its own (dataclasses look their module up)."""
    module = types.ModuleType(f"readme_{name.replace('-', '_')}")
    sys.modules[module.__name__] = module
    exec(compile(example(name), f"README.md:{name}", "exec", dont_inherit=True), module.__dict__)
    return module.__dict__


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    path = tmp_path / "acme.yaml"
    path.write_text(example("vendor-api"))
    return path


def test_a_new_vendor_api_is_one_spec_file(acme: Path) -> None:
    app = create(specs=[str(acme)], clock="polls")
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url) as http:
        job = http.post("/_jobmock/jobs", json={"api": "acme", "token": "t0k3n"}).json()
        assert re.fullmatch(r"rnd_[A-Za-z0-9]{10}", job["id"]) and job["poll_url"].endswith(f"/v2/renders/{job['id']}")
        bodies = [http.get(job["poll_url"], headers={"Authorization": "Bearer t0k3n"}).json() for _ in range(3)]
        assert http.get(job["poll_url"], headers={"Authorization": "Bearer other"}).status_code == 404
    assert [b["state"] for b in bodies] == ["queued", "rendering", "done"]
    assert "url" in bodies[2] and "url" not in bodies[1] and bodies[2]["percent"] == 100


@pytest.fixture
def plugins(tmp_path: Path) -> dict[str, Path]:
    """The README's extension examples, each in a file of its own, as a user writes them."""
    files = {}
    for name in ("fault-kind", "clock-mode", "lifecycle-check"):
        files[name] = tmp_path / f"readme_{name.replace('-', '_')}.py"
        files[name].write_text(example(name))
    return files


def polls(url: str, count: int) -> list[httpx.Response]:
    with JobmockClient(url) as control:
        job = control.create("acme", "cut") if "cut" in {s["name"] for s in control.scenarios()} else None
        job = job or control.create("acme", duration=10, outcome="done")
    return [httpx.get(job["poll_url"], headers={"Authorization": "Bearer t0k3n"}) for _ in range(count)]


@pytest.mark.parametrize("how", ["--plugin", "JOBMOCK_PLUGINS and --workers 2"])
def test_a_new_fault_kind_is_one_class(plugins: dict[str, Path], acme: Path, tmp_path: Path, how: str) -> None:
    fixture = tmp_path / "cut.yaml"
    phases = [{"status": "queued", "duration": 1}, {"status": "rendering", "duration": 2}, {"status": "done"}]
    scenario = {"phases": phases, "faults": [{"poll": 2, "truncate": True}]}
    fixture.write_text(yaml.safe_dump({"api": "acme", "scenarios": {"cut": scenario}}))
    args = [str(acme), "--fixtures", str(fixture), "--clock", "polls"]
    if how == "--plugin":
        args += ["--plugin", str(plugins["fault-kind"])]
        env = {}
    else:  # the parent and each worker load it
        args += ["--workers", "2", "--state", str(tmp_path / "state.db")]
        env = {"JOBMOCK_PLUGINS": str(plugins["fault-kind"])}
    with ServeProcess(*args, log=tmp_path / "serve.log", env=env) as server:
        first, cut, third = polls(server.url, 3)
    assert first.json()["state"] == "queued" and third.json()["state"] == "rendering"  # no phase lost
    with pytest.raises(json.JSONDecodeError):
        cut.json()


def test_a_new_clock_mode_is_one_function(plugins: dict[str, Path], acme: Path, tmp_path: Path) -> None:
    args = [str(acme), "--plugin", str(plugins["clock-mode"]), "--clock", "ticks"]
    with ServeProcess(*args, log=tmp_path / "serve.log") as server:
        percents = [answer.json()["percent"] for answer in polls(server.url, 12)]
        switched = httpx.put(server.url + "/_jobmock/clock", json={"mode": "ticks"})  # the control API takes it too
    assert percents == sorted(percents) and percents[-1] == 100
    assert switched.status_code == 200 and switched.json()["mode"] == "ticks"


def test_a_new_clock_mode_loads_from_an_installed_packages_entry_point(plugins: dict[str, Path], acme: Path,
                                                                         tmp_path: Path) -> None:  # fmt: skip
    site = tmp_path / "site"
    (site / "readme_ticks-1.0.dist-info").mkdir(parents=True)
    (site / "readme_ticks.py").write_text(example("clock-mode"))
    (site / "readme_ticks-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: readme-ticks\nVersion: 1.0\n"
    )
    (site / "readme_ticks-1.0.dist-info" / "entry_points.txt").write_text("[jobmock.plugins]\nticks = readme_ticks\n")
    env = {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    with ServeProcess(str(acme), "--clock", "ticks", log=tmp_path / "serve.log", env=env) as server:
        assert httpx.get(server.url + "/_jobmock/clock").json()["mode"] == "ticks"


def test_a_new_lifecycle_check_is_one_function(plugins: dict[str, Path], acme: Path, tmp_path: Path) -> None:
    check = [sys.executable, "-m", "jobmock", "check", "--plugin", str(plugins["lifecycle-check"])]
    listed = subprocess.run([*check, "--list-checks"], capture_output=True, text=True, timeout=60)
    assert re.search(r"at_most_20_polls\s+A job ends within 20 polls\.", listed.stdout), listed.stdout
    # a job that ends at its 25th poll, whatever the time: the check must see 25 polls
    timeline = [{"poll": n, "body": {"id": "rnd_0123456789", "state": "rendering", "percent": n}} for n in range(1, 25)]
    timeline.append({"poll": 25, "body": {"id": "rnd_0123456789", "state": "done", "percent": 100}})
    fixture = tmp_path / "slow.yaml"
    scenario = {"timeline": timeline, "recorded": {"job": "rnd_0123456789"}}
    fixture.write_text(yaml.safe_dump({"api": "acme", "scenarios": {"slow": scenario}}))
    with ServeProcess(str(acme), "--clock", "polls", "--fixtures", str(fixture), log=tmp_path / "serve.log") as server:
        with JobmockClient(server.url) as control:
            job = control.create("acme", "slow")
        done = subprocess.run(
            [*check, str(acme), "--url", server.url + "/v2", "--token", "t0k3n", "--job", job["id"],
             "--checks", "at_most_20_polls", "--poll-interval", "0.01", "--lifecycle-timeout", "600"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert done.returncode == 1 and "at_most_20_polls" in done.stdout and "a terminal state by poll 20" in done.stdout


def troubleshooting() -> str:
    text = README.read_text()
    start = text.index("\n## Troubleshooting\n")
    return text[start : text.index("\n## ", start + 1)]


def message_patterns() -> list[re.Pattern[str]]:
    """The Troubleshooting tables' messages as patterns: `UPPER CASE` and `…` stand for what varies."""
    found = []
    for line in troubleshooting().splitlines():
        if not line.startswith("| "):
            continue
        first = line.split(" | ")[0]
        for quoted in re.findall(r"``(.+?) ``|`([^`]+)`", first):
            text = quoted[0] or quoted[1]
            pattern = re.escape(text)
            pattern = re.sub(r"[A-Z][A-Z_]{2,}|\b[A-Z]\b", ".+", pattern).replace("…", ".*")
            fixed = re.sub(r"\.\+|\.\*|\\", "", pattern)
            if not pattern.startswith(".+") and len(fixed) >= 20:  # something fixed first, and enough of it
                found.append(re.compile(pattern))
    return found


def test_troubleshooting_lists_every_exit_status() -> None:
    section = troubleshooting()
    for status in range(4):
        assert re.search(rf"^\| \*\*{status}\*\* \|", section, re.M), status
    assert "../shared" not in README.read_text()  # nothing points outside the repository
    assert "/_jobmock/openapi.json" in README.read_text()


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["serve", "--max-jobs", "0"], 2),
        (["serve", "--clock", "sundial"], 2),
        (["serve", "--state", "ftp://nowhere"], 2),
        (["serve", "--plugin", "./no-such-plugin.py"], 2),
        (["serve", "--host", "192.0.2.1"], 2),
        (["serve", "--key", "neuraldraft"], 2),
        (["serve", "--cors-origin", "*"], 2),
        (["serve", "--control-token", " padded"], 2),
        (["serve", "--config", "/dev/zero"], 2),
        (["record", "neuraldraft", "--url", "https://u:p@example.invalid/v1", "--job", "j", "--out", "x.yaml"], 2),
        (["record", "neuraldraft", "--url", "https://example.invalid/v1", "--job", "j", "--out", "/no/such/x.yaml"], 2),
        (["check", "neuraldraft", "--url", "ftp://example.invalid"], 2),
        (["check", "neuraldraft", "--url", "http://127.0.0.1:9", "--checks", "nope"], 2),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else str(value),
)
def test_each_message_a_user_meets_is_in_troubleshooting(args: list[str], status: int, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBMOCK_")}
    done = subprocess.run(
        [sys.executable, "-m", "jobmock", *args], capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env
    )
    assert done.returncode == status, done.stderr
    said = done.stderr.strip().splitlines()[0]
    assert any(pattern.fullmatch(said) for pattern in message_patterns()), said


def test_a_busy_port_is_in_troubleshooting(tmp_path: Path) -> None:
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "jobmock", "serve", "nextdocs", "--port", str(port)],
            capture_output=True, text=True, timeout=60, cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 3, done.stderr
    said = done.stderr.strip().splitlines()[-1]
    assert any(pattern.fullmatch(said) for pattern in message_patterns()), said
