"""What a request may ask of jobmock besides the vendor API, by name: the headers,
cookies and query parameter that choose a namespace, a scenario or a client name.
Shared by the server that reads them and the clients that send them."""

from __future__ import annotations

NAMESPACE_HEADER = "x-jobmock-namespace"
NAMESPACE_COOKIE = "jobmock-namespace"
SCENARIO_QUERY = "__scenario"
SCENARIO_COOKIE = "jobmock-scenario"
CLIENT_HEADER = "x-jobmock-client"
CONTROL_PREFIX = "/_jobmock"
CONTROL_TOKEN_HEADER = "x-jobmock-token"
CONTROL_TOKEN_ENV = "JOBMOCK_CONTROL_TOKEN"
