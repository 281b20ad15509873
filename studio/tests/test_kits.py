"""Brand kits: the services (names, one default, apply in one transaction, foreign ids, the
default kit of new codes, a deleted logo) and the HTML pages (list, form, preview, apply)."""

from __future__ import annotations

import uuid

import pytest

from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.scoping import bind_organization
from studio import kits
from studio.design import DEFAULT, design_load
from studio.models import BrandKit, QRDesign
from studio.selectors import brand_kit_list
from studio.tests.conftest import qr_create
from tenants.models import ActivityLog

pytestmark = pytest.mark.django_db

PIZZA = {"fg": "#b3261e", "bg": "#fff8e7", "frame": "below", "frame_text": "Scan for the menu",
         "frame_color": "#b3261e", "frame_text_color": "#ffffff", "font": "bold-italic"}


def create(org, user, name="Pizza red", design=None, **extra):
    with bind_organization(org):
        return kits.brand_kit_create(organization=org, actor=user,
                                     data={"name": name, "design": dict(PIZZA if design is None else design), **extra})


def apply(org, user, kit, ids):
    with bind_organization(org):
        return kits.brand_kit_apply(organization=org, actor=user, kit_id=kit.pk, qr_code_ids=ids)


def stored(qr) -> QRDesign | None:
    return QRDesign.all_orgs.filter(qr_code=qr).first()


def actions(org) -> list[str]:
    return list(ActivityLog.all_orgs.filter(organization=org).exclude(action="create_qr_code")
                .order_by("id").values_list("action", flat=True))


# ---- services -------------------------------------------------------------------------------

def test_create_stores_the_validated_design_and_records_it(studio_org, studio_editor):
    kit = create(studio_org, studio_editor, design={**PIZZA, "fg": "#B32"})
    row = BrandKit.all_orgs.get(pk=kit.pk)
    assert row.name == "Pizza red" and row.organization_id == studio_org.pk and not row.is_default
    assert design_load(row.design) == DEFAULT.with_changes(**{**PIZZA, "fg": "#bb3322"})
    assert actions(studio_org) == ["create_brand_kit"]


@pytest.mark.parametrize(("name", "message"), [
    ("", "Give the kit a name."), ("   ", "Give the kit a name."), (None, "Give the kit a name."),
    (42, "Give the kit a name."), ("x" * 81, "At most 80 characters."),
    ("Pizza\x00red", "Use letters, digits, spaces and punctuation only."),
    ("Pizza\u200bred", "Use letters, digits, spaces and punctuation only."),
])
def test_bad_names_are_refused_with_a_reason(studio_org, studio_admin, name, message):
    with pytest.raises(ValidationFailed) as err:
        create(studio_org, studio_admin, name=name)
    assert err.value.detail == {"name": message}
    assert not BrandKit.all_orgs.exists()


def test_names_are_unique_per_organization_case_insensitively(studio_org, studio_admin, other_org, other_admin):
    create(studio_org, studio_admin)
    with pytest.raises(ValidationFailed) as err:
        create(studio_org, studio_admin, name="  pizza   RED ")
    assert err.value.detail == {"name": kits.NAME_TAKEN}
    create(other_org, other_admin)  # another organization may use the same name
    second = create(studio_org, studio_admin, name="Blue")
    with bind_organization(studio_org), pytest.raises(ValidationFailed):
        kits.brand_kit_update(organization=studio_org, actor=studio_admin, kit_id=second.pk, data={"name": "Pizza Red"})
    assert BrandKit.all_orgs.filter(organization=studio_org).count() == 2


def test_bad_design_fields_and_unknown_fields_are_named(studio_org, studio_admin, other_org_logo):
    with pytest.raises(ValidationFailed) as err:
        create(studio_org, studio_admin, design={"fg": "red", "quiet_zone": 2, "logo": str(other_org_logo.pk)},
               colour="x", is_default="yes")
    assert set(err.value.detail) == {"fg", "quiet_zone", "colour", "is_default"}
    with pytest.raises(ValidationFailed) as err:  # the other organization's image is no logo of ours
        create(studio_org, studio_admin, design={"logo": str(other_org_logo.pk)})
    assert err.value.detail == {"logo": "Choose one of your uploaded images."}
    assert not BrandKit.all_orgs.exists()


def test_one_default_at_a_time(studio_org, studio_admin, other_org, other_admin):
    theirs = create(other_org, other_admin, is_default=True)
    first = create(studio_org, studio_admin, is_default=True)
    second = create(studio_org, studio_admin, name="Blue", is_default=True)
    defaults = lambda: set(BrandKit.all_orgs.filter(is_default=True).values_list("pk", flat=True))  # noqa: E731
    assert defaults() == {theirs.pk, second.pk}
    with bind_organization(studio_org):
        kits.brand_kit_update(organization=studio_org, actor=studio_admin, kit_id=first.pk, data={"is_default": True})
    assert defaults() == {theirs.pk, first.pk}
    with bind_organization(studio_org):
        kits.brand_kit_update(organization=studio_org, actor=studio_admin, kit_id=first.pk, data={"is_default": False})
    assert defaults() == {theirs.pk}


def test_update_changes_only_the_design_fields_sent(studio_org, studio_admin):
    kit = create(studio_org, studio_admin)
    with bind_organization(studio_org):
        kits.brand_kit_update(organization=studio_org, actor=studio_admin, kit_id=kit.pk,
                              data={"design": {"fg": "#123456"}})
    design = design_load(BrandKit.all_orgs.get(pk=kit.pk).design)
    assert design.fg == "#123456" and design.frame_text == "Scan for the menu" and design.bg == "#fff8e7"
    assert actions(studio_org) == ["create_brand_kit", "update_brand_kit"]


def test_new_codes_start_with_the_default_kit(studio_org, studio_admin, other_org, other_admin):
    plain = qr_create(studio_org, studio_admin, name="Before any kit")
    assert stored(plain) is None
    create(studio_org, studio_admin, name="Not default", design={"fg": "#333333"})
    kit = create(studio_org, studio_admin, is_default=True)
    qr = qr_create(studio_org, studio_admin, name="After")
    row = stored(qr)
    assert row.brand_kit_id == kit.pk and design_load(row.design).fg == PIZZA["fg"]
    assert design_load(row.design).frame_text == "Scan for the menu"
    theirs = qr_create(other_org, other_admin, name="Other org")  # not our default
    assert stored(theirs) is None


def test_apply_sets_each_codes_design_in_one_go(studio_org, studio_admin, studio_editor):
    designed, plain = qr_create(studio_org, studio_admin, name="A"), qr_create(studio_org, studio_admin, name="B")
    QRDesign.all_orgs.create(organization=studio_org, qr_code=designed, design={"fg": "#00ff00"})
    kit = create(studio_org, studio_admin)
    codes = apply(studio_org, studio_editor, kit, [str(designed.pk), str(plain.pk), str(plain.pk).upper()])
    assert {c.pk for c in codes} == {designed.pk, plain.pk}
    for qr in (designed, plain):
        row = stored(qr)
        assert row.brand_kit_id == kit.pk and row.updated_by_id == studio_editor.pk
        assert design_load(row.design) == design_load(kit.design)
    log = ActivityLog.all_orgs.get(action="apply_brand_kit")
    assert log.metadata == {"name": "Pizza red", "count": 2} and log.user_id == studio_editor.pk


def test_apply_with_a_foreign_or_missing_code_changes_nothing(studio_org, studio_admin, other_org_qr):
    mine = qr_create(studio_org, studio_admin)
    kit = create(studio_org, studio_admin)
    for bad in (other_org_qr.pk, uuid.uuid4(), "not-an-id", 7):
        with pytest.raises(NotFound):
            apply(studio_org, studio_admin, kit, [str(mine.pk), str(bad) if bad != 7 else bad])
    assert stored(mine) is None and stored(other_org_qr) is None
    assert "apply_brand_kit" not in actions(studio_org)


@pytest.mark.parametrize(("ids", "message"), [
    ([], "Choose at least one QR code."), ("abc", "Send a list of QR code ids."),
    ({"id": 1}, "Send a list of QR code ids."), (None, "Send a list of QR code ids."),
    ([str(uuid.uuid4())] * 501, "At most 500 QR codes at once."),
])
def test_apply_refuses_bad_lists(studio_org, studio_admin, ids, message):
    kit = create(studio_org, studio_admin)
    with pytest.raises(ValidationFailed) as err:
        apply(studio_org, studio_admin, kit, ids)
    assert err.value.detail == {"qr_code_ids": message}


def test_viewers_read_but_do_not_write_or_apply(studio_org, studio_admin, studio_viewer, studio_qr):
    kit = create(studio_org, studio_admin)
    with pytest.raises(PermissionDenied):
        create(studio_org, studio_viewer, name="Mine")
    with bind_organization(studio_org):
        for call in (lambda: kits.brand_kit_update(organization=studio_org, actor=studio_viewer, kit_id=kit.pk,
                                                   data={"name": "Hijack"}),
                     lambda: kits.brand_kit_delete(organization=studio_org, actor=studio_viewer, kit_id=kit.pk),
                     lambda: kits.brand_kit_apply(organization=studio_org, actor=studio_viewer, kit_id=kit.pk,
                                                  qr_code_ids=[str(studio_qr.pk)])):
            with pytest.raises(PermissionDenied):
                call()
        assert [k.name for k in brand_kit_list(organization=studio_org)] == ["Pizza red"]  # they read them
    assert BrandKit.all_orgs.get().name == "Pizza red" and stored(studio_qr) is None


def test_foreign_kits_are_not_found(studio_org, studio_admin, other_org, other_admin, studio_qr):
    theirs = create(other_org, other_admin)
    with bind_organization(studio_org):
        for kit_id in (theirs.pk, uuid.uuid4(), "nope", None):
            with pytest.raises(NotFound):
                kits.brand_kit_get(organization=studio_org, kit_id=kit_id)
        with pytest.raises(NotFound):
            kits.brand_kit_apply(organization=studio_org, actor=studio_admin, kit_id=theirs.pk,
                                 qr_code_ids=[str(studio_qr.pk)])
        with pytest.raises(NotFound):
            kits.brand_kit_delete(organization=studio_org, actor=studio_admin, kit_id=theirs.pk)
    assert BrandKit.all_orgs.filter(pk=theirs.pk).exists()


def test_deleting_a_kit_leaves_codes_their_design(studio_org, studio_admin, studio_qr):
    kit = create(studio_org, studio_admin, is_default=True)
    apply(studio_org, studio_admin, kit, [str(studio_qr.pk)])
    with bind_organization(studio_org):
        kits.brand_kit_delete(organization=studio_org, actor=studio_admin, kit_id=kit.pk)
    row = stored(studio_qr)
    assert row.brand_kit_id is None and design_load(row.design).fg == PIZZA["fg"]
    assert not BrandKit.all_orgs.exists()
    assert stored(qr_create(studio_org, studio_admin, name="After delete")) is None  # no default any more


def test_a_kit_whose_logo_was_deleted_shows_without_it_and_is_not_applied(studio_org, studio_admin, logo_upload,
                                                                           studio_qr):
    kit = create(studio_org, studio_admin, design={**PIZZA, "logo": str(logo_upload.pk)})
    with bind_organization(studio_org):
        assert kits.brand_kit_design(organization=studio_org, kit=kit) == kits.KitDesign(design_load(kit.design), False)
    logo_upload.delete()
    with bind_organization(studio_org):
        shown = kits.brand_kit_design(organization=studio_org, kit=kit)
    assert shown.logo_missing and shown.design.logo is None and shown.design.fg == PIZZA["fg"]
    with pytest.raises(ValidationFailed) as err:
        apply(studio_org, studio_admin, kit, [str(studio_qr.pk)])
    assert "logo of this kit was deleted" in err.value.detail["logo"]
    assert stored(studio_qr) is None


# ---- pages ----------------------------------------------------------------------------------

@pytest.fixture
def web(client, password):
    def login(user):
        assert client.login(email=user.email, password=password)
        return client

    return login


FORM = {"name": "Pizza red", **PIZZA, "quiet_zone": "4", "module_style": "rounded", "finder_style": "square",
        "finder": "#b3261e", "ecc": "M", "logo": "", "logo_size": "22"}


def test_nav_links_the_kits_and_the_list_shows_each_kit(web, studio_org, studio_admin, studio_viewer, logo_upload):
    create(studio_org, studio_admin, is_default=True)
    create(studio_org, studio_admin, name="With logo", design={"logo": str(logo_upload.pk)})
    logo_upload.delete()
    page = web(studio_viewer).get("/brand-kits")
    html = page.content.decode()
    assert page.status_code == 200 and '<a href="/brand-kits">Brand kits</a>' in html
    assert html.count('data-testid="kit-card"') == 2 and html.count('data-testid="kit-default"') == 1
    assert html.index("Pizza red") < html.index("With logo")  # the default first
    assert html.count("/preview.svg?v=") == 2 and html.count('data-testid="kit-logo-missing"') == 1
    assert "New brand kit" not in html and "Viewers can look, not change" in html


def test_preview_draws_the_kit_or_the_fields_sent(web, studio_org, studio_admin, studio_viewer, other_org,
                                                  other_admin):
    kit = create(studio_org, studio_admin)
    client = web(studio_viewer)
    r = client.get(f"/brand-kits/{kit.pk}/preview.svg")
    assert r.status_code == 200 and r["Content-Type"] == "image/svg+xml"
    svg = r.content.decode()
    assert svg.startswith("<svg") and PIZZA["fg"] in svg and "Scan for the menu" in svg
    r = client.get(f"/brand-kits/{kit.pk}/preview.svg", {"fg": "#0000aa", "frame": "above", "frame_text": "Hi"})
    assert r.status_code == 200 and "#0000aa" in r.content.decode() and ">Hi<" in r.content.decode()
    r = client.get("/brand-kits/preview.svg", {"fg": "#ff0000", "quiet_zone": "99"})
    assert r.status_code == 400 and "quiet zone" in r.content.decode()
    theirs = create(other_org, other_admin, name="Theirs")
    assert client.get(f"/brand-kits/{theirs.pk}/preview.svg").status_code == 404
    assert client.get(f"/brand-kits/{uuid.uuid4()}/preview.svg").status_code == 404


def test_create_edit_and_delete_through_the_form(web, studio_org, studio_editor):
    client = web(studio_editor)
    assert client.get("/brand-kits/new").status_code == 200
    r = client.post("/brand-kits/new", {**FORM, "is_default": "on"}, follow=True)
    kit = BrandKit.all_orgs.get()
    assert r.redirect_chain[-1][0] == f"/brand-kits/{kit.pk}" and "Brand kit “Pizza red” created." in r.content.decode()
    assert kit.is_default and design_load(kit.design) == DEFAULT.with_changes(
        **PIZZA, module_style="rounded", finder="#b3261e")
    r = client.post(f"/brand-kits/{kit.pk}", {**FORM, "name": "Pizza dark", "fg": "#550000"}, follow=True)
    kit.refresh_from_db()
    assert "saved" in r.content.decode() and kit.name == "Pizza dark" and not kit.is_default
    assert design_load(kit.design).fg == "#550000"
    r = client.post(f"/brand-kits/{kit.pk}/delete", follow=True)
    assert r.redirect_chain[-1][0] == "/brand-kits" and not BrandKit.all_orgs.exists()


def test_form_errors_are_shown_not_500(web, studio_org, studio_admin):
    create(studio_org, studio_admin)
    client = web(studio_admin)
    r = client.post("/brand-kits/new", {**FORM, "name": "PIZZA RED"})
    assert r.status_code == 400 and kits.NAME_TAKEN in r.content.decode()
    r = client.post("/brand-kits/new", {**FORM, "name": "x" * 200})
    assert r.status_code == 400 and "at most 80 characters" in r.content.decode()
    r = client.post("/brand-kits/new", {**FORM, "name": "Blue", "fg": "blue", "quiet_zone": "1" + "0" * 40})
    html = r.content.decode()
    assert r.status_code == 400 and "Use a hex colour" in html and "quiet zone (blank margin)" in html
    r = client.post("/brand-kits/new", {**FORM, "name": "", "fg": "#123456", "frame_text": "Order here"})
    html = r.content.decode()  # what was typed stays on the form
    assert r.status_code == 400 and 'value="#123456"' in html and 'value="Order here"' in html
    r = client.post("/brand-kits/new", {**FORM, "name": "", "fg": "nope", "frame_text": "Order here"})
    html = r.content.decode()
    assert r.status_code == 400 and "Use a hex colour" in html and 'value="Order here"' in html
    assert "This field is required." in html
    r = client.post("/brand-kits/new", {**FORM, "name": "Zero\u200bwidth"})
    assert r.status_code == 400 and "Use letters, digits" in r.content.decode()
    r = client.post("/brand-kits/new", {**FORM, "name": "Nul\x00"})
    assert r.status_code == 400
    assert BrandKit.all_orgs.count() == 1


def test_viewers_see_a_kit_read_only_and_cannot_post(web, studio_org, studio_admin, studio_viewer, studio_qr):
    kit = create(studio_org, studio_admin)
    client = web(studio_viewer)
    page = client.get(f"/brand-kits/{kit.pk}")
    html = page.content.decode()
    assert page.status_code == 200 and 'name="fg" value="#b3261e" disabled' in html
    assert 'data-testid="kit-save"' not in html and 'data-testid="kit-apply"' not in html
    assert client.get("/brand-kits/new").status_code == 403
    assert client.post("/brand-kits/new", FORM).status_code == 403
    assert client.post(f"/brand-kits/{kit.pk}", {**FORM, "name": "Hijack"}).status_code == 403
    assert client.post(f"/brand-kits/{kit.pk}/delete").status_code == 403
    assert client.post(f"/brand-kits/{kit.pk}/apply", {"qr_code_id": str(studio_qr.pk)}).status_code == 403
    assert BrandKit.all_orgs.get().name == "Pizza red" and stored(studio_qr) is None


def test_other_organizations_kits_answer_404(web, studio_admin, other_org, other_admin, studio_qr):
    theirs = create(other_org, other_admin, name="Theirs")
    client = web(studio_admin)
    assert client.get(f"/brand-kits/{theirs.pk}").status_code == 404
    assert client.post(f"/brand-kits/{theirs.pk}", {**FORM, "name": "Hijack"}).status_code == 404
    assert client.post(f"/brand-kits/{theirs.pk}/delete").status_code == 404
    assert client.post(f"/brand-kits/{theirs.pk}/apply", {"qr_code_id": str(studio_qr.pk)}).status_code == 404
    assert BrandKit.all_orgs.get().name == "Theirs" and stored(studio_qr) is None


@pytest.mark.parametrize(("next_url", "lands"), [
    ("/qrcodes/{qr}", "/qrcodes/{qr}"), ("//evil.example/x", "/brand-kits"), ("https://evil.example", "/brand-kits"),
    ("/\\evil.example", "/brand-kits"), ("", "/brand-kits"), ("/ok\nLocation: x", "/brand-kits"),
])
def test_apply_from_a_page_goes_back_only_to_a_local_path(web, studio_org, studio_editor, studio_qr, next_url,
                                                          lands):
    kit = create(studio_org, studio_editor)
    r = web(studio_editor).post(f"/brand-kits/{kit.pk}/apply", {"qr_code_id": [str(studio_qr.pk)],
                                                                 "next": next_url.format(qr=studio_qr.pk)})
    assert r.status_code == 302 and r["Location"] == lands.format(qr=studio_qr.pk)
    assert stored(studio_qr).brand_kit_id == kit.pk


def test_apply_from_a_page_with_a_foreign_code_is_404_and_errors_are_messages(web, studio_org, studio_admin,
                                                                              studio_qr, other_org_qr):
    kit = create(studio_org, studio_admin)
    client = web(studio_admin)
    r = client.post(f"/brand-kits/{kit.pk}/apply", {"qr_code_id": [str(studio_qr.pk), str(other_org_qr.pk)]})
    assert r.status_code == 404 and stored(studio_qr) is None and stored(other_org_qr) is None
    r = client.post(f"/brand-kits/{kit.pk}/apply", {"next": f"/brand-kits/{kit.pk}"}, follow=True)
    assert "Choose at least one QR code." in r.content.decode()
    r = client.post(f"/brand-kits/{kit.pk}/apply", {"qr_code_id": str(studio_qr.pk)}, follow=True)
    assert f"Applied brand kit “Pizza red” to “{studio_qr.name}”." in r.content.decode()
    page = client.get(f"/brand-kits/{kit.pk}").content.decode()
    assert 'data-testid="kit-apply"' in page and "uses this kit" in page
