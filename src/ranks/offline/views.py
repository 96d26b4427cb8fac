"""The installable app's pages: the service worker, a cell's offline recording page, the outbox
that shows what waits on the device, and the page shown offline for a page the device does not
hold.

The recording page is rendered online by the server from the pages' own forms
(`pipeline.forms.EventForm` per stage, `CandidateForm`, `people.forms.PersonForm`); the device
keeps it and, with no connection, puts what is recorded on it into its outbox. The outbox is sent
to the API's writes (`docs/api/offline.md`), which run the same services and rules as the pages.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ranks.access.requests import (
    KEEP_HEADER,
    keep_offline,
    officer_covers,
    scope_of,
    unit_or_404,
)
from ranks.core.clock import today
from ranks.core.errors import Refused
from ranks.offline.selectors import OFFLINE_STAGES, record_kit
from ranks.offline.texts import outbox_texts
from ranks.org.selectors import unit_version_nearest
from ranks.people.forms import AbsenceForm, PersonForm, ReturnForm
from ranks.pipeline.forms import CandidateForm, EventForm
from ranks.pipeline.stages import Stage

# What the service worker keeps from the start: the look and the scripts.
SHELL_ASSETS = (
    "ranks/site.css",
    "offline/offline.js",
    "offline/record.js",
    "offline/outbox.js",
)
# A new person's facts asked for on the recording page (the rest is completed online).
PERSON_FIELDS = (
    "full_name",
    "birth_date",
    "gender",
    "phone",
    "occupation",
    "residence_place_code",
    "workplace_place_code",
)


@cache
def _shell_version() -> str:
    """A digest of the service worker's template and the shell's files: a new release changes
    it, and the installed app replaces what it kept."""
    digest = hashlib.sha256()
    template = Path(__file__).parent / "templates" / "offline" / "sw.js"
    digest.update(template.read_bytes())
    for asset in SHELL_ASSETS:
        found = finders.find(asset)
        if found:
            digest.update(Path(str(found)).read_bytes())
    return digest.hexdigest()[:12]


@login_not_required
@require_GET
def service_worker(request):
    """The service worker, at the root so that it serves every page of the site."""
    body = render_to_string(
        "offline/sw.js",
        {
            "version": _shell_version(),
            "assets_json": json.dumps([static(a) for a in SHELL_ASSETS]),
            "unavailable_url": reverse("offline_unavailable"),
        },
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def cell_record(request, code: str):
    """Record at a cell with or without a connection: a step of a candidate, a person added to
    the source list, a member working away or back. Officers of the cell only; a unit that holds
    no members has no such page."""
    unit = unit_or_404(request, code)
    day = today()
    version = unit_version_nearest(unit, day)
    if version is None or not version.kind.holds_members:
        raise Http404(_("No such page."))
    if not officer_covers(request, unit):
        raise Refused(
            _("Recording at a cell needs the officer role for the cell."),
            back_url=reverse("unit_candidates", args=[unit.code]),
            back_label=_("Back to the source list"),
        )
    kit = record_kit(officer=scope_of(request, role="officer"), cell=unit, day=day)
    stage_forms = [
        (
            stage,
            Stage(stage).label,
            EventForm(stage, prefix=stage, members=kit.members, initial={"date": day}),
        )
        for stage in OFFLINE_STAGES
    ]
    candidate_form = CandidateForm(
        prefix="new",
        cells=[(unit.code, version.name)],
        members=kit.members,
        initial={"added_on": day, "cell_code": unit.code},
    )
    person_form = PersonForm(prefix="person", new=True, sensitive=False, places=kit.places)
    response = render(
        request,
        "offline/record.html",
        {
            "unit": unit,
            "version": version,
            "day": day,
            "kit": kit,
            "stage_forms": stage_forms,
            "candidate_form": candidate_form,
            "person_fields": [person_form[name] for name in PERSON_FIELDS],
            "away_form": AbsenceForm(prefix="away", initial={"started_on": day}),
            "return_form": ReturnForm(prefix="return", initial={"ended_on": day}),
        },
    )
    return keep_offline(request, response, unit)


def _kept(response: HttpResponse) -> HttpResponse:
    response[KEEP_HEADER] = "keep"
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
def outbox(request):
    """What waits on this device to be sent, with each record's state; the device fills it in."""
    return _kept(render(request, "offline/outbox.html", {"texts": outbox_texts()}))


@require_GET
def unavailable(request):
    """Shown by the installed app, with no connection, for a page it does not hold."""
    return _kept(render(request, "offline/unavailable.html", {}))
