"""Every page answers, and the report pages show what each viewer may see (and nothing more)."""
from __future__ import annotations

import re

import pytest

from models import Role, Status

from ..conftest import login
from ..factories import CATFORD


@pytest.mark.parametrize("url, heading", [
    ("/", "Street problems in Lewisham"),
    ("/about", "About Kerbside"),
    ("/privacy", "Privacy"),
    ("/login", "Log in"),
    ("/register", "Create an account"),
])
def test_public_pages(client, url, heading):
    resp = client.get(url)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200, page[:500]
    assert heading in page and '<main id="main"' in page and 'lang="en-GB"' in page


@pytest.mark.parametrize("url", ["/my/reports", "/account"])  # /report is open to visitors (issue 4)
def test_pages_that_need_login_send_to_login(client, url):
    resp = client.get(url)
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login?next=")


def test_report_page_for_a_resident(resident_client):
    page = resident_client.get("/report").get_data(as_text=True)
    for text in ("Report a problem", "Search by postcode", "Coordinates", "Or click the map", "Fly-tipping",
                 "How much has been dumped?", "Do not touch it.", "Hide my name on the public page",
                 'name="submission_token"', 'name="csrf_token"'):
        assert text in page
    anonymous = re.search(r'<input[^>]*id="anonymous"[^>]*>', page).group(0)
    assert "checked" in anonymous  # name hidden by default


def test_report_page_preselects_a_category(resident_client):
    page = resident_client.get("/report?category=graffiti").get_data(as_text=True)
    assert 'selected value="graffiti"' in page


def test_favicon(client):
    with client.get("/favicon.ico") as resp:
        assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"


def test_sent_page_shows_the_reference(resident, resident_client, make_report):
    report = make_report(resident)
    page = resident_client.get(f"/reports/{report.reference}/sent").get_data(as_text=True)
    assert "Report sent" in page and report.reference in page and "Rushey Green" in page


def test_sent_page_says_where_the_report_went(resident, resident_client, make_report, db_session):
    """It said "we have sent it to the council's ... team" whatever happened: a report another body looks
    after is sent on to them, and says so."""
    from tests.bodies_helpers import make_body
    ours = resident_client.get(f"/reports/{make_report(resident).reference}/sent").get_data(as_text=True)
    assert "It is with the council" in ours and "target" in ours
    make_body(db_session, "http://127.0.0.1:9/open311/v2", categories={"fly_tipping": "FT"})
    theirs = make_report(resident)
    assert theirs.body is not None
    page = resident_client.get(f"/reports/{theirs.reference}/sent").get_data(as_text=True)
    assert "Transport for London (red routes) look after fly-tipping here" in page
    assert "It is with the council" not in page


def test_sent_page_with_hazard_shows_the_safety_notice(resident, resident_client, make_report, db_session):
    report = make_report(resident)
    report.answers = {**report.answers, "waste": ["asbestos"]}
    db_session.commit()
    page = resident_client.get(f"/reports/{report.reference}/sent").get_data(as_text=True)
    assert "Do not touch it." in page and "Asbestos" in page


def test_public_report_page(client, resident, make_report):
    report = make_report(resident, description="Fridge left on the verge",
                         answers={"size": "single_item", "waste": ["white_goods"], "where": "road", "witnessed": "no"})
    resp = client.get(f"/reports/{report.reference}")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    for text in ("Fly-tipping", report.reference, "Rushey Green", "New", "Report made", "Fridge left on the verge",
                 "A single item", "grid reference TQ", f"{CATFORD.lat:.5f}, {CATFORD.lon:.5f}", "Timeline"):
        assert text in page, text


def test_reference_lookup_is_case_insensitive_and_find_form_works(client, resident, make_report):
    report = make_report(resident)
    assert client.get(f"/reports/{report.reference.lower()}").status_code == 200
    resp = client.get(f"/find?reference={report.reference[3:].lower()}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/reports/{report.reference}")


@pytest.mark.parametrize("reference", ["KB-ZZZZZ", "KB-", "nothing", "KB-' OR 1=1 --", "<script>", "K" * 300,
                                       "KB-ABCDE%0A", "KB-ABCDE%0B"])
def test_nonexistent_reference_is_404(client, reference):
    resp = client.get(f"/reports/{reference}")
    assert resp.status_code == 404
    assert "<script>" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("query,status,message", [
    ("", 400, "Enter the report"), ("%0A", 400, "Enter the report"), ("KB-%0B", 400, "Enter the report"),
    ("KB-ZZ", 400, "A reference looks like"), ("%3Cscript%3E", 400, "A reference looks like"),
    ("K" * 300, 400, "A reference looks like"), ("KB-ZZZZZ", 404, "We have no report KB-ZZZZZ")])
def test_a_reference_that_is_not_one_or_names_no_report_is_said_beside_the_box(client, query, status, message):
    """The home page comes back with the message beside the box and the text kept (it went to a bare 404,
    or for an empty box to /reports/KB-)."""
    resp = client.get(f"/find?reference={query}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == status and message in html and 'id="error-summary"' in html
    assert "<script>" not in html


def test_a_reference_is_found_however_it_is_typed(client, resident, make_report, db_session):
    from models import Status
    report = make_report(resident)
    tail = report.reference[3:]
    for typed in (f"kb {tail.lower()}", f" KB - {tail} ", tail, f"kb{tail}", f"{tail[:2]} {tail[2:]}"):
        resp = client.get("/find", query_string={"reference": typed})
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/reports/{report.reference}"), typed
    waiting = make_report(resident, status=Status.UNCONFIRMED)
    assert client.get(f"/find?reference={waiting.reference}").status_code == 404   # not public: not found


@pytest.mark.parametrize("url", ["/reports/KB-%00ABC", "/reports/KB-ABCDE%00", "/find?reference=%00",
                                 "/find?reference=KB-%00"])
def test_a_nul_in_a_reference_is_refused(client, url):
    resp = client.get(url, follow_redirects=True)
    assert resp.status_code == 400 and "NUL character" in resp.get_data(as_text=True)


def test_unconfirmed_report_is_404_even_in_the_named_account(app, db_session, make_user, make_report):
    """Anyone can type an address into the report form: until the emailed link is followed, the report is
    not in that account (not on its page, not under My reports); staff see it."""
    owner, other = make_user(), make_user()
    report = make_report(owner, status=Status.UNCONFIRMED)
    other_client = login(app.test_client(), other.email)
    assert other_client.get(f"/reports/{report.reference}").status_code == 404
    assert app.test_client().get(f"/reports/{report.reference}").status_code == 404
    owner_client = login(app.test_client(), owner.email)
    assert owner_client.get(f"/reports/{report.reference}").status_code == 404
    assert report.reference not in owner_client.get("/my/reports").get_data(as_text=True)
    assert login(app.test_client(), make_user(Role.STAFF).email).get(f"/reports/{report.reference}").status_code == 200
    report.status = Status.NEW                      # confirmed by the emailed link
    db_session.flush()
    assert owner_client.get(f"/reports/{report.reference}").status_code == 200
    assert report.reference in owner_client.get("/my/reports").get_data(as_text=True)


def test_another_residents_sent_page_is_404(app, make_user, make_report):
    owner, other = make_user(), make_user()
    report = make_report(owner)
    other_client = login(app.test_client(), other.email)
    assert other_client.get(f"/reports/{report.reference}/sent").status_code == 404
    assert other_client.get(f"/reports/{report.reference}").status_code == 200  # public page is public


def test_hidden_name_is_not_shown_publicly_and_email_never(app, make_user, make_report, client):
    owner = make_user(name="Hermione Hidden", email="hermione@example.test")
    report = make_report(owner, anonymous=True)
    public = client.get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "Hermione" not in public and "hermione@example.test" not in public
    other = login(app.test_client(), make_user().email).get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "Hermione" not in other and "hermione@example.test" not in other
    mine = login(app.test_client(), owner.email).get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "by Hermione Hidden" in mine
    assert "hermione@example.test" not in mine.split('<main id="main"')[1]


def test_shown_name_never_shows_the_email(make_user, make_report, client):
    owner = make_user(name="Vera Visible", email="vera@example.test")
    report = make_report(owner, anonymous=False)
    public = client.get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "by Vera Visible" in public and "vera@example.test" not in public


def test_internal_notes_only_for_staff(app, resident, make_report, make_user, db_session, client):
    from portal.services.reports import change_status
    staff = make_user(Role.STAFF)
    report = make_report(resident)
    change_status(db_session, report, Status.INVESTIGATING, staff, note="Secret: CCTV shows plate AB12 CDE",
                  internal=True)
    assert "AB12 CDE" not in client.get(f"/reports/{report.reference}").get_data(as_text=True)
    staff_page = login(app.test_client(), staff.email).get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "AB12 CDE" in staff_page


def test_my_reports_lists_mine_newest_first_with_status_and_last_change(app, resident, resident_client,
                                                                          make_report, make_user, db_session):
    from portal.services.reports import change_status
    older = make_report(resident, description="older")
    newer = make_report(resident, description="newer")
    change_status(db_session, older, Status.FIXED, make_user(Role.STAFF))
    someone_elses = make_report(make_user())
    page = resident_client.get("/my/reports").get_data(as_text=True)
    assert page.index(newer.reference) < page.index(older.reference)
    assert "Fixed" in page and "Rushey Green" in page
    assert someone_elses.reference not in page


def test_my_reports_empty(resident_client):
    page = resident_client.get("/my/reports").get_data(as_text=True)
    assert "You have not reported anything yet." in page


def test_photo_of_a_private_report_is_404_for_others(app, make_user, db_session):
    from portal.services.photos import PhotoStore, process_photo
    from portal.services.reports import NewReport, create_report
    from ..factories import image_bytes
    owner = make_user()
    store = PhotoStore(app.config["PHOTO_DIR"])
    key = store.save_pending(process_photo(image_bytes(), "a.jpg"))
    report = create_report(db_session, NewReport("fly_tipping", CATFORD, "x", {
        "size": "single_bag", "waste": ["household"], "where": "road", "witnessed": "no"}, [key]), owner, store)
    report.hidden = True                    # hidden by a moderator: the reporter still sees it, others do not
    db_session.flush()
    assert app.test_client().get(f"/photos/{key}.jpg").status_code == 404
    with login(app.test_client(), owner.email).get(f"/photos/{key}.jpg") as resp:
        assert resp.status_code == 200
        assert resp.cache_control.private and not resp.cache_control.public  # never in a shared cache
    assert app.test_client().get("/photos/nope.jpg").status_code == 404
    assert app.test_client().get(f"/photos/{'A' * 24}.jpg").status_code == 404
    assert report.photos[0].key == key


def test_a_database_bug_is_a_500_not_an_outage(app, client):
    """Only a lost database is a 503; a constraint violation is a bug and must surface as one."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError
    from portal import db

    @app.get("/_test/constraint")
    def _constraint():
        db.session().execute(text("INSERT INTO categories (code) VALUES (NULL)"))

    with pytest.raises(IntegrityError):   # TESTING propagates it; in production it is a logged 500
        client.get("/_test/constraint")
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    resp = client.get("/_test/constraint")
    assert resp.status_code == 500 and "Something went wrong on our side" in resp.get_data(as_text=True)


def test_photo_of_a_public_report_may_be_cached(app, resident, db_session):
    from portal.services.photos import PhotoStore, process_photo
    from portal.services.reports import NewReport, create_report
    from ..factories import image_bytes
    store = PhotoStore(app.config["PHOTO_DIR"])
    key = store.save_pending(process_photo(image_bytes(), "a.jpg"))
    create_report(db_session, NewReport("fly_tipping", CATFORD, "x", {
        "size": "single_bag", "waste": ["household"], "where": "road", "witnessed": "no"}, [key]), resident, store)
    with app.test_client().get(f"/photos/{key}.jpg") as resp:
        assert resp.status_code == 200 and resp.cache_control.public and resp.cache_control.max_age == 300


def test_behind_nginx_a_photo_is_checked_here_and_sent_by_nginx(app, make_user, db_session):
    """PHOTO_ACCEL_REDIRECT: the same rule decides, and the answer names the file for nginx's internal
    location instead of carrying it (tests/deploy shows nginx sending it)."""
    from portal.services.photos import PhotoStore, process_photo
    from portal.services.reports import NewReport, create_report
    from ..factories import image_bytes
    app.config["PHOTO_ACCEL_REDIRECT"] = "/internal-photos/"
    owner = make_user()
    store = PhotoStore(app.config["PHOTO_DIR"])
    key = store.save_pending(process_photo(image_bytes(), "a.jpg"))
    report = create_report(db_session, NewReport("fly_tipping", CATFORD, "x", {
        "size": "single_bag", "waste": ["household"], "where": "road", "witnessed": "no"}, [key]), owner, store)
    with app.test_client().get(f"/photos/{key}.jpg") as resp:
        assert resp.status_code == 200 and resp.data == b""
        assert resp.headers["X-Accel-Redirect"] == f"/internal-photos/{key}.jpg"
        assert resp.cache_control.public and resp.cache_control.max_age == 300
    report.hidden = True
    db_session.flush()
    with app.test_client().get(f"/photos/{key}.jpg") as resp:
        assert resp.status_code == 404 and "X-Accel-Redirect" not in resp.headers
    with login(app.test_client(), owner.email).get(f"/photos/{key}.jpg") as resp:
        assert resp.headers["X-Accel-Redirect"] == f"/internal-photos/{key}.jpg"
        assert resp.cache_control.private and not resp.cache_control.public
