"""Every scrolling table wrapper in the templates is a named, focusable region, so a keyboard user can scroll
it and a screen reader announces what it holds (WCAG 2.1.1 and 4.1.2; axe's scrollable-region-focusable)."""
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
WRAPPER = re.compile(r"<div\b[^>]*\bclass=\"[^\"]*\btable-scroll\b[^\"]*\"[^>]*>", re.S)


def wrappers() -> list[tuple[str, str]]:
    return [(str(path.relative_to(TEMPLATES)), tag) for path in sorted(TEMPLATES.rglob("*.html"))
            for tag in WRAPPER.findall(path.read_text())]


def test_every_scrolling_table_is_a_named_focusable_region():
    found = wrappers()
    assert len(found) >= 30 and any(name == "maps/promises.html" for name, _ in found)
    bad = [(name, tag) for name, tag in found
           if 'role="region"' not in tag or 'tabindex="0"' not in tag
           or not re.search(r'\baria-label(ledby)?="[^"]+"', tag)]
    assert bad == []


def test_the_check_sees_a_bare_wrapper():
    assert WRAPPER.findall('<p>x</p><div class="table-scroll">\n<table>') == ['<div class="table-scroll">']


TITLE = re.compile(r"{%\s*block title\s*%}(.*?){%\s*endblock\s*%}", re.S)


def test_every_page_that_can_show_form_errors_says_error_in_its_title():
    """WCAG 3.3.1 / GOV.UK pattern: a page shown again with errors starts its title with "Error:", so a screen
    reader user hears at once that the form was not sent (the login and account pages did not)."""
    pages = [path for path in sorted(TEMPLATES.rglob("*.html")) if "error_summary(" in path.read_text()
             and path.name != "forms.html"]
    assert len(pages) >= 20
    bad = [str(path.relative_to(TEMPLATES)) for path in pages
           if "Error: " not in (TITLE.search(path.read_text()) or [None, ""])[1]]
    assert bad == []
