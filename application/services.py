"""The application's use cases, built once with their ports (no late wiring)."""

from __future__ import annotations

from dataclasses import dataclass

from application.audits import AuditRegistration
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

    @property
    def clock(self) -> Clock:
        return self.writer.clock


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
) -> Followup:
    writer = Writer(events, projections, clock)
    directory = DepartmentDirectory(read_model)
    queries = Queries(
        events,
        read_model,
        directory,
        DueReminders(read_model, calendar, clock, policy or ReminderPolicy()),
        evidence,
        projections,
    )
    policies = DuePolicies(writer, calendar, queries)
    return Followup(
        writer=writer,
        findings=FindingCommands(writer, directory, evidence),
        audits=AuditRegistration(writer, directory, policies),
        departments=DepartmentAdmin(writer, directory),
        importer=Importer(writer, read_model, directory, parse, staging, policies),
        queries=queries,
        exports=Exports(queries, export_renderer, history, clock),
        yearly=YearlyCycle(writer, queries),
        policies=policies,
        templates=ImportTemplates(template_writer),
    )
