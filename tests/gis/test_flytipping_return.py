"""The WasteDataFlow fly-tipping return: totals checked against hand-made reports (in the month, outside it,
hidden, unconfirmed, duplicates, other categories) and every answer of the category mapped."""
import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from gis import flytipping_return as wdf
from models import EnforcementAction, Status

CATEGORIES = Path(__file__).resolve().parents[2] / "portal" / "data" / "categories.json"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture()
def fly_tip(add_report, db_session):
    def make(size=None, waste=None, where=None, created=utc(2025, 6, 10, 12), **kw):
        report = add_report(created=created, **kw)
        report.answers = {k: v for k, v in {"size": size, "waste": waste, "where": where}.items() if v is not None}
        db_session.commit()
        return report
    return make


def counts(rows) -> dict:
    return {r.code: r.count for r in rows if r.count}


def test_every_answer_of_the_fly_tipping_questions_is_mapped_onto_the_return():
    questions = {q["code"]: q for q in json.loads(CATEGORIES.read_text())["fly_tipping_questions"]}
    for code, mapping, labels in (("size", wdf.SIZE_MAP, wdf.SIZES), ("waste", wdf.WASTE_MAP, wdf.WASTE_TYPES),
                                  ("where", wdf.LAND_MAP, wdf.LAND_TYPES)):
        values = {o["value"] for o in questions[code]["options"]}
        assert values == set(mapping), code
        assert set(mapping.values()) <= set(labels), code
    assert set(wdf.WASTE_PRIORITY) == set(wdf.WASTE_MAP)


def test_primary_waste_is_the_first_given_in_priority_order():
    assert wdf.primary_waste(["household", "asbestos"]) == "asbestos"
    assert wdf.primary_waste(["furniture", "tyres"]) == "tyres"
    assert wdf.primary_waste("green") == "green"
    assert wdf.primary_waste(["made_up"]) is None and wdf.primary_waste(None) is None


def test_the_month_return_counts_each_incident_once_per_table(fly_tip, add_report, db_session):
    june = [
        fly_tip("car_boot", ["household"], "road", status=Status.NEW),
        fly_tip("single_bag", ["furniture", "asbestos"], "alley", status=Status.FIXED),
        fly_tip("significant", ["tyres", "construction"], "park", status=Status.INVESTIGATING),
        # 31 May 23:30 UTC is 1 June 00:30 in London.
        fly_tip("transit_van", ["chemical_drums"], "private", created=utc(2025, 5, 31, 23, 30)),
        fly_tip("small_van", ["clinical", "other"], "watercourse"),
        fly_tip("tipper_lorry", ["white_goods", "electrical"], "road"),
        fly_tip("single_item", ["green"], "road"),
        fly_tip("single_item", ["electrical"], "alley"),
        fly_tip(),                                              # no answers (e.g. taken by phone)
        fly_tip("single_item", ["other"], "private"),
        fly_tip("car_boot", ["construction"], "road", status=Status.CLOSED),
        fly_tip("single_bag", ["furniture"], "road"),
    ]
    # Not incidents of June 2025:
    hidden = fly_tip("car_boot", ["household"], "road", hidden=True)
    fly_tip("car_boot", ["household"], "road", status=Status.UNCONFIRMED)
    fly_tip("car_boot", ["household"], "road", status=Status.DUPLICATE)
    fly_tip("car_boot", ["household"], "road", status=Status.NOT_RESPONSIBLE)
    fly_tip("car_boot", ["household"], "road", created=utc(2025, 6, 30, 23, 30))     # 1 July in London
    may = fly_tip("car_boot", ["household"], "road", created=utc(2025, 5, 31, 22, 30))  # 31 May in London
    graffiti = add_report(category="graffiti", created=utc(2025, 6, 10))
    graffiti.answers = {"size": "car_boot"}
    for report, action, day in ((june[0], "warning_letter", date(2025, 6, 2)), (june[1], "warning_letter", date(2025, 6, 30)),
                                (june[2], "fixed_penalty", date(2025, 6, 15)),
                                (may, "investigation", date(2025, 6, 1)),        # a May report, acted on in June
                                (hidden, "duty_of_care", date(2025, 6, 20)),     # the action happened
                                (june[0], "prosecution", date(2025, 7, 1)),      # July
                                (graffiti, "investigation", date(2025, 6, 3))):  # not fly-tipping
        db_session.add(EnforcementAction(report=report, action=action, taken_on=day))
    db_session.commit()

    result = wdf.flytipping_return(db_session, date(2025, 6, 17))
    assert result.month == date(2025, 6, 1)
    assert result.incidents == 12
    assert counts(result.sizes) == {"single_black_bag": 2, "single_item": 3, "car_boot": 2, "small_van": 1,
                                    "transit_van": 1, "tipper_lorry": 1, "significant": 1, "not_recorded": 1}
    assert counts(result.waste_types) == {"black_bags_household": 1, "household": 1, "asbestos": 1, "tyres": 1,
                                          "chemical": 1, "clinical": 1, "white_goods": 1, "green": 1,
                                          "electrical": 1, "other": 1, "construction": 1, "not_recorded": 1}
    assert counts(result.land_types) == {"highway": 5, "back_alley": 2, "council_land": 1,
                                         "private_residential": 2, "watercourse": 1, "not_recorded": 1}
    for _key, _heading, rows in result.tables()[:3]:
        assert sum(r.count for r in rows) == result.incidents
    assert counts(result.actions) == {"warning_letter": 2, "fixed_penalty": 1, "investigation": 1, "duty_of_care": 1}
    assert result.actions_total == 5
    # Every category of the return is listed, even at zero, in the return's order.
    assert [r.code for r in result.sizes][:7] == list(wdf.SIZES)
    assert [r.code for r in result.land_types][:10] == list(wdf.LAND_TYPES)

    may_return = wdf.flytipping_return(db_session, date(2025, 5, 1))
    assert may_return.incidents == 1 and counts(may_return.sizes) == {"car_boot": 1}
    assert may_return.actions_total == 0
    july = wdf.flytipping_return(db_session, date(2025, 7, 1))
    assert july.incidents == 1 and counts(july.actions) == {"prosecution": 1}


def test_csv_rows_hold_every_table_and_both_totals(db_session):
    result = wdf.flytipping_return(db_session, date(2024, 2, 1))
    rows = result.csv_rows()
    assert rows[0] == ("2024-02", "incidents", "Total incidents", 0)
    assert rows[-1] == ("2024-02", "enforcement", "Total enforcement actions", 0)
    assert len(rows) == 2 + len(wdf.SIZES) + len(wdf.WASTE_TYPES) + len(wdf.LAND_TYPES) + 7


def test_an_option_added_in_admin_shows_as_not_mapped():
    questions = json.loads(CATEGORIES.read_text())["fly_tipping_questions"]
    questions[0]["options"].append({"value": "skip", "label": "A skip load"})
    mapping = {table: dict(rows) for _q, table, rows in wdf.answer_mapping(questions)}
    assert mapping["Size"]["A skip load"] == "Not recorded"
    assert mapping["Size"]["A single bag"] == "Single black bag"
    assert mapping["Land type"]["In a park or open space"] == "Council land"
    waste = list(mapping["Waste type"])
    assert waste[0].startswith("Asbestos")
