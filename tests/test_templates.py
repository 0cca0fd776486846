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
