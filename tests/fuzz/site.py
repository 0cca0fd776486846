"""The site as the fuzz sees it: one set of data covering every page state, and a crawl that finds, for one
role, every page reachable from ``app.url_map`` and the links on the pages (and in the emails the data
queued), with every form on them and every value the site itself puts in a URL.

Nothing here is a hand-written list of forms or fields: they come from the HTML the app serves."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from sqlalchemy import select, text
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from models import Category, Crew, CrewMember, ResponseTemplate, Role, Status, Ward
from datetime import timedelta

from models import utcnow
from portal.services import (alerts, apikeys, crews, email_change, enforcement, flags, password_reset,
                             questionnaire, registration, triage, updates)
from portal.services.support import support
from portal.services.accounts import register_user
from tests.factories import enrol_two_factor
from portal.services.contacts import contact_user
from portal.services.link_actions import claim_token
from portal.services.links import external_url
from portal.services.photos import PhotoStore, process_photo
from portal.services.reports import NewReport, create_report

from ..factories import CATFORD, FLY_TIPPING_ANSWERS, PASSWORD, image_bytes

FUZZ_DOMAIN = "fuzz.example.org"
ANSWERS = {k.removeprefix("q_fly_tipping_"): v for k, v in FLY_TIPPING_ANSWERS.items()}
#: Endpoints that answer with data or files, not pages: their URLs are kept (for their parameters' real values)
#: but not fetched by the crawl (the route fuzz requests them).
NOT_HTML = re.compile(r"\.(csv|json|geojson|xml|jpg|png|svg|ico|js|css|map)$|^/(static|vendor)/")
PER_ENDPOINT = 2           # distinct URLs crawled per endpoint from the pages' links (the seeds are all crawled)


def path_args(rule) -> list[str]:
    """The arguments in a rule's path (``rule.arguments`` also counts its defaults)."""
    return re.findall(r"<(?:[^>:]+:)?(\w+)>", rule.rule)


# --- data ---------------------------------------------------------------------------------------------------

def build_site(session, app, photo_dir) -> dict:
    """One account per role, a crew with its member, reports in the states that show different forms (new with a
    photo, assigned, in progress, fixed, unconfirmed), a response template, an API key, a pending sign-up and a
    password reset; the emails this queues hold the single-use links the crawl starts from."""
    with app.app_context():
        users = {role: register_user(session, email=f"{role.value}@{FUZZ_DOMAIN}", password=PASSWORD,
                                     display_name=f"Fuzz {role.value}", role=role) for role in Role}
        for role in (Role.STAFF, Role.ADMIN):          # they sign in with a second step (a real TOTP code)
            enrol_two_factor(session, users[role], app.config)
        staff, crew_user = users[Role.STAFF], users[Role.CREW]
        crew = Crew(name="Fuzz crew", depot=CATFORD.ewkt)
        session.add_all([crew, Crew(name="Idle crew", active=False)])
        session.flush()
        session.add(CrewMember(crew_id=crew.id, user_id=crew_user.id))
        session.add(ResponseTemplate(category_id=None, status=Status.INVESTIGATING, title="Looking",
                                     text="An officer will look at it this week."))
        session.commit()
        store = PhotoStore(photo_dir)
        photo_key = store.save_pending(process_photo(image_bytes(), "before.jpg"))

        # Issue 13: a confirmed alert of the councillor's, before the reports, so the worker's email (with its stop and
        # preferences links) tells of them; a visitor's alert waiting for its link.
        alerts.create_alert(session, alerts.AlertRequest(kind="council"), users[Role.COUNCILLOR])
        alerts.create_alert(session, alerts.AlertRequest(kind="council", email=f"alerted@{FUZZ_DOMAIN}"), None)

        def report(n: int, reporter=users[Role.RESIDENT], status=Status.NEW, keys=()):
            data = NewReport(category_code="fly_tipping", point=CATFORD, description=f"Sofa and bags, number {n}",
                             answers=ANSWERS, photo_keys=list(keys), client_token=f"fuzz-{n}", anonymous=n % 2 == 0)
            return create_report(session, data, reporter, store, status=status)

        new = report(1, keys=[photo_key])
        assigned, started, fixed = report(2), report(3), report(4)
        triage.assign(session, [assigned, started, fixed], crew, staff)
        crews.start_job(session, started, crew_user)
        crews.start_job(session, fixed, crew_user)
        crews.complete_job(session, fixed, crew_user, "Cleared", None, store, f"fuzz-{fixed.reference}-completion")
        walk_in = contact_user(session, f"walk-in@{FUZZ_DOMAIN}", "Walk In")
        unconfirmed = report(5, reporter=walk_in, status=Status.UNCONFIRMED)
        later = utcnow() + timedelta(days=29)
        alerts.match_new_events(session, now=later)
        alerts.send_alert_emails(session, now=later)
        # A resident's update (staff moderate it), one sent by a visitor waiting for its link, a visitor following,
        # a supporter and a follower (their "stop" buttons), and the "has it been fixed?" emails.
        updates.add_update(session, new, users[Role.CREW], "Still there", [], store)
        updates.add_update(session, new, None, "Seen it too", [], store, email=f"walk-in@{FUZZ_DOMAIN}")
        updates.follow(session, new, None, f"watcher@{FUZZ_DOMAIN}")
        support(session, new, users[Role.COUNCILLOR])
        updates.follow(session, new, users[Role.CREW])
        questionnaire.send_questionnaires(session, now=later)
        enforcement.record_action(session, new, staff, "investigation", enforcement.london_today())   # its remove form
        flags.flag(session, new, None, "offensive", "Rude words", f"flagger@{FUZZ_DOMAIN}")   # its "dealt with" form
        apikeys.create_key(session, "Fuzz CRM", may_update=True)
        registration.start_registration(session, email=f"newcomer@{FUZZ_DOMAIN}", password=PASSWORD,
                                        display_name="Newcomer")
        password_reset.request_reset(session, users[Role.RESIDENT].email)
        email_change.request_change(session, users[Role.RESIDENT], PASSWORD, f"moving@{FUZZ_DOMAIN}")
        claim = urlsplit(external_url(session, "notices.claim", token=claim_token(session, walk_in))).path
        session.commit()
        return {
            "users": users, "references": [r.reference for r in (new, assigned, started, fixed, unconfirmed)],
            "ward": session.scalar(select(Ward.code).where(Ward.id == new.ward_id)),
            "category": session.scalar(select(Category.id).where(Category.code == "fly_tipping")),
            "crew": crew.id, "photo": new.photos[0].id, "photo_key": photo_key,
            "key": apikeys.all_keys(session)[0].id, "claim": claim}


def email_links(connection) -> list[str]:
    """Paths of the links in the queued emails (confirm, unsubscribe, reopen, rate, sign-up, password reset)."""
    bodies = connection.execute(text("SELECT body FROM outbox WHERE to_addr LIKE :d"), {"d": f"%@{FUZZ_DOMAIN}"})
    return sorted({urlsplit(url).path for (body,) in bodies for url in re.findall(r"https?://\S+", body)})


def seed_urls(app, site: dict) -> list[str]:
    """Every GET rule of the app with its parameters filled from the data (rules whose parameters the data
    cannot fill, like a token, are reached through the emails' links or the pages' own links)."""
    values = {"reference": site["references"][0], "service_request_id": site["references"][0],
              "code": site["ward"], "category_id": site["category"], "crew_id": site["crew"], "fmt": "json",
              "key": site["photo_key"], "user_id": site["users"][Role.RESIDENT].id, "key_id": site["key"],
              "rest": "no/such/thing"}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        args = path_args(rule)
        if all(arg in values for arg in args):
            urls.append(re.sub(r"<(?:[^>:]+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule))
    return (sorted(set(urls)) + [f"/staff/reports/{ref}" for ref in site["references"]] + [site["claim"]]
            + [f"/admin/users/{site['users'][Role.COUNCILLOR].id}"])    # the wards form: councillors only


# --- forms in HTML ------------------------------------------------------------------------------------------

@dataclass
class Field:
    name: str
    kind: str                                       # the input's type, or select, textarea, submit
    default: list = field(default_factory=list)     # what a browser sends untouched (nothing for a checkbox off)
    values: list = field(default_factory=list)      # every value the page offers (options, checkbox values...)


@dataclass
class Form:
    page: str                 # where it was first found
    method: str               # GET or POST
    action: str               # path and query it is sent to
    multipart: bool
    fields: dict[str, Field]
    csrf: str | None
    endpoint: str = ""
    #: Every action this form was seen with (the same form for each report, token, ward...).
    actions: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        """One form however many pages show it (the log-out button) and whatever its action's parameters are
        (a staff form for each report): its examples take any of the actions seen."""
        return (self.method, self.endpoint, self.multipart,
                tuple(sorted((n, f.kind) for n, f in self.fields.items())))

    def __str__(self) -> str:
        return f"{self.method} {self.action} (from {self.page}; fields {sorted(self.fields)})"


class PageParser(HTMLParser):
    """The forms of a page (fields with their values) and every URL it links to or loads."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.by_id: dict[str, dict] = {}
        self.orphans: list[tuple[str, dict]] = []     # controls with form="id" outside that form
        self.urls: list[str] = []
        self.datalists: dict[str, list[str]] = {}     # suggestions for inputs with list="id"
        self._form = self._select = self._option = self._textarea = self._datalist = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        for url_attr in ("href", "src", "action"):
            if url_attr in a and tag != "form":
                self.urls.append(a[url_attr])
        if tag == "form":
            self._form = {"attrs": a, "controls": []}
            self.forms.append(self._form)
            if a.get("id"):
                self.by_id[a["id"]] = self._form
        elif tag in ("input", "button", "select", "textarea"):
            control = {"tag": tag, "attrs": a, "options": [], "text": ""}
            if a.get("form"):
                self.orphans.append((a["form"], control))
            elif self._form is not None:
                self._form["controls"].append(control)
            if tag == "select":
                self._select = control
            elif tag == "textarea":
                self._textarea = control
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
            self._select["options"].append(self._option)
        elif tag == "datalist":
            self._datalist = self.datalists.setdefault(a.get("id", ""), [])
        elif tag == "option" and self._datalist is not None and "value" in a:
            self._datalist.append(a["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = self._option = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "datalist":
            self._datalist = None

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        elif self._textarea is not None:
            self._textarea["text"] += data

    def result(self, page: str) -> list[Form]:
        for form_id, control in self.orphans:
            if form_id in self.by_id:
                self.by_id[form_id]["controls"].append(control)
        forms = []
        for raw in self.forms:
            a = raw["attrs"]
            fields: dict[str, Field] = {}
            csrf = None
            other_actions = []      # a submit button's formaction sends the same form elsewhere
            for c in raw["controls"]:
                name, kind = c["attrs"].get("name"), c["attrs"].get("type", "").lower()
                if c["attrs"].get("formaction") and (c["tag"] == "button" or kind in ("submit", "image")):
                    other_actions.append(c["attrs"]["formaction"])
                if not name or "disabled" in c["attrs"]:
                    continue
                if name == "csrf_token":
                    csrf = c["attrs"].get("value")
                    continue
                f = fields.setdefault(name, Field(name, c["tag"] if c["tag"] in ("select", "textarea") else
                                                  "submit" if c["tag"] == "button" else kind or "text"))
                if c["tag"] == "select":
                    options = [o["value"] if o["value"] is not None else o["text"].strip() for o in c["options"]]
                    chosen = [v for o, v in zip(c["options"], options) if o["selected"]] or options[:1]
                    f.values += options
                    f.default += chosen if "multiple" in c["attrs"] else chosen[:1]
                elif c["tag"] == "textarea":
                    f.values.append(c["text"].removeprefix("\n"))
                    f.default.append(c["text"].removeprefix("\n"))
                elif c["tag"] == "button" or kind in ("submit", "image"):
                    f.kind = "submit"
                    f.values.append(c["attrs"].get("value", ""))
                elif kind in ("checkbox", "radio"):
                    value = c["attrs"].get("value", "on")
                    f.values.append(value)
                    if "checked" in c["attrs"]:
                        f.default.append(value)
                elif kind == "file":
                    f.kind = "file"
                else:
                    f.values.append(c["attrs"].get("value", ""))
                    f.default.append(c["attrs"].get("value", ""))
                    f.values += self.datalists.get(c["attrs"].get("list", ""), [])
            for target in dict.fromkeys([a.get("action") or page, *other_actions]):
                parts = urlsplit(urljoin(page, target))
                forms.append(Form(page=page, method=(a.get("method") or "get").upper(),
                                  action=parts.path + (f"?{parts.query}" if parts.query else ""),
                                  multipart=a.get("enctype") == "multipart/form-data", fields=fields, csrf=csrf))
        return forms


# --- the crawl ----------------------------------------------------------------------------------------------

@dataclass
class Crawl:
    """What one role finds: pages (URL -> status), forms, and the real values of URL parameters."""
    pages: dict[str, int] = field(default_factory=dict)
    forms: dict[tuple, Form] = field(default_factory=dict)
    #: (endpoint, argument) -> values seen in the site's own URLs; and by argument name alone.
    path_values: dict[tuple[str, str], set] = field(default_factory=lambda: defaultdict(set))
    arg_values: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    #: query parameter name -> values seen in links and GET forms
    query_values: dict[str, set] = field(default_factory=lambda: defaultdict(set))


def match(app, path: str, method: str = "GET"):
    """(rule, arguments) of a path, or None when no rule answers it with this method."""
    try:
        return app.url_map.bind("localhost").match(path, method, return_rule=True)
    except RequestRedirect as redirect:
        return match(app, urlsplit(redirect.new_url).path, method)
    except HTTPException:
        return None


def crawl(app, client, seeds: list[str], isolated) -> Crawl:
    """Breadth-first from the seeds, following the site's own links and redirects (a few URLs per endpoint)."""
    found, queue, seen, seeded = Crawl(), list(seeds), set(), set(seeds)
    per_endpoint: dict[str, int] = defaultdict(int)
    while queue:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or url in seen:
            continue
        seen.add(url)
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            found.query_values[name].add(value)
        matched = match(app, parts.path)
        if matched is None:
            continue
        rule, args = matched
        for arg, value in args.items():
            found.path_values[rule.endpoint, arg].add(value)
            found.arg_values[arg].add(value)
        if NOT_HTML.search(parts.path) or (url not in seeded and per_endpoint[rule.endpoint] >= PER_ENDPOINT):
            continue
        per_endpoint[rule.endpoint] += 1
        with isolated():
            resp = client.get(url)
        found.pages[url] = resp.status_code
        if resp.status_code in (301, 302, 303, 307, 308):
            queue.append(urljoin(url, resp.headers["Location"]))
            continue
        if resp.mimetype != "text/html":
            continue
        parser = PageParser()
        parser.feed(resp.get_data(as_text=True))
        for form in parser.result(url):
            target = match(app, urlsplit(form.action).path, form.method)
            if target is None:
                raise AssertionError(f"{url} has a form no route takes: {form}")
            form.endpoint = target[0].endpoint
            kept = found.forms.setdefault(form.key, form)
            if form.action not in kept.actions:
                kept.actions.append(form.action)
            for arg, value in target[1].items():
                found.path_values[form.endpoint, arg].add(value)
                found.arg_values[arg].add(value)
            if form.method == "GET":
                for f in form.fields.values():
                    found.query_values[f.name].update(f.values)
        queue += [urljoin(url, u) for u in parser.urls if not u.startswith(("#", "data:", "mailto:"))]
    return found
