"""Where a document is served: the path of its first server URL, with its variables set to
their defaults or to `--server-var NAME=VALUE` (issue 20, item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from tests.support import BackgroundServer

import jobmock
from jobmock.contract.document import server_path
from jobmock.exceptions import SpecError


def servers(url: str, **defaults: str) -> dict[str, object]:
    variables = {name: {"default": value} for name, value in defaults.items()}
    return {"servers": [{"url": url, "variables": variables}]}


@pytest.mark.parametrize(
    ("url", "defaults", "given", "path"),
    [
        ("https://api.example.com/v1", {}, {}, "/v1"),
        ("/v1/", {}, {}, "/v1"),
        ("v1", {}, {}, "/v1"),
        ("https://{index_host}", {"index_host": "unknown"}, {}, ""),
        ("{endpoint}/openai", {"endpoint": "https://res.openai.azure.com"}, {}, "/openai"),
        ("{endpoint}/openai", {"endpoint": ""}, {}, "/openai"),
        ("https://{resource}.openai.azure.com/openai", {"resource": "r"}, {}, "/openai"),
        ("{endpoint}/openai", {"endpoint": "res.openai.azure.com"}, {}, "/openai"),  # a host with no scheme
        ("https://api.example.com/{version}", {"version": "v1"}, {}, "/v1"),
        ("https://api.example.com/{version}", {"version": "v1"}, {"version": "v2"}, "/v2"),
    ],
)
def test_the_served_path_of_a_server_url(url: str, defaults: dict[str, str], given: dict[str, str], path: str) -> None:
    assert server_path(servers(url, **defaults), given) == path


def document(tmp_path: Path) -> Path:
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "Azure-like", "version": "1"},
        **servers("{endpoint}/openai/{version}", endpoint="https://res.openai.azure.com", version="v1"),
        "paths": {
            "/models": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["n"],
                                        "properties": {"n": {"type": "integer"}},
                                    }
                                }
                            },
                        }
                    }
                }
            }
        },
    }
    path = tmp_path / "azure.json"
    path.write_text(json.dumps(doc))
    return path


def test_server_var_moves_where_the_document_is_served(tmp_path: Path) -> None:
    app = jobmock.create(specs=[str(document(tmp_path))], server_vars=("version=v2",), no_bundled_fixtures=True)
    with BackgroundServer(app) as server:
        assert httpx.get(server.url + "/openai/v2/models").status_code == 200
        assert httpx.get(server.url + "/openai/v1/models").status_code == 404


def test_a_server_var_no_document_has_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="region: no served document's server URL has such a variable"):
        jobmock.create(specs=[str(document(tmp_path))], server_vars=("region=eu",), no_bundled_fixtures=True)
    with pytest.raises(SpecError, match="takes NAME=VALUE"):
        jobmock.create(specs=[str(document(tmp_path))], server_vars=("version",), no_bundled_fixtures=True)
