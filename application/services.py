"""The application's use cases, built once with their ports (no late wiring)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from application.access import Principal
from application.audits import AuditRegistration
from application.councils import CouncilRegistry, Councils
from application.departments import DepartmentAdmin, DepartmentDirectory
from application.exports import Exports
from application.findings import FindingCommands
from application.importing import Importer
from application.policy import DuePolicies
from application.ports import (
    BusinessCalendar,
    Clock,
    ContentStore,
    DocumentParser,
    ExportRenderer,
    HistoryChain,
    ImportTemplateWriter,
    Projections,
    ReadModel,
)
from application.queries import Queries
from application.reminders import DueReminders, ReminderPolicy
from application.templates import ImportTemplates
from application.tenancy import AuditCouncils, CouncilReadModel
from application.tracker import AuditTracker
from application.writer import Writer
from application.yearly import YearlyCycle


@dataclass(frozen=True)
class Followup:
    """What the entry points (API, web pages, CLI) call: nothing else."""

    writer: Writer
    findings: FindingCommands
    audits: AuditRegistration
    departments: DepartmentAdmin
    importer: Importer
    queries: Queries
    exports: Exports
    yearly: YearlyCycle
    policies: DuePolicies
    templates: ImportTemplates
    councils: Councils
    # The council these use cases are of (None: the installation's, every council).
    council: str | None = None
    # Builds the same use cases for one council (``for_council``), once per council.
    scoped: Callable[[str], Followup] | None = field(default=None, compare=False, repr=False)

    @property
    def clock(self) -> Clock:
        return self.writer.clock

    def for_council(self, council: str | None) -> Followup:
        """The use cases as a caller of ``council`` gets them (None: every council):
        every read holds that council's data only, every write checks it."""
        if council is None or council == self.council:
            return self
        if self.scoped is None:
            raise RuntimeError("use cases built without their councils")
        return self.scoped(council)

    def for_principal(self, principal: Principal) -> Followup:
        return self.for_council(principal.council)


def build_services(
    events: AuditTracker,
    *,
    projections: Projections,
    read_model: ReadModel,
    clock: Clock,
    calendar: BusinessCalendar,
    evidence: ContentStore,
    staging: ContentStore,
    parse: DocumentParser,
    policy: ReminderPolicy | None = None,
    history: HistoryChain | None = None,
    export_renderer: ExportRenderer,
    template_writer: ImportTemplateWriter,
    councils: CouncilRegistry,
) -> Followup:
    writer = Writer(events, projections, clock, AuditCouncils(events, councils))
    built: dict[str, Followup] = {}
    lock = threading.Lock()

    def assemble(reads: ReadModel, council: str | None) -> Followup:
        directory = DepartmentDirectory(reads)
        queries = Queries(
            events,
            reads,
            directory,
            DueReminders(reads, calendar, clock, policy or ReminderPolicy()),
            evidence,
            projections,
            council=council,
            audit_councils=writer.audit_councils,
        )
        policies = DuePolicies(writer, calendar, queries, scope=council)
        return Followup(
            writer=writer,
            findings=FindingCommands(writer, directory, evidence),
            audits=AuditRegistration(writer, directory, policies),
            departments=DepartmentAdmin(writer, directory),
            importer=Importer(writer, reads, directory, parse, staging, policies),
            queries=queries,
            exports=Exports(queries, export_renderer, history, clock),
            yearly=YearlyCycle(writer, queries),
            policies=policies,
            templates=ImportTemplates(template_writer),
            councils=Councils(councils),
            council=council,
        )

    def scoped(council: str) -> Followup:
        with lock:
            if council not in built:
                reads = CouncilReadModel(read_model, council, writer.audit_councils)
                built[council] = replace(assemble(reads, council), scoped=scoped)
            return built[council]

    return replace(assemble(read_model, None), scoped=scoped)
