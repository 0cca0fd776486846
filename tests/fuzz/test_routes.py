"""Property-based fuzz (hypothesis) of every route of ``app.url_map``, for every role: each path parameter
takes the site's real values (from its own links, the emails' links and the test data) or any text, and each
request carries query parameters the site uses (their real values or odd ones) or unknown ones; POSTs carry the
role's CSRF token. No server error, no GET that writes, no refused request that writes (see test_forms.py for
the isolation and the snapshot, and for running it deeper by hand).

Each route gets ``FUZZ_EXAMPLES // 2`` examples per role and method (at least 2), and 2 when the role may not
use it (it is turned away before its parameters are read). Routes that a form of the role's pages posts (or
gets) to are left to the form fuzz, which sends their path parameters odd values too.
"""
from __future__ import annotations

import time
from collections import Counter, defaultdict

from hypothesis import strategies as st

from .conftest import EXAMPLES, fuzz
from .site import path_args
from .strategies import CSRF, ODD, path_values, query_values, url_for_rule

ROUTE_EXAMPLES = max(2, EXAMPLES // 2)


def _form_fields(visitor) -> dict[str, list]:
    """Every form field name the site uses (with the values its pages offer), for POST bodies."""
    names = defaultdict(list)
    for form in visitor.crawl.forms.values():
        for f in form.fields.values():
            names[f.name] += f.values
    return names


def _examples(visitor, rule, method: str, real: dict[str, list], isolated) -> int:
    """Two for a route this role may not use (it is turned away before the parameters are read: log in, or
    403); else ROUTE_EXAMPLES."""
    if all(real.values()):
        with isolated():
            plain = visitor.client().open(url_for_rule(rule, {a: v[0] for a, v in real.items()}), method=method,
                                          data={"csrf_token": visitor.csrf})
            plain.close()        # a WSGI server always closes (or reads) a streamed body
        if plain.status_code == 403 or "/login" in plain.headers.get("Location", ""):
            return 2
    return ROUTE_EXAMPLES


def test_every_route_parameter_takes_any_text_without_a_server_error(fuzz_app, visitor, probe, isolated):
    found = visitor.crawl
    query_names = {name: sorted(values) for name, values in found.query_values.items()}
    field_names = _form_fields(visitor)
    by_forms = {(form.endpoint, form.method) for form in found.forms.values()}
    started, statuses, routes, to_forms = time.perf_counter(), Counter(), 0, 0
    for rule in sorted(fuzz_app.url_map.iter_rules(), key=lambda r: r.rule):
        real = {a: sorted(found.path_values.get((rule.endpoint, a)) or found.arg_values.get(a) or (), key=str)
                for a in path_args(rule)}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes += 1
            if (rule.endpoint, method) in by_forms:
                to_forms += 1     # the form fuzz sends odd path parameters to its forms' actions
                continue

            def check(example, method=method, rule=rule):
                args, fields, csrf = example
                statuses[probe(method, url_for_rule(rule, args), fields,
                               visitor.token(csrf) if method != "GET" else None)] += 1
            fields = query_values(query_names) if method == "GET" else query_values(field_names, ODD)
            fuzz(st.tuples(path_values(rule, real), fields, CSRF), check,
                 _examples(visitor, rule, method, real, isolated))
    print(f"{visitor.name}: {routes} routes and methods ({to_forms} left to the form fuzz), "
          f"{sum(statuses.values())} requests in "
          f"{time.perf_counter() - started:.1f} s, statuses {dict(sorted(statuses.items()))}")
    assert routes > 80
