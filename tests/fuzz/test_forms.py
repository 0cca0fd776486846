"""Property-based fuzz (hypothesis) of every HTML form of the site, for every role (visitor, resident,
councillor, crew, staff, admin): no input makes a server error, and a refused request writes nothing.

The forms are not listed by hand: each role logs in through the real login form, the crawl in ``site.py`` GETs
every page reachable from ``app.url_map`` (parameters filled with real data: reports in each state, a ward, a
category, a crew, an API key, the links of the emails the data queued) and parses every ``<form>`` on them, GET
forms (filters, searches) included. Each form is then sent ``FUZZ_EXAMPLES`` times (default 5; half as many for a
logged-in role's copy of a form the visitor has too): filled in as a person would, filled in but for one field,
or with every field drawn (``strategies.py``): any text with every control character, huge text, numbers
written oddly, nothing, the field repeated, a file instead of text; with the page's CSRF token most of the
time, else none, an altered one or another session's; as a JSON or text body now and then; and its action's
path parameters now and then odd.

Every request runs in a savepoint rolled back afterwards, with the role's session cookie restored, so each
example meets the same site (the log-out, "log out everywhere" and delete-account forms are fuzzed like the
others); a snapshot of every table (row count and row checksum) is compared around each refused request
(4xx, or the 303 with which the app sends a refused action back) and each GET: they must not have written
anything (conftest.py lists the one refusal that writes on purpose). A success may write.

Run it deeper by hand: ``FUZZ_EXAMPLES=200 .venv/bin/python -m pytest tests/fuzz -p no:cacheprovider``; examples
are derandomized (the same on every run) unless ``FUZZ_SEED=<n>`` asks for another draw.
"""
from __future__ import annotations

import re
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest
from hypothesis import strategies as st

from .conftest import EXAMPLES, ROLES, fuzz
from .site import match
from .strategies import CSRF, ENCODING, form_values, odd_field_names, path_values, url_for_rule

#: POST endpoints that are not HTML forms: the Open311 API (fuzzed from its OpenAPI description in
#: tests/fuzz/test_openapi.py; the route fuzz here sends them odd parameters too).
NOT_FORMS = {"open311.requests_create", "open311.updates_create", "open311.unknown",
             # Shown only half-way through a staff sign-in (no signed-in role reaches them by a link); their
             # hostile input is tested in tests/account/test_two_factor.py.
             "account.two_factor", "account.enrol_two_factor",
             # The report form's script sends a photo ahead (JSON, CSRF in a header); tested in
             # tests/reports/test_lookups.py, and the same photo checks run on the form itself.
             "reports.add_photo",
             # A person's record is reached from a report made for a caller, which the crawl's world does not
             # hold; its hostile input is tested in tests/staff (people).
             "staff.edit_person"}
SHARED_EXAMPLES = max(2, EXAMPLES // 2)


def _form_strategy(app, form):
    """(url, fields, unknown fields, CSRF choice, body encoding) for one form."""
    rule = match(app, urlsplit(form.action).path, form.method)[0]
    real: dict[str, list] = {}
    for action in form.actions:
        for arg, value in match(app, urlsplit(action).path, form.method)[1].items():
            real.setdefault(arg, []).append(value)
    queries = sorted({f"?{urlsplit(a).query}" if urlsplit(a).query else "" for a in form.actions})
    url = st.one_of(st.sampled_from(form.actions), st.tuples(path_values(rule, real), st.sampled_from(queries))
                    .map(lambda parts: url_for_rule(rule, parts[0]) + parts[1]))
    csrf = CSRF if form.csrf else st.just("missing")
    encoding = ENCODING if form.method == "POST" else st.just("form")
    return st.tuples(url, form_values(form), odd_field_names(form), csrf, encoding)


def test_every_form_takes_any_input_without_a_server_error_or_a_half_write(fuzz_app, visitor, visitors, probe):
    forms = list(visitor.crawl.forms.values())
    assert forms, f"the crawl found no form for {visitor.name}"
    #: Forms a visitor has too (log in, sign up, the emailed links' pages, the map filters) are fuzzed in full
    #: for the visitor, and with fewer examples for each role logged in.
    public = set(visitors(None).crawl.forms) if visitor.role is not None else set()
    started, statuses = time.perf_counter(), Counter()
    for form in forms:
        def check(example, form=form):
            url, fields, extra, csrf, encoding = example
            statuses[probe(form.method, url, {**extra, **fields} if extra else fields,
                           visitor.token(csrf) if form.method == "POST" else None, form.multipart, encoding)] += 1
        fuzz(_form_strategy(fuzz_app, form), check, SHARED_EXAMPLES if form.key in public else EXAMPLES)
    print(f"{visitor.name}: {len(forms)} forms ({len(public & set(visitor.crawl.forms))} shared with the visitor), "
          f"{sum(statuses.values())} requests in {time.perf_counter() - started:.1f} s, "
          f"statuses {dict(sorted(statuses.items()))}")
    assert sum(statuses.values()) >= len(forms) * min(EXAMPLES, 2)


def test_the_crawl_finds_a_form_for_every_post_route(fuzz_app, visitors):
    """Discovery cannot rot silently: each POST route of the site is reached through a form some role sees."""
    posted = {form.endpoint for role in ROLES for form in visitors(role).crawl.forms.values() if form.method == "POST"}
    wanted = {rule.endpoint for rule in fuzz_app.url_map.iter_rules() if "POST" in rule.methods}
    assert wanted - NOT_FORMS - posted == set()
    gets = {form.endpoint for role in ROLES for form in visitors(role).crawl.forms.values() if form.method == "GET"}
    assert {"main.find", "staff.queue", "crew.jobs", "admin.users", "maps.performance"} <= gets


@pytest.mark.parametrize("visitor", [None], indirect=True, ids=["visitor"])
def test_the_probe_notices_a_server_error_and_a_refusal_that_writes(fuzz_app, visitor, probe, monkeypatch):
    """The fuzz's two checks can fail: a view that answers 400 after writing a row, and one that raises."""
    from portal import db
    from models import ApiKey

    def refuses_after_writing():
        db.session().add(ApiKey(name="half-written", key_hash="x" * 64))
        db.session().commit()
        return "refused", 400

    def raises():
        raise RuntimeError("a bug")

    for view, message in ((refuses_after_writing, "wrote to ['api_keys']"), (raises, "raised RuntimeError")):
        monkeypatch.setitem(fuzz_app.view_functions, "main.about", view)
        with pytest.raises(AssertionError, match=re.escape(message)):
            probe("GET", "/about", {})
