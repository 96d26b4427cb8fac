"""Pages of the pipeline: a unit's source list and board, what is due, a candidate with the rules'
findings, a form per stage event, handovers waiting for an answer, adding to a source list.

Seeing a candidate follows `ranks.pipeline.access.candidate_or_404`; recording needs the officer role
over the candidate's cell (over the receiving unit to answer a handover). Outside the user's units
everything answers 404 like a missing record; a user who may see a candidate but not record gets
the page without its actions, and 403 from the forms.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ranks.access.requests import (
    KEEP_HEADER,
    actor_of,
    day_of,
    keep_offline,
    officer_covers,
    scope_of,
    unit_or_404,
)
from ranks.core.clock import today
from ranks.core.dates import parse_date
from ranks.core.errors import DomainError, Refused
from ranks.core.pages import page_of
from ranks.org.selectors import unit_version_nearest
from ranks.pipeline.access import candidate_or_404, may_decide
from ranks.pipeline.due import due_list
from ranks.pipeline.forms import CandidateForm, CorrectionForm, EventForm
from ranks.pipeline.selectors import (
    BOARD_COLUMN_LIMIT,
    candidate_bases,
    candidate_basis,
    candidate_choices,
    candidate_committee,
    candidate_overview,
    candidates_on_board,
    candidates_paged,
    decisions_awaiting,
    event_choices,
    handovers_waiting,
)
from ranks.pipeline.services import candidate_save, stage_event_correct, stage_event_save
from ranks.pipeline.stages import MAIN_STAGES, STATE_FILTERS, SourceGroup, Stage
from ranks.restructure.selectors import candidate_handovers

HANDOVER_ANSWERS = (Stage.HANDOVER_ACCEPTED, Stage.HANDOVER_REFUSED)


def _choice(value: str, allowed) -> str:
    return value if value in allowed else ""


@require_GET
def unit_candidates(request, code: str):
    """The candidates of the cells below a unit on a date: a table, or a board by stage.

    The counts by stage come from the counters when the user sees the whole unit on that date
    and no source group is asked; the rows shown are one page, filtered and ordered in the
    database (`pipeline.selectors.source_list`)."""
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    version = unit_version_nearest(unit, day)
    group = _choice(request.GET.get("group", ""), SourceGroup.values)
    state_key = _choice(request.GET.get("state", ""), STATE_FILTERS)
    stage = _choice(request.GET.get("stage", ""), MAIN_STAGES)
    board = request.GET.get("view") == "board"
    scope = scope_of(request)
    if board:
        listed = candidates_on_board(
            scope=scope, unit=unit, day=day, group=group, state_key=state_key, stage=stage
        )
    else:
        listed = candidates_paged(
            scope=scope,
            unit=unit,
            day=day,
            group=group,
            state_key=state_key,
            stage=stage,
            page_number=request.GET.get("page"),
        )
    is_cell = bool(version and version.kind.holds_members)
    kept = is_cell and officer_covers(request, unit) and day == today()
    bases: dict[int, str] = {}
    if kept:
        # Each candidate's basis goes with the link, so the device fetches again for offline
        # use only the candidates' pages that changed (three queries for the page's rows).
        shown = [row.candidate.pk for row in listed.rows] + [
            row.candidate.pk for column in (listed.columns or []) for row in column.rows
        ]
        bases = candidate_bases(shown)
    response = render(
        request,
        "pipeline/candidates.html",
        {
            "unit": unit,
            "version": version,
            "day": day,
            "date_error": date_error,
            "board": board,
            "rows": listed.rows,
            "page": listed.page,
            "columns": listed.columns,
            "total": listed.total,
            "column_limit": BOARD_COLUMN_LIMIT,
            "group": group,
            "state_key": state_key,
            "stage": stage,
            "groups": SourceGroup.choices,
            "states": list(STATE_FILTERS.items()),
            "stages": [(s, Stage(s).label) for s in MAIN_STAGES],
            "is_cell": is_cell,
            "may_add": officer_covers(request, unit),
            # A cell's own officer gets the links the installed app keeps for offline use.
            "offline": kept,
            "bases": bases,
        },
    )
    return keep_offline(request, response, unit if is_cell else None)


DUE_PAGE = 25


@require_GET
def unit_due(request, code: str):
    """What is due on a date for the candidates of the unit's subtree, overdue first."""
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    version = unit_version_nearest(unit, day)
    items = due_list(scope=scope_of(request), unit=unit, on=day)
    # Overdue first, then by date: a page at a time, with the totals of the whole list.
    page = page_of(items, request.GET.get("page"), DUE_PAGE)
    response = render(
        request,
        "pipeline/unit_due.html",
        {
            "unit": unit,
            "version": version,
            "day": day,
            "date_error": date_error,
            "items": page.object_list,
            "page": page,
            "total": len(items),
            "overdue_count": sum(1 for i in items if i.overdue),
        },
    )
    return keep_offline(request, response, unit if version and version.kind.holds_members else None)


@require_GET
def unit_decisions(request, code: str):
    """The files awaiting the unit's decision as the competent committee (R18) on a date, with
    their R8 deadlines, overdue and nearest first."""
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    version = unit_version_nearest(unit, day)
    files = decisions_awaiting(scope=scope_of(request), unit=unit, on=day)
    page = page_of(files, request.GET.get("page"), DUE_PAGE)
    return render(
        request,
        "pipeline/unit_decisions.html",
        {
            "unit": unit,
            "version": version,
            "day": day,
            "date_error": date_error,
            "files": page.object_list,
            "page": page,
            "total": len(files),
            "overdue_count": sum(1 for f in files if f.item.overdue),
        },
    )


@require_GET
def candidate_detail(request, person_id: str):
    """One candidacy on a date: the timeline, time in each stage, what the rules find, and what
    may be recorded next."""
    seen = candidate_or_404(request, person_id)
    day, date_error = day_of(request)
    overview = candidate_overview(
        candidate=seen.candidate, day=day, may_record=seen.may_record, handover=seen.handover
    )
    basis = candidate_basis(seen.candidate)
    response = render(
        request,
        "pipeline/candidate.html",
        {
            "seen": seen,
            "candidate": seen.candidate,
            "person": seen.candidate.person,
            "cell_code": seen.candidate.cell.code,
            "cell_name": overview.cell_name,
            "mentors": overview.mentors,
            "day": day,
            "date_error": date_error,
            "state": overview.state,
            "days_in_stage": overview.days_in_stage,
            "events": overview.timeline,
            "periods": overview.periods,
            "eligibility": overview.eligibility,
            "deadlines": overview.deadlines,
            "next_stages": overview.next_stages,
            "side_actions": overview.side_actions,
            "handover_to": overview.handover_to,
            "vote": overview.vote,
            "vote_failed": overview.vote_failed,
            "member_status": overview.member_status,
            # Who decides the admission (R18), and its change while the file was in progress.
            "committee": candidate_committee(seen.candidate, day),
            # The handovers restructures recorded: one query, whatever their number.
            "restructure_handovers": candidate_handovers(seen.candidate.pk),
            # The version a device copies this candidacy at (offline records send it back).
            "basis": basis,
        },
    )
    keep_offline(request, response, seen.candidate.cell)
    if response.has_header(KEEP_HEADER):
        # What the device compares before fetching the page again for offline use.
        response["Ranks-Basis"] = basis
    return response


@require_http_methods(["GET", "POST"])
def candidate_event(request, person_id: str, stage: str):
    """The form of one stage event; POST records it through `stage_event_save`."""
    if stage not in Stage.values:
        raise Http404(_("No such page."))
    seen = candidate_or_404(request, person_id)
    answering = stage in HANDOVER_ANSWERS
    if answering:
        allowed = seen.may_answer_handover
    elif stage == Stage.ADMISSION_DECISION:
        allowed = may_decide(request, seen, today())
    else:
        allowed = seen.may_record
    if not allowed:
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
    offered = event_choices(
        candidate=candidate,
        stage=stage,
        day=on,
        officer=scope_of(request, role="officer"),
        handover=seen.handover,
    )
    initial: dict[str, object] = {"date": day}
    if offered.counted is not None:
        initial["official_members"] = offered.counted
    if len(offered.cells) == 1:
        initial["to_unit_code"] = offered.cells[0][0]
    if stage == Stage.ADMISSION_DECISION:
        competent = candidate_committee(candidate, on).competent
        initial["committee_code"] = competent.code if competent else ""
    form = EventForm(stage, posted, initial=initial, members=offered.members, cells=offered.cells)
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
            if stage == Stage.HANDOVER_REFUSED and seen.handover and seen.handover.to_unit:
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
            "counted": offered.counted,
            "counted_on": on,
            "handover": seen.handover if answering else None,
        },
        status=200,
    )


@require_http_methods(["GET", "POST"])
def candidate_event_correct(request, person_id: str, event_id: int):
    """Correct a mistyped event of the candidacy, with the reason; POST goes through
    `stage_event_correct` (audited with the event before and after, and the reason)."""
    seen = candidate_or_404(request, person_id)
    candidate = seen.candidate
    person = candidate.person
    event = next((e for e in candidate.events.all() if e.pk == event_id), None)
    if event is None:
        raise Http404(_("No such page."))
    if not seen.may_record:
        raise Refused(
            _(
                "Correcting a step of this candidacy needs the officer role for the candidate's cell."
            ),
            back_url=reverse("candidate", args=[person.person_id]),
            back_label=_("Back to %(name)s") % {"name": person.full_name},
        )
    posted = request.POST if request.method == "POST" else None
    on = (parse_date(posted.get("date")) if posted else None) or event.date
    offered = event_choices(
        candidate=candidate,
        stage=event.stage,
        day=on,
        officer=scope_of(request, role="officer"),
        handover=None,
    )
    cells = offered.cells
    if event.to_unit is not None and event.stage == Stage.HANDOVER_ACCEPTED:
        cells = [(event.to_unit.code, event.to_unit.code)]
    introducers = [p.person_id for p in event.introducers.all()]
    initial = CorrectionForm.initial_of(event, introducers, {pid for pid, _name in offered.members})
    form = CorrectionForm(
        event.stage, posted, initial=initial, members=offered.members, cells=cells
    )
    if posted is not None and form.is_valid():
        try:
            stage_event_correct(
                actor=actor_of(request),
                person_id=person.person_id,
                event_id=event.pk,
                **form.service_arguments(),
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("Corrected: %(stage)s on %(date)s.")
                % {
                    "stage": Stage(event.stage).label,
                    "date": form.cleaned_data["date"].strftime("%d/%m/%Y"),
                },
            )
            return redirect("candidate", person_id=person.person_id)
    return render(
        request,
        "pipeline/event_form.html",
        {
            "candidate": candidate,
            "person": person,
            "stage": event.stage,
            "form": form,
            "day": on,
            "date_error": None,
            "counted": offered.counted,
            "counted_on": on,
            "handover": None,
            "correcting": event,
        },
    )


@require_http_methods(["GET", "POST"])
def candidate_new(request, code: str):
    """Add a person to the source list of a cell below `code` (officers only)."""
    unit = unit_or_404(request, code, role="officer")
    day, date_error = day_of(request)
    version = unit_version_nearest(unit, day)
    offered = candidate_choices(officer=scope_of(request, role="officer"), unit=unit, day=day)
    cells = offered.cells
    posted = request.POST if request.method == "POST" else None
    form = CandidateForm(
        posted,
        initial={"added_on": day, "cell_code": cells[0][0] if len(cells) == 1 else ""},
        cells=cells,
        members=offered.members,
    )
    if posted is not None and form.is_valid() and form.people_known(scope_of(request)):
        data = form.cleaned_data
        person_id = data["person_id"].strip()
        try:
            candidate_save(
                actor=actor_of(request),
                person_id=person_id,
                cell_code=data["cell_code"],
                added_on=data["added_on"],
                source_group=data["source_group"],
                mentor_person_ids=form.mentor_ids(),
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


@require_GET
def unit_handovers(request, code: str):
    """Handovers waiting for an answer today: to the unit's subtree, and from its cells."""
    unit = unit_or_404(request, code)
    day = today()
    version = unit_version_nearest(unit, day)
    waiting = handovers_waiting(
        scope=scope_of(request), officer=scope_of(request, role="officer"), unit=unit, day=day
    )
    return render(
        request,
        "pipeline/handovers.html",
        {
            "unit": unit,
            "version": version,
            "day": day,
            "incoming": waiting.incoming,
            "outgoing": waiting.outgoing,
        },
    )
