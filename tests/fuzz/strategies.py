"""Hypothesis strategies for what people and programs send to a form or a URL: any text (every control
character, every plane; NUL now and then; bytes that are not UTF-8), huge values, numbers written oddly, nothing,
a field repeated, a file where text is expected and text where a file is expected."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from urllib.parse import quote

from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage

from ..factories import CATFORD, PASSWORD, bomb_png, image_bytes
from .site import Field, Form, path_args

#: Any character a client can encode (UTF-8 cannot carry lone surrogates), NUL apart: it is always refused
#: at the boundary (tests/test_http_boundary.py), so it comes in its own rare case below.
CHARACTERS = st.characters(codec="utf-8", exclude_characters="\x00")
ANY_TEXT = st.text(CHARACTERS, max_size=24)
CONTROLS = st.text(st.characters(min_codepoint=1, max_codepoint=0x9F) | st.sampled_from(
    "\u2028\u2029\u200b\u200e\u202e\ufeff\ufffd\ufffe\uffff\U0010ffff"), min_size=1, max_size=8)
ODD_NUMBERS = st.sampled_from([
    "²", "١٢", "٣.٥", "१२", "-0", "+5", " 7 ", "1e309", "-1e309", "1e-400", "NaN", "nan", "inf", "-Infinity",
    "0x1F", "1_000", "1,5", "-1", "0", "00", "2147483648", "-2147483649", "9223372036854775808", "9" * 40,
    "1.5", "51.4452", "-0.0205", "51.4452,-0.0205", "1" * 400])
HUGE = st.builds(lambda ch, n: ch * n, CHARACTERS, st.sampled_from([255, 4_001, 100_000]))
#: In a URL, long but not beyond what a server takes in a request line (gunicorn refuses more than 4 KB).
LONG = st.builds(lambda ch, n: ch * n, CHARACTERS, st.sampled_from([255, 1_000]))
NUL = st.sampled_from(["\x00", "a\x00b"])
#: Sent as raw bytes: the HTTP layer decodes them with U+FFFD for what is not UTF-8.
NOT_UTF8 = st.sampled_from([b"\xff\xfe", b"caf\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80"])
ODD = st.one_of(ANY_TEXT, CONTROLS, ODD_NUMBERS, HUGE, st.just(""), st.just(" "), NOT_UTF8, NUL)
ODD_IN_URL = st.one_of(ANY_TEXT, CONTROLS, ODD_NUMBERS, LONG, st.just(""), st.just(" "), NOT_UTF8, NUL)


@dataclass(frozen=True)
class Upload:
    """A file part; made into a fresh stream for each request."""
    content: bytes
    filename: str

    def part(self) -> FileStorage:
        return FileStorage(io.BytesIO(self.content), filename=self.filename)


FILES = st.builds(Upload, st.one_of(st.binary(max_size=64), st.sampled_from(
    [image_bytes(size=(32, 24)), image_bytes("PNG", size=(32, 24)), image_bytes()[:200], bomb_png(), b""])),
    st.one_of(st.sampled_from(["photo.jpg", "a.png", "", "x.heic", "../../etc/passwd", "a" * 300 + ".jpg",
                               "photo.jpg\r\nContent-Type: text/html"]), ANY_TEXT))

#: What a person types where the page leaves a field empty, the first value of each being one that gets the form
#: past its checks (so the fuzz reaches the services behind it and their success), the others near misses.
AIMED = {
    "latitude": [str(CATFORD.lat), "51.5072", "91"], "longitude": [str(CATFORD.lon), "-0.1276"],
    "depot_lat": [str(CATFORD.lat)], "depot_lon": [str(CATFORD.lon)], "postcode": ["SE6 4RU", "se64ru", "SW1A 1AA"],
    "description": ["Sofa and bags by the lamp post"], "note": ["Cleared today"], "reason": ["A face in the photo"],
    "email": ["resident@fuzz.example.org", "someone@example.org", "walk-in@fuzz.example.org",
              "newcomer@fuzz.example.org"],
    "password": [PASSWORD, "short"], "confirm": [PASSWORD], "display_name": ["Erin"], "your_name": ["Erin"],
    "name": ["Night crew", "Fuzz CRM", "Litter bins"], "code": ["fuzz_new_code", "fly_tipping"],
    "group": ["Streets"], "target_hours": ["48", "0", "100000"], "questions": [
        "[]", '[{"code": "size", "label": "How big?", "type": "single", "options": [{"value": "s", "label": "S"}]}]',
        '[{"code": "x", "label": "X", "type": "text"}]', '{"code": 1}', "[1]", "[" * 5000],
    "original": ["KB-", "KB-NOPE"], "channel": ["phone", "walk_in", "email", "fax"],
}


def filled(f: Field) -> list:
    """What a person sends for a field after filling the form in: what the page has, else the first option or
    suggestion the page offers, else what they type; of the submit buttons, the last (where forms put their
    main one)."""
    if f.kind == "submit":
        return f.values[-1:]
    if f.kind == "file" or any(f.default):
        return list(f.default)
    return next(([v] for v in [*f.values, *AIMED.get(f.name, [])] if v), list(f.default))


def _known(f: Field) -> st.SearchStrategy:
    values = list(dict.fromkeys([*f.values, *AIMED.get(f.name, [])]))
    if f.kind == "file":
        return st.sampled_from([Upload(image_bytes(size=(32, 24)), "photo.jpg")])
    return st.sampled_from(values) if values else st.just("")


def field_values(f: Field, odd: st.SearchStrategy = ODD) -> st.SearchStrategy:
    """The list of values one field is sent with: as the page has it, odd, absent, repeated, or a file."""
    known = _known(f)
    return st.one_of(
        known.map(lambda v: [v]),
        odd.map(lambda v: [v]),
        st.just([]),
        st.lists(known | odd, min_size=2, max_size=4),
        FILES.map(lambda u: [u]),
    )


def odd_field_names(form: Form) -> st.SearchStrategy:
    """Fields the form does not have (any name), sometimes one it has under a changed case."""
    names = st.one_of(ANY_TEXT.filter(bool), st.sampled_from(sorted(form.fields) or ["x"]).map(str.upper))
    return st.dictionaries(names, st.lists(ODD if form.method == "POST" else ODD_IN_URL, min_size=1, max_size=2),
                           max_size=2)


def form_values(form: Form) -> st.SearchStrategy:
    """The form filled in, the form filled in but for one field fuzzed, or every field fuzzed."""
    odd = ODD if form.method == "POST" else ODD_IN_URL
    base = {name: filled(f) for name, f in form.fields.items()}
    everything = st.fixed_dictionaries({name: field_values(f, odd) for name, f in form.fields.items()})
    if not form.fields:
        return everything
    one = st.sampled_from(sorted(form.fields)).flatmap(
        lambda name: field_values(form.fields[name], odd).map(lambda v: {**base, name: v}))
    return st.one_of(st.just(base), one, everything)


#: The CSRF token as the page has it (most of the time), absent, altered, or from no session at all.
CSRF = st.sampled_from(["page", "page", "page", "page", "missing", "altered", "foreign"])


#: How a POST body is encoded: as the form says (most of the time), or as no browser sends a form.
ENCODING = st.sampled_from(["form", "form", "form", "form", "form", "json", "json-list", "text"])


def path_segment(value) -> str:
    """A URL path segment holding any text or bytes (the server decodes it back)."""
    return quote(value if isinstance(value, (str, bytes)) else str(value), safe="")


def url_for_rule(rule, values: dict) -> str:
    """The rule's URL with each argument replaced by ``values[arg]`` (str or bytes), percent-encoded."""
    out = rule.rule
    for m in re.finditer(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule.rule):
        out = out.replace(m.group(0), path_segment(values[m.group(2)]), 1)
    return out


def path_values(rule, real: dict[str, list]) -> st.SearchStrategy:
    """Arguments for a rule: the site's real ones, or any of them replaced by odd text."""
    args = sorted(path_args(rule))
    if not args:
        return st.just({})
    known = {a: st.sampled_from(sorted(real.get(a) or ["x"], key=str)) for a in args}
    keep = st.fixed_dictionaries(known)
    odd = ODD_IN_URL.filter(bool)
    one = st.sampled_from(args).flatmap(lambda arg: st.fixed_dictionaries({**known, arg: odd}))
    return st.one_of(keep, one, st.fixed_dictionaries({a: odd for a in args}))


def query_values(names: dict[str, list], odd: st.SearchStrategy = ODD_IN_URL) -> st.SearchStrategy:
    """Query parameters (or, for a POST, form fields): names the site uses (with the values it uses, or odd
    ones), sometimes unknown names."""
    def pair(name):
        own = sorted(names.get(name, ()), key=str)
        return st.tuples(st.just(name), st.lists(st.sampled_from(own) | odd if own else odd, min_size=1, max_size=3))
    name = st.sampled_from(sorted(names)) | ANY_TEXT.filter(bool) if names else ANY_TEXT.filter(bool)
    return st.lists(name.flatmap(pair), max_size=4).map(dict)
