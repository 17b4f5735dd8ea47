"""Every operation of a document that is not about a job: answered like a good stateless mock
(`sim.mocker`), with the documented success status and the document's example or generated
data that fits its schema, the same for the same request. Its errors (a request the document
refuses) are the document's own error responses (`replies.documented_error`).
"""

from __future__ import annotations

from ...contract.document import Contract
from ...contract.schema_fit import READ, judge
from ...sim.fakedata import Generator, seeded_faker
from ...sim.mocker import mock, prefer_of, request_seed
from .call import Call
from .replies import Reply, operation_spec, reply_of


async def stateless(api: Contract, call: Call, method: str, path: str) -> Reply:
    """One request of a stateless operation (`path`: its template as the document writes it)."""
    spec = operation_spec(api, method, path)
    seed = request_seed(api.name, method, path, call.params, call.query, call.body)
    judged = judge(api.dialect, READ, api.resolved)
    mocked = mock(
        spec,
        seed,
        lambda value, schema: judged.fits(schema, value),
        accept=call.headers.get("accept"),
        prefer=prefer_of(call.headers.get("prefer")),
        generator=lambda rng: Generator(rng, seeded_faker(seed), dialect=api.dialect, document=api.resolved),
    )
    return reply_of(mocked)
