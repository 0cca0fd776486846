"""Staff search: a reference, the caller's email or phone, a postcode, words in descriptions and updates, a
street name anywhere in a description; ward, status and dates narrow it; hostile text neither fails nor injects."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from gis.coords import LonLat
from models import Report, Role, Status, utcnow
from portal.services import search as searching
from portal.services.search import SearchQuery, search
from portal.services.submission import submit_report
from portal.services.triage import add_update

from .test_submission import Visitor, submission

FOREST_HILL = LonLat(lon=-0.0530, lat=51.4390)


def refs(result) -> set[str]:
    return {r.reference for r in result.reports}


@pytest.fixture()
def reports(db_session, store, make_user):
    staff = make_user(Role.STAFF)
    by_phone = submit_report(db_session, submission(caller_channel="phone", phone="020 8314 6000", name="Pat",
                                                    description="Mattress dumped outside 12 Wildfell Road"),
                             staff, store).report
    by_email = submit_report(db_session, submission(email="Ruth@Example.org", description="Fridges by the bus stop"),
                             Visitor(), store).report
    elsewhere = submit_report(db_session, submission(point=FOREST_HILL, description="Bin bags on the corner",
                                                     client_token="fh"), make_user(), store).report
    add_update(db_session, elsewhere, staff, "Asbestos suspected: specialist crew booked", internal=True)
    return {"phone": by_phone, "email": by_email, "elsewhere": elsewhere, "staff": staff}


def test_a_callers_phone_number_finds_their_reports_in_one_search(db_session, reports):
    for typed in ("020 8314 6000", "+44 20 8314 6000", "(020) 8314-6000", "02083146000"):
        result = search(db_session, SearchQuery(text=typed))
        assert refs(result) == {reports["phone"].reference} and result.kind == "phone", typed


def test_a_reference_an_email_and_a_postcode(db_session, reports):
    ref = reports["email"].reference
    for typed in (ref, ref.lower(), ref.replace("-", "").lower(), f"  {ref} "):
        assert refs(search(db_session, SearchQuery(text=typed))) == {ref}, typed
    assert refs(search(db_session, SearchQuery(text="ruth@example.org"))) == {ref}
    assert refs(search(db_session, SearchQuery(text="nobody@example.org"))) == set()
    near = search(db_session, SearchQuery(text="se6 4ru"))       # Catford, where the first two are
    assert near.kind == "postcode" and {reports["phone"].reference, ref} <= refs(near)
    assert reports["elsewhere"].reference not in refs(near)


def test_words_in_descriptions_and_updates_and_a_street_anywhere(db_session, reports):
    assert refs(search(db_session, SearchQuery(text="fridge"))) == {reports["email"].reference}      # stemmed
    assert refs(search(db_session, SearchQuery(text="asbestos"))) == {reports["elsewhere"].reference}  # a note
    assert refs(search(db_session, SearchQuery(text="wildfell rd"))) == set()
    assert refs(search(db_session, SearchQuery(text="Wildfell"))) == {reports["phone"].reference}
    assert refs(search(db_session, SearchQuery(text="ldfell Ro"))) == {reports["phone"].reference}  # part of a word
    assert refs(search(db_session, SearchQuery(text="mattress -wildfell"))) == set()               # websearch syntax


def test_filters_narrow_any_search(db_session, reports):
    catford = reports["phone"].ward_id
    assert reports["elsewhere"].reference not in refs(search(db_session, SearchQuery(ward_id=catford)))
    assert refs(search(db_session, SearchQuery(text="bags", ward_id=catford))) == set()
    today = utcnow().date()
    assert reports["phone"].reference in refs(search(db_session, SearchQuery(since=today, until=today)))
    assert refs(search(db_session, SearchQuery(text="fridge", until=today - timedelta(days=1)))) == set()
    assert refs(search(db_session, SearchQuery(text="fridge", status=Status.FIXED))) == set()
    assert refs(search(db_session, SearchQuery(text="fridge", status=Status.UNCONFIRMED))) == {reports["email"].reference}
    assert search(db_session, SearchQuery()).reports == []       # nothing asked: nothing listed


HOSTILE = ["'", "''", "\\", "\\'", "%", "_", "%%", "a%b", "%_%", "'; DROP TABLE reports; --", "\" OR 1=1 --",
           "fridge & | ! ( ) : * <->", "!!!", "&", "|", ":*", "(", "')", "a:*", "fridge:A", "<script>alert(1)</script>",
           "a", "КВ-ЖЖЖЖЖ", "🦊🦊🦊", "x" * 100_000, "fridge " * 1000, "\u202e", "KB-", "KB-%%%%%", "@", "@@",
           "%@%", "+", "0" * 50, "SE6 %", "-", "--", "$1", "{}", "[]", "\\x00"]


@pytest.mark.parametrize("typed", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_neither_fails_nor_matches_everything(db_session, reports, typed):
    result = search(db_session, SearchQuery(text=typed))
    assert len(refs(result)) <= 1 or typed.startswith("fridge")
    assert db_session.scalar(select(func.count()).select_from(Report)) >= 3      # the table is still there


def test_wildcards_match_only_themselves(db_session, store, make_user, reports):
    staff = make_user(Role.STAFF)
    odd = submit_report(db_session, submission(caller_channel="phone", description="Sign says 100% off_road \\ here",
                                               client_token="odd"), staff, store).report
    assert refs(search(db_session, SearchQuery(text="100% off_road"))) == {odd.reference}
    assert refs(search(db_session, SearchQuery(text="0% o"))) == {odd.reference}
    assert refs(search(db_session, SearchQuery(text="S_gn"))) == set()            # _ is no wildcard
    assert refs(search(db_session, SearchQuery(text="\\ here"))) == {odd.reference}


def test_long_text_is_cut_and_pages_hold_fifty(db_session, store, make_user, monkeypatch):
    staff = make_user(Role.STAFF)
    for n in range(55):
        db_session.execute(text(
            "INSERT INTO reports (reference, category_id, description, geom, status, anonymous, answers, channel, "
            "created_at, updated_at, priority, hidden) SELECT :ref, id, 'Paged trolley', "
            "ST_SetSRID(ST_MakePoint(-0.0205, 51.4452), 4326), 'new', true, '{}', 'phone', now() - make_interval(mins => :n), "
            "now(), 3, false FROM categories WHERE code = 'fly_tipping'"), {"ref": f"KB-PG{n:03d}", "n": n})
    first = search(db_session, SearchQuery(text="trolley"))
    assert (first.total, first.pages, len(first.reports)) == (55, 2, 50)
    second = search(db_session, SearchQuery(text="trolley", page=2))
    assert len(second.reports) == 5 and not refs(first) & refs(second)
    assert search(db_session, SearchQuery(text="trolley", page=99)).page == 2
    monkeypatch.setattr(searching, "COUNT_CAP", 20)
    capped = search(db_session, SearchQuery(text="trolley"))
    assert capped.capped and capped.total == 20
    assert search(db_session, SearchQuery(text="x" * 199 + "trolley")).reports == []     # cut at 200: no match


@pytest.mark.parametrize("plan", ["as chosen", "filters many", "notes many"])
def test_each_way_of_matching_merges_newest_first_once_within_the_cap(db_session, make_user, monkeypatch, plan):
    """A word matches by description (stemmed), by a note, or as part of a description (a street): the newest
    matches of every way, each report once, counted and paged as one list; the cap counts across the ways."""
    staff = make_user(Role.STAFF)
    made = {}
    for n, (ref, description, note) in enumerate([
            ("KB-WAY01", "Crate dumped by the gate", ""),                   # words (and part of the text)
            ("KB-WAY02", "Bags on the corner", "Crate removed by the crew"),  # a note only
            ("KB-WAY03", "Rubbish on Socrates Road", ""),                   # part of a word only
            ("KB-WAY04", "Crates everywhere", "Crate still there"),          # description and a note
            ("KB-WAY05", "Nothing to see", ""),
            ("KB-WAY06", "Old crate", "")]):
        db_session.execute(text(
            "INSERT INTO reports (reference, category_id, description, geom, status, anonymous, answers, channel, "
            "created_at, updated_at) SELECT :ref, id, :description, ST_SetSRID(ST_MakePoint(-0.0205, 51.4452), 4326), "
            "'new', true, '{}', 'phone', now() - make_interval(hours => :n), now() FROM categories "
            "WHERE code = 'fly_tipping'"), {"ref": ref, "description": description, "n": n})
        made[ref] = db_session.scalar(select(Report).where(Report.reference == ref))
        if note:
            add_update(db_session, made[ref], staff, note, internal=True)
    newest_first = ["KB-WAY01", "KB-WAY02", "KB-WAY03", "KB-WAY04", "KB-WAY06"]
    # The same answers whichever way they are read: the filters' few reports checked one by one (what a test
    # database always has) or each way's newest matches merged; a note's words looked up or walked to.
    if plan == "filters many":
        monkeypatch.setattr(searching, "FILTERED_FEW", 0)
    if plan == "notes many":
        monkeypatch.setattr(searching, "NOTES_MANY", 1)
    found = search(db_session, SearchQuery(text="crate"))
    assert [r.reference for r in found.reports] == newest_first and found.total == 5 and not found.capped
    since = search(db_session, SearchQuery(text="crate", since=utcnow().date(), status=Status.NEW))
    assert [r.reference for r in since.reports] == [ref for ref in newest_first
                                                    if made[ref].created_at.date() == utcnow().date()]
    monkeypatch.setattr(searching, "COUNT_CAP", 3)
    monkeypatch.setattr(searching, "PAGE_SIZE", 2)
    first, second = (search(db_session, SearchQuery(text="crate", page=p)) for p in (1, 2))
    assert [r.reference for r in first.reports] == newest_first[:2]
    assert [r.reference for r in second.reports] == newest_first[2:4]       # the last page runs past the cap
    assert (first.total, first.capped, first.pages) == (3, True, 2)
