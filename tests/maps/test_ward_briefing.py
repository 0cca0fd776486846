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
    figure = html[html.index('<figure class="print-only static-map">'):html.index("</figure>")]
    assert figure.count('class="report-dot"') == 3 and 'class="ward-outline"' in figure and "tiles" not in figure
    assert re.search(r"<figcaption[^>]*>Rushey Green: the ward boundary and 3 reports", figure)
    chart = html[html.index('<svg class="chart"'):html.index("</svg>", html.index('<svg class="chart"'))]
    ticks = re.findall(r'text-anchor="end" class="axis">(\d+)</text>', chart)
    assert ticks == ["0", "1", "2", "3", "4", "5"] and ">Reports</text>" in chart   # 3 reports: axis to 5
    assert 'class="axis value">3</text>' in chart            # April's bar carries its value
    download = html.index("Download this ward")
    assert html.rfind('<div class="no-print">', 0, download) > html.rfind("</div>", 0, download)


def test_chart_axis_tops_are_round_and_ticks_whole():
    from datetime import date

    from gis.performance import MonthFigures
    from portal.maps.views import nice_top, trend_chart
    assert [nice_top(v) for v in (0, 1, 2, 3, 7, 10, 11, 180, 4001)] == [1, 1, 2, 5, 10, 10, 20, 200, 5000]
    for top_value in (1, 2, 3, 14, 180):
        chart = trend_chart([MonthFigures(date(2024, 1, 1), top_value, 0, 0, None)])
        values = [t["value"] for t in chart["ticks"]]
        assert values[0] == 0 and values[-1] == chart["top"] >= top_value and len(set(values)) == len(values)
        assert chart["bars"][0]["y"] >= 0 and chart["bars"][0]["h"] <= chart["base"]
