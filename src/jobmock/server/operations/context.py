"""What every operation works on: the state, and what is derived from it once per app."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ...contract.document import Contract
from ...state import State
from .control_document import body_validator, control_document
from .journal_reader import JournalReader


class Context:
    def __init__(
        self,
        state: State,
        startup_files: Mapping[str, int] | None = None,
        contracts: Sequence[Contract] | None = None,
        proxy: bool = False,
    ):
        self.state = state
        # every served document: the mock's job APIs and those served without jobs
        self.contracts: list[Contract] = list(state.mock.apis.values() if contracts is None else contracts)
        self.startup_files = startup_files  # what start-up read (`StartupFiles.usage`), for /status
        self.mock = state.mock
        self.control_document = control_document(list(self.mock.apis), proxy)  # proxy: the one inside `jobmock proxy`
        # the create body's check: control.yaml's NewJob, as Connexion checks it
        self.check_new_job = body_validator(self.control_document, "NewJob")
        self.journal = JournalReader(state)
