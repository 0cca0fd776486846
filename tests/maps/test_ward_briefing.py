"""The ward page prints as a dated briefing: the date, a static map drawn server-side (no tiles), a chart with
axes and values, and no download heading on paper."""
import re
from datetime import datetime, timezone

from models import Status


def test_ward_page_is_a_printable_briefing(client, add_report):
    for day in (2, 3, 4):
        add_report(created=datetime(2024, 4, day, 9), status=Status.FIXED, fixed=datetime(2024, 4, day, 12))
    html = client.get("/wards/E05013730?start=2024-01-01&end=2024-04-30").get_data(as_text=True)
    today = datetime.now(timezone.utc).date()
    assert f"Ward briefing prepared {today.strftime('%-d %B %Y').lstrip('0')}" in html
    start = html.index('<figure class="print-only static-map">')
    figure = html[start:html.index("</figure>", start)]
    assert figure.count('class="report-dot"') == 3 and 'class="ward-outline"' in figure and "tiles" not in figure
    assert re.search(r"<figcaption[^>]*>Rushey Green: the ward boundary and 3 reports", figure)
    # The charts (the measures' 24-month trends) print with their axes and the values on them.
    chart = html[html.index('<svg class="chart"'):html.index("</svg>", html.index('<svg class="chart"'))]
    assert len(re.findall(r'text-anchor="end" class="axis">[^<]+</text>', chart)) >= 2
    assert 'class="axis-line"' in chart and "<title id=" in chart
    download = html.index("Download this ward")
    assert html.rfind('<div class="no-print">', 0, download) > html.rfind("</div>", 0, download)
