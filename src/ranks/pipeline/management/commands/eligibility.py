"""`ranks eligibility PERSON_ID [--on DATE] [--format text|json]`: the rules engine's findings.

Every finding of eligibility (R1–R7, R14, and R8–R11 once past the cell resolution) and of what
falls due, each naming its rule and document, for a candidate in the actor's scope.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext as _

from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.clock import today
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.dates import parse_day
from ranks.core.errors import DomainError
from ranks.pipeline.facts_from_records import candidate_for_facts, pipeline_facts
from ranks.pipeline.findings_text import (
    finding_citation,
    finding_message,
    format_day,
    rule_title,
)
from ranks.pipeline.models import Candidate
from ranks.pipeline.rules import Finding, due, evaluate


def finding_row(finding: Finding) -> dict:
    return {
        "rule": finding.rule,
        "document": finding.document,
        "clause": finding.clause,
        "status": finding.status,
        "code": finding.code,
        "message": finding_message(finding),
        "date": finding.date.isoformat() if finding.date else None,
    }


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "PERSON_ID: the rules engine's findings for the candidate on a date: eligibility "
            "and what falls due, each with its rule, document, status and message. "
            "With --as, only candidates in that user's scope."
        )

    def add_arguments(self, parser):
        parser.add_argument("person_id", metavar="PERSON_ID")
        parser.add_argument(
            "--on",
            metavar="DATE",
            help=_("The date to judge on, YYYY-MM-DD or DD/MM/YYYY (default: today)."),
        )
        parser.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help=_("text: one line per finding; json: a list of findings (default: text)."),
        )

    def run(self, actor: Actor, *args, **options):
        on = parse_day(options["on"]) if options.get("on") else today()
        person_id = options["person_id"].strip()
        candidates = scope_for(actor).units(Candidate.objects.all(), "cell")
        candidate = candidate_for_facts(candidates, person_id)
        if candidate is None:
            raise DomainError(
                _("Unknown person: %(person_id)s.") % {"person_id": person_id}, field="person_id"
            )
        facts = pipeline_facts(candidate, on)
        findings = evaluate(facts, on) + due(facts, on)
        rows = [finding_row(f) for f in findings]
        if options["format"] == "json":
            self.out(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for finding, row in zip(findings, rows, strict=True):
            self.out(
                "  ".join(
                    [
                        rule_title(row["rule"]),
                        row["status"],
                        finding_citation(finding),
                        format_day(finding.date) if finding.date else "-",
                        row["message"],
                    ]
                )
            )
