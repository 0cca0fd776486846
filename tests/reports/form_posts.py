"""Posting the report form as a browser does, and what a refused post must show: shared by the report form's
tests (test_report_form.py: fields and rules; test_report_form_photos.py: photos)."""
from __future__ import annotations

import html as htmllib
import io
import re

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from ..conftest import csrf_from
from ..factories import CATFORD

DESCRIPTION = "Sofa and bags dumped by the lamp post"


def post(fc, data: dict, files: list[tuple[bytes, str]] = (), url: str = "/report"):
    """Post the form as multipart; the body is built in memory (werkzeug's test client would spool a large one
    to a temporary file that it never closes, which the warnings-are-errors rule turns into a failure)."""
    data = dict(data)
    data.setdefault("csrf_token", csrf_from(fc.get("/report").get_data(as_text=True)))
    if files:
        data["photos"] = [FileStorage(io.BytesIO(raw), filename=name) for raw, name in files]
    boundary, body = encode_multipart(data)
    return fc.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def assert_kept(page: str, *, coordinates: bool = True, description: bool = True, category: bool = True):
    """The user's other input is back in the re-rendered form."""
    if description:
        assert re.search(rf">\s*{DESCRIPTION}</textarea>", page)
    if coordinates:
        assert f'value="{CATFORD.lat}"' in page and f'value="{CATFORD.lon}"' in page
    if category:
        assert re.search(r'<option[^>]*selected[^>]*value="fly_tipping"|<option[^>]*value="fly_tipping"[^>]*selected',
                         page)
        assert re.search(r'value="small_van"\s*\n?\s*checked', page)
        assert re.search(r'value="furniture"\s*\n?\s*checked', page)


def refused(resp, message: str, rows, before) -> str:
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400, page[:1000]
    assert "There is a problem" in page and message in htmllib.unescape(page), page[:3000]
    assert rows() == before, "a refused report wrote something"
    return page
