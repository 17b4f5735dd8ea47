"""Which requests are polls: the route of each API's poll operation, and the job id in a
request. The fast path takes the polls these routes match; the journal reads which job a
request polled with them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ...contract.model import ApiModel
from ...contract.openapi import id_checker
from ...contract.wire import SCENARIO_QUERY


@dataclass(frozen=True)
class PollRoute:
    api: ApiModel
    path: re.Pattern[str] | None  # id in the path
    exact: str | None  # id in the query: the path to match exactly
    keys: frozenset[str] = frozenset()  # query parameters that carry an API key, not vendor parameters
    literal: frozenset[str] = frozenset()  # paths of other operations `path` matches too (`/deployments/secrets`)


def poll_routes(apis: Iterable[ApiModel]) -> list[PollRoute]:
    routes = []
    for api in apis:
        param = api.poll.parameter(api.id_parameter) or {}
        others_required = [
            p for p in api.poll.spec.get("parameters", []) if p.get("required") and p.get("name") != api.id_parameter
        ]
        if api.poll.method != "get" or id_checker(param.get("schema", {})) is None or others_required:
            continue  # unusual poll operations (an id pattern, more parameters): Connexion validates them
        full = api.base_path + api.poll.path
        keys = frozenset(s.param for s in api.requirements(api.poll).schemes if s.location == "query")
        if api.id_in == "path":
            pattern = re.compile(
                "^" + re.escape(full).replace(re.escape("{" + api.id_parameter + "}"), "([^/]+)") + "$"
            )
            # a literal path is routed before a template (as Connexion's copy routes it): never a poll
            literal = frozenset(
                api.base_path + p
                for p in api.resolved.get("paths", {})
                if "{" not in p and pattern.match(api.base_path + p)
            )
            routes.append(PollRoute(api, pattern, None, keys, literal))
        else:
            routes.append(PollRoute(api, None, full, keys))
    return routes


def locate(routes: list[PollRoute], path: str, query: list[tuple[str, str]]) -> tuple[PollRoute, str] | None:
    """The poll route and job id of a request, if it is a poll (jobmock's own query
    parameters and API keys aside)."""
    given = [(k, v) for k, v in query if k != SCENARIO_QUERY]
    for route in routes:
        vendor_query = [(k, v) for k, v in given if k not in route.keys] if route.keys else given
        if route.path is not None:
            match = route.path.match(path)
            if match is not None and not vendor_query and path not in route.literal:
                return route, match.group(1)
        elif path == route.exact:
            if len(vendor_query) == 1 and vendor_query[0][0] == route.api.id_parameter:
                return route, vendor_query[0][1]
            return None
    return None
