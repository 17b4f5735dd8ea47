"""Each request held to the document before it is forwarded: that it is an operation of the
document, that its credentials are those the operation asks for, and that its parameters
and body fit what the operation declares.

An app that sends what the document does not allow is told so before the vendor's answer
hides it (a vendor may well take a misspelt parameter silently). The request is judged by
the rules `jobmock serve` applies, not by rules of the proxy's own, so the mock and the
proxy never disagree on what a request may be:

- its credentials by `contract.security.judge`, the function serve's security layer calls:
  present and of the documented form (`Bearer` and the key's pattern, an API key in its
  header, query parameter or cookie, basic credentials that decode), whichever alternative
  of the operation's `security` it takes. Whether a well-formed key is valid is the
  upstream's to say;
- its parameters (path, query, header, cookie: required ones present, values fitting their
  schemas) and its body (a declared content type; JSON, JSON Lines and form bodies fitting
  the schema in the document's dialect) by Connexion as serve sets it up
  (`server.adapters.request_check`), which stops at the first of them that is wrong.

Each finding is of kind `request`, in the same log and header as the answer's. A CORS
preflight (`OPTIONS` with `Access-Control-Request-Method`) to a path whose document declares
no `options` is the browser's, not the app's: it is relayed unjudged.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from ..contract.document import Contract
from ..contract.security import Credentials, judge
from ..exceptions import AuthError
from ..server.adapters.request_check import RequestCheck
from ..server.types import Scope
from .exchanges import Located
from .findings import Finding

DECLARED = "a request to an operation of the document"
# what each request is judged by, in the order a finding of each comes (the JUnit report's test cases)
REQUEST_CHECKS = ("request_declared", "request_security", "request_parameters", "request_body")


async def judge_request(
    api: Contract, check: RequestCheck, located: Located | None, scope: Scope, body: bytes
) -> list[Finding]:
    """What the request (its scope as received, its whole body) breaks of the document."""
    method: str = scope["method"]
    headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
    if located is None:
        if method == "OPTIONS" and any(name.lower() == b"access-control-request-method" for name, _ in headers):
            return []
        return [Finding("request_declared", DECLARED, f"{method} {scope['path']}", "request")]
    found: list[Finding] = []
    requirements = api.security.requirements_of(None, located.method, located.template)
    named = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in reversed(headers)}
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
    try:
        judge(requirements, Credentials(named, query))  # the first of a header wins, the last of a query parameter
    except AuthError as exc:
        found.append(Finding("request_security", requirements.hint, _got(exc), "request"))
    refusal = await check.refusal(scope, body)
    if refusal is not None:
        if refusal.part == "route":
            found.append(
                Finding("request_declared", DECLARED, f"{method} {scope['path']}: {refusal.message}", "request")
            )
        elif refusal.part == "parameters":
            found.append(Finding("request_parameters", "parameters as the operation declares them", refusal.message,
                                 "request"))  # fmt: skip
        else:
            found.append(Finding("request_body", "a body as the operation declares it", refusal.message, "request"))
    return found


def _got(exc: AuthError) -> str:
    """What came instead of the credentials asked for, in words no redaction rewrites (the
    vendor's wording, `Invalid token format: …`, would read `Invalid token REDACTED`)."""
    if exc.kind == "missing":
        return "no credential"
    if exc.kind == "scheme":
        return str(exc)  # `Authorization header must be 'Bearer <token>'`
    return "a credential not of that form"
