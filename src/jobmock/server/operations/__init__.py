"""The operations: one function per operation, over the state, that owns everything about
its answer (auth, the id's form, reading what other workers did, status, headers and
bytes). The adapters (`..adapters`: the fast paths and Connexion) only turn a request into
a `Call` and a `Reply` into a response.

Adding an operation: one function here, named in `CONTROL` (or a vendor job operation in
`vendor.py`), and, if it is hot, a route in the fast paths. A vendor operation that is not
about a job is answered by `stateless`.
"""

from __future__ import annotations

from . import clock, jobs, journal, service
from .call import Call, call
from .context import Context
from .control import ControlOperation
from .poll import poll
from .replies import Reply
from .stateless import stateless
from .vendor import cancel, create, delete, list_jobs

CONTROL: dict[str, ControlOperation] = {  # control.yaml's operationIds
    "listApis": service.list_apis,
    "getStatus": service.status,
    "listScenarios": service.list_scenarios,
    "listNamespaces": service.list_namespaces,
    "dropNamespace": service.drop_namespace,
    "listJobs": jobs.list_jobs,
    "createJob": jobs.create_job,
    "getJob": jobs.get_job,
    "cancelJob": jobs.cancel_job,
    "approveJob": jobs.approve_job,
    "rejectJob": jobs.reject_job,
    "deleteJob": jobs.delete_job,
    "getClock": clock.get_clock,
    "setClockMode": clock.set_clock_mode,
    "advanceClock": clock.advance_clock,
    "setClock": clock.set_clock,
    "freezeClock": clock.freeze_clock,
    "resumeClock": clock.resume_clock,
    "getJournal": journal.get_journal,
    "clearJournal": journal.clear_journal,
    "getPollingReport": journal.polling_report,
}
STREAMS = ("streamJob", "streamNamespace")  # answered by `middleware.events` (Connexion cannot stream)
PROXIED = ("listViolations", "streamViolations")  # answered by `jobmock proxy`, before its jobmock (`proxy.app`)

__all__ = [
    "CONTROL",
    "PROXIED",
    "STREAMS",
    "Call",
    "Context",
    "Reply",
    "call",
    "cancel",
    "create",
    "delete",
    "list_jobs",
    "poll",
    "stateless",
]
