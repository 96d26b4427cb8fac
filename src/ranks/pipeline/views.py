"""Pages of the pipeline: a unit's source list and board, a candidate with the rules' findings, a
form per stage event, handovers waiting for an answer, and adding a person to a source list.

Seeing a candidate follows `ranks.pipeline.access.candidate_or_404`; recording needs the officer role
over the candidate's cell (over the receiving unit to answer a handover). Outside the user's units
everything answers 404 like a missing record; a user who may see a candidate but not record gets
the page without its actions, and 403 from the forms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q, Value, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import NullIf, RowNumber
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ranks.access.requests import actor_of, day_of, scope_of, unit_or_404
from ranks.core.clock import today
from ranks.core.dates import parse_date
from ranks.core.errors import DomainError, Refused
from ranks.counters.models import STANDING_OF_COLUMN
from ranks.counters.selectors import member_counts, stages_on
from ranks.org import sql
from ranks.org.models import Unit, UnitVersion
from ranks.org.selectors import unit_subtree, unit_subtree_ids, unit_version_nearest
from ranks.people.models import Person
from ranks.people.selectors import cell_members_on
from ranks.pipeline import rules
from ranks.pipeline.access import candidate_or_404
from ranks.pipeline.due import due_list
from ranks.pipeline.facts_from_records import pipeline_facts
from ranks.pipeline.findings_text import finding_citation, finding_message
from ranks.pipeline.forms import CandidateForm, EventForm
from ranks.pipeline.models import MAIN_STAGES, Candidate, SourceGroup, Stage, StageEvent
from ranks.pipeline.selectors import candidate_state, handover_pending, standing
from ranks.pipeline.services import candidate_save, stage_event_save

PAGE_SIZE = 50
BOARD_COLUMN_LIMIT = 30

# What the source list can be filtered by: one key per candidate (`_standing_filter`; the
# counters' columns of candidates by stage carry the same keys, `STANDING_OF_COLUMN`).
STATE_FILTERS = {
    "active": gettext_lazy("active"),
    "working_away": gettext_lazy("working away"),
    "paused": gettext_lazy("paused"),
    "handed_over": gettext_lazy("handed over"),
    "withdrawn": gettext_lazy("withdrawn"),
    "ineligible": gettext_lazy("found ineligible"),
    "member": gettext_lazy("admitted (probationary or official member)"),
    "removed": gettext_lazy("removed"),
}
MEMBER_STAGES = (Stage.CEREMONY, Stage.OFFICIAL)

# The side events that fit where a candidacy stands, by its side state (None: none in force).
SIDE_ACTIONS: dict[str | None, tuple[str, ...]] = {
    None: (Stage.WORKING_AWAY, Stage.PAUSED, Stage.HANDED_OVER, Stage.WITHDRAWN, Stage.INELIGIBLE),
    Stage.WORKING_AWAY: (Stage.RETURNED, Stage.HANDED_OVER, Stage.WITHDRAWN, Stage.INELIGIBLE),
    Stage.PAUSED: (Stage.RESUMED, Stage.WITHDRAWN, Stage.INELIGIBLE),
    Stage.HANDED_OVER: (Stage.WITHDRAWN, Stage.INELIGIBLE),
    # Put on a source list again, the candidacy starts over.
    Stage.WITHDRAWN: (Stage.SOURCE_LIST,),
    Stage.INELIGIBLE: (Stage.SOURCE_LIST,),
}
HANDOVER_ANSWERS = (Stage.HANDOVER_ACCEPTED, Stage.HANDOVER_REFUSED)
STAGE_ORDER = {stage: i for i, stage in enumerate(Stage.values)}


@dataclass
class Row:
    candidate: Candidate
    state: rules.State
    days: int | None
    cell_name: str = ""

    @property
    def stage_on(self) -> str:
        return self.state.stage


def _cell_names(cell_ids, day: dt.date) -> dict[int, str]:
    return dict(
        UnitVersion.objects.valid_on(day)
        .filter(unit_id__in=set(cell_ids))
        .values_list("unit_id", "name")
    )


def _choice(value: str, allowed) -> str:
    return value if value in allowed else ""


def _standing_filter(state_key: str) -> Q:
    """The candidacies of one `STATE_FILTERS` key, on the annotations of `standing`."""
    if state_key == "removed":
        return Q(stage_on=Stage.REMOVED)
    if state_key == "member":
        return Q(stage_on__in=MEMBER_STAGES)
    alone = Q(stage_on__in=[*MEMBER_STAGES, Stage.REMOVED])
    if state_key == "active":
        return Q(side_on__isnull=True) & ~alone
    return Q(side_on=state_key) & ~alone


def _counted(unit: Unit, day: dt.date, state_key: str) -> dict[str, int]:
    """The unit's candidates on `day` by main stage, of one state (or all), from the counters."""
    counts = stages_on([unit.pk], day).get(unit.pk, {})
    found = dict.fromkeys(MAIN_STAGES, 0)
    for column, n in counts.items():
        stage, state = STANDING_OF_COLUMN[column]
        if not state_key or state == state_key:
            found[stage] += n
    return found


@require_GET
def unit_candidates(request, code: str):
    """The candidates of the cells below a unit on a date: a table, or a board by stage.

    The counts by stage come from the counters (`counters.selectors.stages_on`) when the user
    sees the whole unit on that date and no source group is asked; the rows shown are one page,
    filtered and ordered in the database (today on the standing kept on each candidacy, another
    day by `pipeline.selectors.standing`), with their events, mentors and cell names read for
    them alone."""
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    version = unit_version_nearest(unit, day)
    group = _choice(request.GET.get("group", ""), SourceGroup.values)
    state_key = _choice(request.GET.get("state", ""), STATE_FILTERS)
    stage = _choice(request.GET.get("stage", ""), MAIN_STAGES)
    board = request.GET.get("view") == "board"

    scope = scope_of(request)
    candidates = scope.units(
        Candidate.objects.filter(
            cell_id__in=RawSQL(*sql.subtree_on_ids([unit.pk], day)), added_on__lte=day
        ),
        "cell",
    )
    if group:
        candidates = candidates.filter(source_group=group)
    if (state_key or stage or board) and day >= today():
        # Today (no event is dated in the future): where each stands is kept on the candidacy.
        candidates = candidates.annotate(
            stage_on=F("stage_now"), side_on=NullIf(F("side_now"), Value(""))
        )
    elif state_key or stage or board:
        candidates = standing(candidates, day)
    if state_key:
        candidates = candidates.filter(_standing_filter(state_key))
    if stage:
        candidates = candidates.filter(stage_on=stage)
    whole = scope.full or scope.units_on(Unit.objects.filter(pk=unit.pk), day).exists()
    counts: dict[str, int] | None = None
    if whole and not group:
        counts = _counted(unit, day, state_key)
        if stage:
            counts = {s: (n if s == stage else 0) for s, n in counts.items()}
    ordered = candidates.order_by("person__search_name", "person__person_id")

    columns, page = [], None
    if board:
        if counts is None:
            counts = dict.fromkeys(MAIN_STAGES, 0)
            for row in candidates.values("stage_on").annotate(n=Count("pk")).order_by():
                counts[row["stage_on"]] = row["n"]
        first = ordered.annotate(
            place=Window(
                RowNumber(),
                partition_by=F("stage_on"),
                order_by=[F("person__search_name"), F("person__person_id")],
            )
        ).filter(place__lte=BOARD_COLUMN_LIMIT)
        shown = _rows(first, day)
        columns = [
            {
                "stage": s,
                "rows": [row for row in shown if row.stage_on == s],
                "count": counts[s],
            }
            for s in MAIN_STAGES
        ]
        total = sum(counts.values())
    else:
        paginator = Paginator(ordered, PAGE_SIZE)
        if counts is not None:
            paginator.count = sum(counts.values())  # the counters' figure: no count of rows
        page = paginator.get_page(request.GET.get("page"))
        shown = _rows(page.object_list, day)
        total = paginator.count
    names = _cell_names((row.candidate.cell_id for row in shown), day)
    for row in shown:
        row.cell_name = names.get(row.candidate.cell_id, row.candidate.cell.code)
    return render(
        request,
        "pipeline/candidates.html",
        {
            "unit": unit,
            "version": version,
            "day": day,
            "date_error": date_error,
            "board": board,
            "rows": shown,
            "page": page,
            "columns": columns,
            "total": total,
            "column_limit": BOARD_COLUMN_LIMIT,
            "group": group,
            "state_key": state_key,
            "stage": stage,
            "groups": SourceGroup.choices,
            "states": list(STATE_FILTERS.items()),
            "stages": [(s, Stage(s).label) for s in MAIN_STAGES],
            "is_cell": bool(version and version.kind.holds_members),
            "may_add": _officer_units(request).filter(pk=unit.pk).exists(),
        },
    )


def _rows(candidates, day: dt.date) -> list[Row]:
    """The rows of the candidacies shown, with their people, cells, events and mentors."""
    shown = list(
        candidates.select_related("person", "cell").prefetch_related(
            Prefetch("events", queryset=StageEvent.objects.only("candidate_id", "stage", "date")),
            "mentors",
        )
    )
    rows = []
    for candidate in shown:
        state = candidate_state(candidate, day)
        rows.append(Row(candidate, state, state.days_in_stage(day)))
    return rows


def _officer_units(request):
    return scope_of(request, role="officer").units(Unit.objects.all())


def _finding_rows(findings: list[rules.Finding]) -> list[dict]:
    return [
        {
            "status": f.status,
            "rule": f.rule,
            "citation": finding_citation(f),
            "message": finding_message(f),
            "date": f.date,
            "code": f.code,
        }
        for f in findings
    ]


def _unit_names(unit_ids, day: dt.date) -> dict[int, tuple[str, str]]:
    """(code, name) of units as they were on `day` (else as they began): one query."""
    found: dict[int, tuple[str, str]] = {}
    versions = UnitVersion.objects.filter(unit_id__in=set(unit_ids)).select_related("unit")
    for v in sorted(versions, key=lambda v: v.valid_from or dt.date.min):
        if v.unit_id not in found or (v.valid_from or dt.date.min) <= day:
            found[v.unit_id] = (v.unit.code, v.name)
    return found


@require_GET
def candidate_detail(request, person_id: str):
    """One candidacy on a date: the timeline, time in each stage, what the rules find, and what
    may be recorded next."""
    seen = candidate_or_404(request, person_id)
    candidate = seen.candidate
    day, date_error = day_of(request)
    state = candidate_state(candidate, day)
    facts = pipeline_facts(candidate, day)
    events = sorted(candidate.events.all(), key=lambda e: (e.date, STAGE_ORDER[e.stage], e.pk))
    names = _unit_names({candidate.cell_id, *(e.to_unit_id for e in events if e.to_unit_id)}, day)
    for event in events:
        event.to_unit_code, event.to_unit_name = names.get(event.to_unit_id, ("", ""))
        event.is_later = event.date > day
    next_stages, side_actions = [], []
    if seen.may_record and not state.closed:
        side_actions = list(SIDE_ACTIONS.get(state.side, ()))
        if not state.stopped:
            next_stages = [
                {
                    "stage": n.stage,
                    "allowed": n.allowed,
                    "blockers": _finding_rows(list(n.blockers)),
                }
                for n in rules.next_stages(facts, day)
            ]
    periods = [
        {"stage": p.stage, "start": p.start, "end": p.end, "days": p.days(day)}
        for p in state.periods
    ]
    return render(
        request,
        "pipeline/candidate.html",
        {
            "seen": seen,
            "candidate": candidate,
            "person": candidate.person,
            "cell_code": candidate.cell.code,
            "cell_name": names.get(candidate.cell_id, ("", candidate.cell.code))[1],
            "mentors": list(candidate.mentors.all()),
            "day": day,
            "date_error": date_error,
            "state": state,
            "days_in_stage": state.days_in_stage(day),
            "events": events,
            "periods": periods,
            "eligibility": _finding_rows(rules.evaluate(facts, day)),
            "deadlines": _finding_rows(rules.due(facts, day)),
            "next_stages": next_stages,
            "side_actions": side_actions,
            "handover_to": names.get(seen.handover.to_unit_id) if seen.handover else None,
        },
    )


def _introducer_choices(candidate: Candidate, day: dt.date) -> list[tuple[str, str]]:
    """Official members of the candidate's cell on `day`: who may introduce (R6)."""
    return [
        (p.person.person_id, p.person.full_name)
        for p in cell_members_on(candidate.cell_id, day)
        if p.membership.official_date is not None
        and p.membership.official_date <= day
        and p.person_id != candidate.person_id
    ]


def _officer_cells_below(request, unit: Unit, day: dt.date) -> list[tuple[str, str]]:
    """(code, name) of the cells below `unit` on `day` that the user may record for."""
    versions = scope_of(request, role="officer").units(
        unit_subtree(unit, day).filter(kind__holds_members=True), "unit"
    )
    return [(v.unit.code, v.name) for v in versions.order_by("name")]


@require_http_methods(["GET", "POST"])
def candidate_event(request, person_id: str, stage: str):
    """The form of one stage event; POST records it through `stage_event_save`."""
    if stage not in Stage.values:
        raise Http404(_("No such page."))
    seen = candidate_or_404(request, person_id)
    answering = stage in HANDOVER_ANSWERS
    if not (seen.may_answer_handover if answering else seen.may_record):
        person = seen.candidate.person
        raise Refused(
            _(
                "Recording a step of this candidacy needs the officer role for the candidate's "
                "cell (for a handover, for the receiving unit)."
            ),
            back_url=reverse("candidate", args=[person.person_id]),
            back_label=_("Back to %(name)s") % {"name": person.full_name},
        )
    candidate = seen.candidate
    day, date_error = day_of(request)
    posted = request.POST if request.method == "POST" else None
    on = (parse_date(posted.get("date")) if posted else None) or day
    members, cells, initial, counted = [], [], {"date": day}, None
    if stage == Stage.INTRODUCERS_ASSIGNED:
        members = _introducer_choices(candidate, on)
    if stage == Stage.CELL_RESOLUTION:
        counted = member_counts([candidate.cell_id], on)[candidate.cell_id]["official"]
        initial["official_members"] = counted
    if stage == Stage.HANDOVER_ACCEPTED:
        # The cells below the unit the candidate was handed to.
        cells = _officer_cells_below(request, seen.handover.to_unit, on)
        if len(cells) == 1:
            initial["to_unit_code"] = cells[0][0]
    form = EventForm(stage, posted, initial=initial, members=members, cells=cells)
    if posted is not None and form.is_valid():
        try:
            stage_event_save(
                actor=actor_of(request),
                person_id=candidate.person.person_id,
                stage=stage,
                **form.service_arguments(),
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("Recorded: %(stage)s on %(date)s.")
                % {
                    "stage": Stage(stage).label,
                    "date": form.cleaned_data["date"].strftime("%d/%m/%Y"),
                },
            )
            if stage == Stage.HANDOVER_REFUSED:
                # The candidate stays with the sending unit: the receiving side no longer sees it.
                return redirect("unit_handovers", code=seen.handover.to_unit.code)
            return redirect("candidate", person_id=candidate.person.person_id)
    return render(
        request,
        "pipeline/event_form.html",
        {
            "candidate": candidate,
            "person": candidate.person,
            "stage": stage,
            "form": form,
            "day": day,
            "date_error": date_error,
            "counted": counted,
            "counted_on": on,
            "handover": seen.handover if answering else None,
        },
        status=200,
    )


def _visible_person_ids(request, person_ids: list[str]) -> set[str]:
    people = scope_of(request).people(Person.objects.filter(person_id__in=person_ids))
    return set(people.values_list("person_id", flat=True))


@require_http_methods(["GET", "POST"])
def candidate_new(request, code: str):
    """Add a person to the source list of a cell below `code` (officers only)."""
    unit = _officer_units(request).filter(code=code).first()
    if unit is None:
        raise Http404(_("No such unit."))
    day, date_error = day_of(request)
    version = unit_version_nearest(unit, day)
    cells = _officer_cells_below(request, unit, day)
    members = []
    if len(cells) == 1:
        cell = Unit.objects.get(code=cells[0][0])
        members = [(p.person.person_id, p.person.full_name) for p in cell_members_on(cell.pk, day)]
    posted = request.POST if request.method == "POST" else None
    form = CandidateForm(
        posted,
        initial={"added_on": day, "cell_code": cells[0][0] if len(cells) == 1 else ""},
        cells=cells,
        members=members,
    )
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        person_id = data["person_id"].strip()
        mentor_ids = form.mentor_ids()
        visible = _visible_person_ids(request, [person_id, *mentor_ids])
        unknown_mentors = [m for m in mentor_ids if m not in visible]
        if person_id not in visible:
            form.add_error(
                "person_id", _("Unknown person: %(person_id)s.") % {"person_id": person_id}
            )
        elif unknown_mentors:
            form.add_error(
                "mentor_other",
                _("Unknown person: %(person_id)s.") % {"person_id": ", ".join(unknown_mentors)},
            )
        else:
            try:
                candidate_save(
                    actor=actor_of(request),
                    person_id=person_id,
                    cell_code=data["cell_code"],
                    added_on=data["added_on"],
                    source_group=data["source_group"],
                    mentor_person_ids=mentor_ids,
                    note=data["note"],
                    new=True,
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(
                    request,
                    _("Added to the source list: %(person_id)s.") % {"person_id": person_id},
                )
                return redirect("candidate", person_id=person_id)
    return render(
        request,
        "pipeline/candidate_new.html",
        {
            "unit": unit,
            "version": version,
            "day": day,
            "date_error": date_error,
            "form": form,
            "has_cells": bool(cells),
        },
    )


def _pending_handovers(candidates, on: dt.date) -> list[tuple[Candidate, StageEvent]]:
    """Each candidate whose latest handover waits for an answer on `on`, with that handover."""
    pairs = ((c, handover_pending(candidate=c, day=on)) for c in candidates)
    return [(c, e) for c, e in pairs if e is not None]


@require_GET
def unit_handovers(request, code: str):
    """Handovers waiting for an answer today: to the unit's subtree, and from its cells."""
    unit = unit_or_404(request, code)
    day = today()
    version = unit_version_nearest(unit, day)
    below = unit_subtree_ids([unit.pk], day)
    with_events = Candidate.objects.select_related("person", "cell").prefetch_related("events")
    incoming = [
        (c, e)
        for c, e in _pending_handovers(
            with_events.filter(
                events__stage=Stage.HANDED_OVER, events__to_unit_id__in=below
            ).distinct(),
            day,
        )
        if e.to_unit_id in below
    ]
    outgoing = _pending_handovers(
        scope_of(request).units(with_events.filter(cell_id__in=below), "cell"), day
    )
    names = _unit_names(
        {c.cell_id for c, _e in incoming + outgoing}
        | {e.to_unit_id for _c, e in incoming + outgoing},
        day,
    )
    officer = set(
        _officer_units(request)
        .filter(pk__in={e.to_unit_id for _c, e in incoming})
        .values_list("pk", flat=True)
    )

    def rows(pairs):
        return [
            {
                "candidate": c,
                "handover": e,
                "from": names.get(c.cell_id, (c.cell.code, c.cell.code)),
                "to": names.get(e.to_unit_id, ("", "")),
                "may_answer": e.to_unit_id in officer,
            }
            for c, e in sorted(pairs, key=lambda p: (p[1].date, p[0].person.person_id))
        ]

    return render(
        request,
        "pipeline/handovers.html",
        {
            "unit": unit,
            "version": version,
            "day": day,
            "incoming": rows(incoming),
            "outgoing": rows(outgoing),
        },
    )


@require_GET
def unit_due(request, code: str):
    """What is due on a date for the candidates of the unit's subtree, overdue first."""
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    version = unit_version_nearest(unit, day)
    items = due_list(scope=scope_of(request), unit=unit, on=day)
    return render(
        request,
        "pipeline/unit_due.html",
        {
            "unit": unit,
            "version": version,
            "day": day,
            "date_error": date_error,
            "items": items,
            "overdue_count": sum(1 for i in items if i.overdue),
        },
    )
