"""The dashboard's files over HTTP: where they are, what protects them, what they promise a
browser (no framing, its own scripts only). The page itself is tested in tests/browser/."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from jobmock import BackgroundServer, ControlPolicy
from support import create


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    app = create(specs=["nextdocs"], policy=ControlPolicy.of("127.0.0.1", token="s3cret"))
    with BackgroundServer(app) as server:
        yield server.url


def test_the_root_leads_to_the_dashboard(url: str) -> None:
    for path in ("/", "/_jobmock/ui"):
        answer = httpx.get(url + path)
        assert answer.status_code == 307 and answer.headers["location"] == "/_jobmock/ui/"
    page = httpx.get(url + "/", follow_redirects=True)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="app.js">' in page.text


@pytest.mark.parametrize(("name", "media"), [("app.js", "text/javascript"), ("style.css", "text/css")])
def test_its_files_load_without_the_token_and_forbid_framing(url: str, name: str, media: str) -> None:
    answer = httpx.get(f"{url}/_jobmock/ui/{name}")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(media)
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY" and answer.headers["x-content-type-options"] == "nosniff"


def test_what_it_shows_still_needs_the_token(url: str) -> None:
    assert httpx.get(url + "/_jobmock/jobs").status_code == 401
    assert httpx.get(url + "/_jobmock/events").status_code == 401
    assert httpx.get(url + "/_jobmock/jobs", headers={"X-Jobmock-Token": "s3cret"}).status_code == 200


def test_a_rebound_host_or_a_foreign_page_cannot_load_it(url: str) -> None:
    assert httpx.get(url + "/_jobmock/ui/", headers={"Host": "attacker.example"}).status_code == 403
    assert httpx.get(url + "/_jobmock/ui/", headers={"Origin": "https://attacker.example"}).status_code == 403


@pytest.mark.parametrize("path", ["/_jobmock/ui/nope.js", "/_jobmock/ui/..%2Fcontrol.yaml", "/_jobmock/ui/ui/app.js"])
def test_only_its_own_files_are_served(url: str, path: str) -> None:
    assert httpx.get(url + path).status_code == 404
