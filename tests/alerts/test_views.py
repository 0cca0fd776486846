"""The issue's "done when", through the pages: a new resident, without an account, subscribes to fly-tipping
alerts within 500 m of their postcode, confirms by the emailed link, and gets the alert when a report is made
there (by the worker, over real SMTP); one click stops it."""
import re
from datetime import timedelta
from email import message_from_bytes, policy

from sqlalchemy import select

from models import Alert, OutboxMessage, utcnow
from portal.services.alerts import match_new_events, send_alert_emails
from tests.conftest import FormClient, csrf_from, login
from tests.factories import CATFORD, alerts_start_now
from tests.conftest import send

FORM = {"kind": "radius", "place": "SE6 4RU", "radius": "500", "categories": ["fly_tipping"],
        "new_reports": "y", "frequency": "instant", "email": "newcomer@example.test"}


def test_subscribe_without_an_account_confirm_receive_and_stop(app, db_session, app_ctx, make_report, smtp):
    alerts_start_now(db_session)
    client = FormClient(app.test_client())
    resp = client.submit("/alerts", FORM, follow_redirects=True)
    assert resp.status_code == 200 and "Check your email" in resp.get_data(as_text=True)
    mail = db_session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == "newcomer@example.test")).one()
    path = re.search(r"http://localhost(/alerts/confirm/\S+)", mail.body).group(1)
    assert client.submit(path, {}).status_code == 200
    assert client.submit(path, {}).status_code == 400                        # replayed

    report = make_report(point=CATFORD)                                      # SE6 4RU is in Catford
    match_new_events(db_session, now=utcnow() + timedelta(minutes=5))
    assert send_alert_emails(db_session) == 1
    send(db_session, smtp)
    [envelope] = [m for m in smtp.inbox.messages if "newcomer@example.test" in m.rcpt_tos
                  and b"List-Unsubscribe" in m.content]
    alert_mail = message_from_bytes(envelope.content, policy=policy.default)
    assert report.reference in alert_mail.get_content()
    stop = "".join(str(alert_mail["List-Unsubscribe"]).split()).strip("<>").removeprefix("http://localhost")
    one_click = app.test_client().post(stop, data={"List-Unsubscribe": "One-Click"})   # no cookie, no CSRF
    assert one_click.status_code == 200
    assert db_session.scalars(select(Alert).where(Alert.place == "SE6 4RU")).first() is None


def test_bad_alert_forms_keep_the_input_and_say_what_is_wrong(app, db_session):
    client = FormClient(app.test_client())
    cases = [({"radius": "100"}, "from 200 m"), ({"radius": "99999999999"}, "from 200 m"),
             ({"place": "ZZ9 9ZZ"}, "We do not know the postcode ZZ9 9ZZ"),
             ({"place": "Nowhere Street Zzz"}, "enter your postcode, like SE6 4RU"),
             ({"place": "", "latitude": "51.5072", "longitude": "-0.1276"}, "outside the area"),
             ({"kind": "ward", "ward": "E99999999"}, "Choose a ward"),
             ({"categories": ["fly_tipping", "nope"]}, "Choose categories"),
             ({"new_reports": ""}, "new reports, fixes, or both"), ({"email": "nope"}, "valid email")]
    for change, message in cases:
        resp = client.submit("/alerts", {**FORM, **change})
        text = resp.get_data(as_text=True)
        assert resp.status_code == 400 and message in text, (change, text[:200])
    assert db_session.scalars(select(Alert)).first() is None


def test_signed_in_alerts_start_at_once_and_can_be_stopped(app, db_session, resident):
    client = login(app.test_client(), resident.email)
    resp = client.submit("/alerts", {**FORM, "email": ""})
    assert resp.status_code == 302
    page = client.get("/alerts").get_data(as_text=True)
    assert "SE6 4RU" in page
    alert = db_session.scalars(select(Alert).where(Alert.user_id == resident.id)).one()
    assert alert.confirmed_at is not None
    token = csrf_from(page)
    assert client.post(f"/alerts/{alert.id}/remove", data={"csrf_token": token}).status_code == 302
    assert client.post(f"/alerts/{alert.id}/remove", data={"csrf_token": token}).status_code == 303


def test_bad_stop_and_manage_links(client):
    assert client.post("/alerts/stop/forged").status_code == 400
    assert client.get("/alerts/manage/forged").status_code == 400


def test_each_error_is_linked_to_and_shown_beside_its_own_question(app, db_session):
    """The error summary's link goes to the question that is wrong, and the message sits in that question (not
    "Where?" for a missing "Tell me about" or a forged frequency)."""
    client = FormClient(app.test_client())
    for change, anchor in (({"new_reports": ""}, "events"), ({"frequency": "hourly"}, "frequency"),
                           ({"kind": "street"}, "kind"), ({"radius": "5"}, "radius")):
        page = client.submit("/alerts", {**FORM, **change}).get_data(as_text=True)
        [link] = re.findall(r'<div class="error-summary".*?<a href="#([^"]+)">', page, re.S)
        assert link == anchor, (change, link)
        question = re.search(rf'<fieldset[^>]*id="{anchor}"[^>]*>.*?</fieldset>|<div[^>]*>\s*<label for="{anchor}".*?</div>',
                             page, re.S)
        assert question and 'class="error-message"' in question.group(0), (change, question and question.group(0)[:300])
        assert f'aria-describedby="{anchor}-error"' in page or f"{anchor}-error" in page, change
    assert db_session.scalars(select(Alert)).first() is None


def test_a_wards_page_opens_an_alert_for_that_ward(client, make_report):
    ward = make_report().ward
    page = client.get(f"/wards/{ward.code}").get_data(as_text=True)
    link = re.search(rf'<a href="([^"]+)">Get email alerts for {ward.name}</a>', page)
    assert link and link.group(1) == f"/alerts?ward={ward.code}"
    form = client.get(link.group(1)).get_data(as_text=True)
    assert 'id="kind-ward" value="ward" checked' in form
    assert re.search(rf'<option selected value="{ward.code}">|<option value="{ward.code}" selected', form), \
        re.findall(r"<option[^>]*selected[^>]*>", form)
    for odd in ("E99999999", "\u202e", "x" * 500, ""):                    # not on the list: nothing chosen
        resp = client.get("/alerts", query_string={"ward": odd})
        assert resp.status_code == 200 and 'value="ward" checked' not in resp.get_data(as_text=True)


def test_how_often_is_changed_on_the_alerts_page_and_from_the_emailed_preferences_link(app, db_session, resident,
                                                                                      make_user):
    from portal.services.alerts import manage_token
    client = login(app.test_client(), resident.email)
    client.submit("/alerts", {**FORM, "email": ""})
    alert = db_session.scalars(select(Alert).where(Alert.user_id == resident.id)).one()
    page = client.get("/alerts").get_data(as_text=True)
    assert f'id="frequency-{alert.id}"' in page and f'action="/alerts/{alert.id}/frequency"' in page
    token = csrf_from(page)
    done = client.post(f"/alerts/{alert.id}/frequency", data={"csrf_token": token, "frequency": "daily"})
    assert done.status_code == 302
    db_session.refresh(alert)
    assert alert.frequency == "daily"
    assert "in a daily email" in client.get("/alerts").get_data(as_text=True)
    for bad in ("hourly", "", "daily\x00", "x" * 5000):                 # refused, nothing changed
        resp = client.post(f"/alerts/{alert.id}/frequency", data={"csrf_token": token, "frequency": bad})
        assert resp.status_code in (303, 400), (bad, resp.status_code)
        db_session.refresh(alert)
        assert alert.frequency == "daily"
    assert "Choose how often" in client.get("/alerts").get_data(as_text=True)
    stranger = login(app.test_client(), make_user().email)
    resp = stranger.post(f"/alerts/{alert.id}/frequency", data={"csrf_token": csrf_from(stranger.get("/alerts")
                                                                                       .get_data(as_text=True)),
                                                                 "frequency": "instant"})
    assert resp.status_code == 303 and db_session.get(Alert, alert.id).frequency == "daily"
    assert app.test_client().post(f"/alerts/{alert.id}/frequency", data={"frequency": "instant"}).status_code in \
        (302, 400)                                                       # not signed in
    db_session.refresh(alert)
    assert alert.frequency == "daily"

    # The preferences link of an alert email: no account needed.
    with app.test_request_context():
        link = f"/alerts/manage/{manage_token(db_session, resident)}"
    visitor = app.test_client()
    page = visitor.get(link).get_data(as_text=True)
    action = f"{link}/{alert.id}/frequency"
    assert f'action="{action}"' in page
    resp = visitor.post(action, data={"csrf_token": csrf_from(page), "frequency": "instant"})
    assert resp.status_code == 302 and resp.headers["Location"].startswith(link)
    db_session.refresh(alert)
    assert alert.frequency == "instant"
    assert visitor.post(f"/alerts/manage/forged/{alert.id}/frequency",
                        data={"csrf_token": csrf_from(page), "frequency": "daily"}).status_code == 400
    with app.test_request_context():
        others = f"/alerts/manage/{manage_token(db_session, make_user())}/{alert.id}/frequency"
    assert visitor.post(others, data={"csrf_token": csrf_from(page), "frequency": "daily"}).status_code == 303
    db_session.refresh(alert)
    assert alert.frequency == "instant"


def test_someone_who_asked_not_to_be_contacted_is_told_their_alerts_are_not_emailed(app, db_session, make_user):
    quiet = make_user()
    quiet.contact_preference = "none"
    db_session.commit()
    page = login(app.test_client(), quiet.email).get("/alerts").get_data(as_text=True)
    assert "no alert is emailed to you" in page and 'href="/account#notifications"' in page
    other = login(app.test_client(), make_user().email).get("/alerts").get_data(as_text=True)
    assert "no alert is emailed to you" not in other


def test_alerts_typed_in_for_an_address_neither_fill_its_allowance_nor_flood_it(app, db_session, make_user):
    """Anyone can type an address into the alerts form: at most 3 wait for their links at a time (so at most
    3 confirmation emails), and waiting ones do not count towards the owner's 50, who adds theirs signed in."""
    owner = make_user(email="owner@example.test")
    stranger = FormClient(app.test_client())
    codes = [stranger.submit("/alerts", {**FORM, "email": "owner@example.test", "radius": str(200 + i)}).status_code
             for i in range(5)]
    assert codes == [302, 302, 302, 400, 400]
    refused = stranger.submit("/alerts", {**FORM, "email": "owner@example.test"}).get_data(as_text=True)
    assert "waiting for their emailed links" in refused
    mails = db_session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == "owner@example.test")).all()
    assert len(mails) == 3
    signed_in = login(app.test_client(), owner.email)
    assert signed_in.submit("/alerts", {**FORM, "email": ""}).status_code == 302
    assert db_session.scalars(select(Alert).where(Alert.user_id == owner.id,
                                                  Alert.confirmed_at.is_not(None))).one()
