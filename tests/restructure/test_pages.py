"""The restructure pages: a manager prepares a restructure from a unit's page, previews it (the
steps, what the sources hold, the blockers), applies it and undoes it; refusals change nothing;
outside the manager's scope every page answers like a missing one."""

import re
from html import unescape
from html.parser import HTMLParser

import pytest

from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM
from ranks.core.models import AuditEntry
from ranks.org.models import PlaceVersion, Unit, UnitVersion
from ranks.org.selectors import unit_subtree
from ranks.restructure.models import Restructure
from ranks.restructure.services import restructure_apply, restructure_preview
from tests.factories import LAST_OLD_DAY, REFORM, make_user
from tests.restructure.test_services import SPLIT, commune_to_split  # noqa: F401 (a fixture)
from tests.restructure.test_targets_carry import district  # noqa: F401 (a fixture)

NEW = "/units/{}/restructures/new/"
MERGE = {
    "kind": "merge",
    "on": "01/07/2025",
    "sources": "C2",
    "targets": "N1",
    "reason": "Sáp nhập đơn vị hành chính",
    "document": "Quyết định số 123-QĐ/TU",
}


def below(code, day):
    unit = Unit.objects.get(code=code)
    return {v.unit.code: v.parent.code if v.parent else None for v in unit_subtree(unit, day)}


def state():
    return [
        sorted(
            UnitVersion.objects.values_list("unit__code", "valid_from", "valid_to", "parent_id")
        ),
        sorted(
            PlaceVersion.objects.values_list("place__code", "valid_from", "valid_to", "unit_id")
        ),
        AuditEntry.objects.count(),
        Restructure.objects.count(),
    ]


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


@pytest.fixture
def manager(client, world):
    """Alice, manager of C2 and N1 (and officer of C1): she covers the merge of C2 into N1."""
    for code in ("C2", "N1"):
        grant_role(actor=SYSTEM, username="alice", role="manager", unit_code=code)
    client.force_login(world.users["alice"])
    return client


def test_the_unit_page_offers_the_form_to_its_managers_only(manager, client, world):
    assert 'data-test="restructure-link"' in manager.get("/units/C2/").content.decode()
    assert "Sắp xếp tổ chức" in manager.get("/units/C2/").content.decode()
    # An officer (not a manager) of C1 sees no link, and the form refuses them.
    assert 'data-test="restructure-link"' not in manager.get("/units/C1/").content.decode()
    assert manager.get(NEW.format("C1")).status_code == 403


def test_a_manager_previews_applies_and_undoes_a_merge(manager):
    page = manager.get(NEW.format("C2"))
    assert page.status_code == 200
    shown = text(page)
    assert "Chuẩn bị sắp xếp tổ chức" in shown and 'list="restructure-units"' in shown
    # The units offered: C2 and the cell below it, not the whole country.
    assert '<option value="C2-A">Chi bộ bản Nà</option>' in shown
    assert '<option value="C1-A"' not in shown

    before = state()
    preview = manager.post(NEW.format("C2"), {**MERGE, "action": "preview"})
    assert preview.status_code == 200
    shown = text(preview)
    expected = restructure_preview(
        actor=SYSTEM, kind="merge", on=REFORM, sources=["C2"], targets=["N1"]
    )
    assert expected.ok and 'data-test="no-blockers"' in shown
    for step in expected.plan.units:
        assert f'data-test="step-{step.code}"' in shown
    assert 'data-test="place-V2"' in shown and 'data-test="closes-C2"' in shown
    # Every entry of what the sources hold, with its count and rows.
    for carried in expected.carried:
        assert carried.label[:1].upper() + carried.label[1:] in shown
        for row in carried.rows:
            assert row in shown
    assert shown.count('data-test="carried-entry"') == len(expected.carried)
    # The form stays filled, and apply is offered.
    assert 'value="Quyết định số 123-QĐ/TU"' in shown
    assert 'data-test="apply"' in shown
    assert state() == before

    # Apply without the confirmation: refused, nothing written.
    unconfirmed = manager.post(NEW.format("C2"), {**MERGE, "action": "apply"})
    assert "Hãy đánh dấu xác nhận" in text(unconfirmed)
    assert state() == before

    applied = manager.post(NEW.format("C2"), {**MERGE, "action": "apply", "confirm": "yes"})
    done = Restructure.objects.get()
    assert applied.status_code == 302 and applied.url == f"/restructures/{done.pk}/"
    assert below("N1", REFORM)["C2-A"] == "N1"
    assert below("C2", LAST_OLD_DAY) == {"C2": "D2", "C2-A": "C2"}
    entry = AuditEntry.objects.get(action="ranks.restructure.applied")
    assert entry.actor == "alice" and entry.channel == "web"

    page = text(manager.get(applied.url))
    assert "Đã áp dụng việc sắp xếp." in page
    assert "Quyết định số 123-QĐ/TU" in page and "Sáp nhập đơn vị hành chính" in page
    assert 'data-test="step-C2-A"' in page and 'data-test="closes-C2"' in page
    assert 'data-test="undo"' in page
    # Listed, with a link, on the pages of both units.
    for code in ("C2", "N1"):
        unit_page = manager.get(f"/units/{code}/").content.decode()
        assert f'href="/restructures/{done.pk}/"' in unit_page, code

    undone = manager.post(applied.url)
    assert undone.status_code == 302
    assert below("C2", REFORM) == {"C2": "D2", "C2-A": "C2"}
    page = text(manager.get(applied.url))
    assert "Đã hoàn tác việc sắp xếp." in page and "Đã hoàn tác" in page
    assert 'data-test="undo"' not in page
    assert AuditEntry.objects.filter(action="ranks.restructure.undone", actor="alice").exists()


def test_a_blocked_preview_offers_no_apply(manager):
    blocked = {**MERGE, "on": "01/01/2024"}  # N1 does not exist yet
    shown = text(manager.post(NEW.format("C2"), {**blocked, "action": "preview"}))
    expected = restructure_preview(
        actor=SYSTEM,
        kind="merge",
        on=REFORM.replace(year=2024, month=1),
        sources=["C2"],
        targets=["N1"],
    )
    assert expected.blockers
    assert 'data-test="blockers"' in shown
    for blocker in expected.blockers:
        assert blocker in shown
    assert 'data-test="apply"' not in shown


def test_a_refused_apply_changes_nothing(manager):
    before = state()
    blocked = {**MERGE, "on": "01/01/2024", "action": "apply", "confirm": "yes"}
    response = manager.post(NEW.format("C2"), blocked)
    assert response.status_code == 200
    shown = text(response)
    assert 'data-test="refusal"' in shown and "N1" in shown
    assert state() == before


def test_undo_refused_shows_why_and_changes_nothing(manager):
    from ranks.org.services import unit_change

    done = restructure_apply(actor=SYSTEM, kind="merge", on=REFORM, sources=["C2"], targets=["N1"])
    unit_change(
        actor=SYSTEM,
        code="C2-A",
        on=REFORM.replace(year=2026, month=1),
        name="Chi bộ bản Nà mới",
        can_admit=False,
        area_flags=[],
    )
    before = state()
    shown = text(manager.post(f"/restructures/{done.pk}/"))
    assert 'data-test="refusal"' in shown and "C2-A" in shown
    assert state() == before


def test_outside_the_scope_is_like_missing(client, world):
    """Bob manages C2 only: C1's form, a restructure naming C1 and a code outside his scope are
    all answered like missing ones."""
    grant_role(actor=SYSTEM, username="bob", role="manager", unit_code="C2")
    client.force_login(world.users["bob"])
    missing = client.get(NEW.format("NO-SUCH-UNIT"))
    assert missing.status_code == 404
    assert client.get(NEW.format("C1")).status_code == 404
    assert client.post(NEW.format("C1"), {**MERGE, "action": "preview"}).status_code == 404

    done = restructure_apply(
        actor=SYSTEM, kind="rename", on=REFORM.replace(year=2026), sources=["C1-B"], name="X"
    )
    forbidden = client.get(f"/restructures/{done.pk}/")
    missing = client.get("/restructures/999999/")
    assert forbidden.status_code == missing.status_code == 404
    # The pages differ only in the address they echo back (the language switch returns there).
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"|data-rendered-at="[^"]+"')
    assert token.sub(b"", forbidden.content).replace(
        f"/restructures/{done.pk}/".encode(), b"/X/"
    ) == token.sub(b"", missing.content).replace(b"/restructures/999999/", b"/X/")
    assert client.post(f"/restructures/{done.pk}/").status_code == 404
    assert Restructure.objects.get().status == "applied"

    # Naming a unit outside his scope: the same words as an unknown code, and no preview.
    outside = text(client.post(NEW.format("C2"), {**MERGE, "targets": "N1", "action": "preview"}))
    unknown = text(client.post(NEW.format("C2"), {**MERGE, "targets": "NOPE", "action": "preview"}))
    assert "Không tìm thấy mã tổ chức đảng: N1." in outside
    message = re.search(r'class="field-error" role="alert"> ?<p>([^<]*)</p>', outside)
    assert message is not None
    assert message.group(1).replace("N1", "X") == re.search(
        r'class="field-error" role="alert"> ?<p>([^<]*)</p>', unknown
    ).group(1).replace("NOPE", "X")
    assert 'data-test="preview-result"' not in outside


def test_english_on_request(manager):
    manager.post("/i18n/setlang/", {"language": "en", "next": "/"})
    shown = text(manager.get(NEW.format("C2")))
    assert "Prepare a restructure" in shown and "Source units" in shown
    preview = text(manager.post(NEW.format("C2"), {**MERGE, "action": "preview"}))
    assert "Nothing blocks this restructure." in preview and ">Apply<" in preview
    applied = manager.post(NEW.format("C2"), {**MERGE, "action": "apply", "confirm": "yes"})
    page = text(manager.get(applied.url))
    assert "The restructure is applied." in page and ">Undo<" in page and "What it did" in page


class _ApplyForm(HTMLParser):
    """The fields the apply form posts: its hidden inputs and hidden textareas."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("data-test") == "apply-form"
        elif self.inside and tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value") or ""
        elif self.inside and tag == "textarea":
            self._textarea = a["name"]
            self.fields[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


@pytest.mark.usefixtures("commune_to_split")
def test_a_split_applied_from_the_form_the_preview_posts(client, world):
    """The mapping typed one line each comes back from the apply form as typed."""
    client.force_login(world.users["root"])
    typed = {
        **SPLIT,
        "on": SPLIT["on"].strftime("%d/%m/%Y"),
        "sources": "X",
        "targets": "Y, Z",
        "mapping": "X-A=Y\r\nVX1=Y\r\nX-B = Z\r\nVX2=Z",
        "reason": "Chia tách\r\ntheo đề án",
        "action": "preview",
    }
    preview = client.post(NEW.format("X"), typed)
    shown = text(preview)
    assert 'data-test="no-blockers"' in shown
    assert 'data-test="step-X-A"' in shown and 'data-test="place-VX2"' in shown
    form = _ApplyForm()
    form.feed(preview.content.decode())
    fields = {k: v for k, v in form.fields.items() if k != "csrfmiddlewaretoken"}
    assert fields["mapping"].splitlines() == typed["mapping"].splitlines()
    applied = client.post(NEW.format("X"), {**fields, "action": "apply", "confirm": "yes"})
    assert applied.status_code == 302
    assert below("Y", SPLIT["on"]) == {"Y": None, "X-A": "Y"}
    assert below("Z", SPLIT["on"]) == {"Z": None, "X-B": "Z"}
    done = Restructure.objects.get()
    assert done.params["mapping"] == SPLIT["mapping"]
    assert done.reason.splitlines() == ["Chia tách", "theo đề án"]


@pytest.mark.usefixtures("district")
def test_a_split_with_a_changed_part_of_the_targets(client):
    """The manager changes a part of the suggested split of a target on the form; the other
    parts keep their suggestion, and a malformed line is said on its field."""
    from ranks.targets.models import Target
    from tests.restructure.test_targets_carry import NEXT
    from tests.restructure.test_targets_carry import SPLIT as TARGET_SPLIT

    client.force_login(make_user("root", superuser=True))
    value = Target.objects.get(unit__code="X", year=NEXT, metric="admissions").value
    women = Target.objects.get(unit__code="X", year=NEXT, metric="admissions_women").value
    kept = {
        (t.unit.code, t.metric): t.value
        for t in Target.objects.filter(year=NEXT).select_related("unit")
    }
    typed = {
        "kind": "split",
        "on": TARGET_SPLIT["on"].isoformat(),
        "sources": "X",
        "targets": "Y Z",
        "mapping": "\n".join(f"{k}={v}" for k, v in TARGET_SPLIT["mapping"].items()),
        "split_weight": "members",
        "action": "preview",
    }
    bad = text(client.post(NEW.format("X"), {**typed, "target_values": "Y=3"}))
    assert "Dòng 1: hãy viết NĂM:CHỈ_TIÊU:ĐÍCH=N" in bad
    assert 'data-test="preview-result"' not in bad
    changed = f"{NEXT}:admissions:Y={value - 1}\n{NEXT}:admissions:Z=1"
    preview = client.post(NEW.format("X"), {**typed, "target_values": changed})
    shown = text(preview)
    assert 'data-test="no-blockers"' in shown and 'data-test="carried-entry"' in shown
    form = _ApplyForm()
    form.feed(preview.content.decode())
    fields = {k: v for k, v in form.fields.items() if k != "csrfmiddlewaretoken"}
    applied = client.post(NEW.format("X"), {**fields, "action": "apply", "confirm": "yes"})
    assert applied.status_code == 302
    after = {
        (t.unit.code, t.metric): t.value
        for t in Target.objects.filter(year=NEXT).select_related("unit")
    }
    assert after[("Y", "admissions")] == kept.get(("Y", "admissions"), 0) + value - 1
    assert after[("Z", "admissions")] == kept.get(("Z", "admissions"), 0) + 1
    # The other metric kept its suggested split: its parts still sum to the source's value.
    assert (after[("Y", "admissions_women")] - kept.get(("Y", "admissions_women"), 0)) + (
        after[("Z", "admissions_women")] - kept.get(("Z", "admissions_women"), 0)
    ) == women
