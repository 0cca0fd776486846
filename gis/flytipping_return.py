"""DEFRA's WasteDataFlow fly-tipping return for one month: incidents by size, waste type and land type, and the
enforcement actions taken. The one place where Kerbside's fly-tipping answers (portal/data/categories.json,
questions ``size``, ``waste``, ``where``) meet the return's categories. No Flask.

What counts, so that each total can be checked by hand:
- an *incident* is a report in the ``fly_tipping`` category that the public may see (SQL
  ``kerbside_report_is_public``: confirmed, not hidden), not marked a duplicate (the original is the incident)
  and not "not our responsibility" (the council did not deal with it), made in the month (London time);
- each incident counts once in each table: under its size, its land type and its *primary* waste type. The
  waste question allows several answers; the return wants one, so the first in ``WASTE_PRIORITY`` is taken
  (hazardous waste first, as it decides how the council clears it and what enforcement follows);
- an answer that is missing or unknown counts under "Not recorded", so every table adds up to the incidents;
- an *enforcement action* counts in the month it was taken (``taken_on``), whatever month the report is from,
  for reports in the ``fly_tipping`` category (hidden or not: the action happened).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from models import ENFORCEMENT_ACTIONS

CATEGORY = "fly_tipping"
NOT_RECORDED = ("not_recorded", "Not recorded")

#: The return's size bands, in its order: code -> label.
SIZES = {
    "single_black_bag": "Single black bag",
    "single_item": "Single item",
    "car_boot": "Car boot load or less",
    "small_van": "Small van load",
    "transit_van": "Transit van load",
    "tipper_lorry": "Tipper lorry load",
    "significant": "Significant/multiple loads",
}
#: The return's waste types, in its order: code -> label.
WASTE_TYPES = {
    "animal_carcass": "Animal carcass",
    "green": "Green",
    "vehicle_parts": "Vehicle parts",
    "white_goods": "White goods",
    "electrical": "Other electrical",
    "tyres": "Tyres",
    "asbestos": "Asbestos",
    "clinical": "Clinical",
    "construction": "Construction/demolition/excavation",
    "black_bags_commercial": "Black bags – commercial",
    "black_bags_household": "Black bags – household",
    "chemical": "Chemical drums, oil, fuel",
    "household": "Other household waste",
    "commercial": "Other commercial waste",
    "other": "Other (unidentified)",
}
#: The return's land types, in its order: code -> label.
LAND_TYPES = {
    "highway": "Highway",
    "footpath_bridleway": "Footpath/bridleway",
    "back_alley": "Back alley",
    "council_land": "Council land",
    "agricultural": "Agricultural",
    "railway": "Railway",
    "watercourse": "Watercourse/bank",
    "private_residential": "Private/residential",
    "commercial_industrial": "Commercial/industrial",
    "other": "Other",
}

#: Kerbside answer (question ``size``) -> the return's size band.
SIZE_MAP = {
    "single_bag": "single_black_bag",
    "single_item": "single_item",
    "car_boot": "car_boot",
    "small_van": "small_van",
    "transit_van": "transit_van",
    "tipper_lorry": "tipper_lorry",
    "significant": "significant",
}
#: Kerbside answer (question ``waste``) -> the return's waste type. "Household rubbish" is what residents call
#: bagged household waste; furniture is the return's example of other household waste.
WASTE_MAP = {
    "household": "black_bags_household",
    "furniture": "household",
    "white_goods": "white_goods",
    "electrical": "electrical",
    "tyres": "tyres",
    "green": "green",
    "construction": "construction",
    "asbestos": "asbestos",
    "clinical": "clinical",
    "chemical_drums": "chemical",
    "other": "other",
}
#: Which of several waste answers is the incident's primary waste type: the first of these that was given.
WASTE_PRIORITY = ("asbestos", "clinical", "chemical_drums", "tyres", "white_goods", "electrical", "construction",
                  "green", "furniture", "household", "other")
#: Kerbside answer (question ``where``) -> the return's land type. Parks and open spaces are council land.
LAND_MAP = {
    "road": "highway",
    "alley": "back_alley",
    "park": "council_land",
    "private": "private_residential",
    "watercourse": "watercourse",
}


@dataclass
class Row:
    code: str
    label: str
    count: int = 0


@dataclass
class FlyTippingReturn:
    month: date
    incidents: int = 0
    sizes: list[Row] = field(default_factory=list)
    waste_types: list[Row] = field(default_factory=list)
    land_types: list[Row] = field(default_factory=list)
    actions: list[Row] = field(default_factory=list)

    @property
    def actions_total(self) -> int:
        return sum(r.count for r in self.actions)

    def tables(self) -> list[tuple[str, str, list[Row]]]:
        """(key, heading, rows) of each table, in the order of the return."""
        return [("size", "Incidents by size", self.sizes), ("waste", "Incidents by waste type", self.waste_types),
                ("land", "Incidents by land type", self.land_types),
                ("enforcement", "Enforcement actions", self.actions)]

    def csv_rows(self) -> list[tuple[str, str, str, int]]:
        """(month, section, category, count) rows, totals included: what the CSV download holds."""
        month = self.month.strftime("%Y-%m")
        out = [(month, "incidents", "Total incidents", self.incidents)]
        for key, _, rows in self.tables():
            out += [(month, key, r.label, r.count) for r in rows]
        out.append((month, "enforcement", "Total enforcement actions", self.actions_total))
        return out


def primary_waste(answers) -> str | None:
    """The return's waste type for a report's ``waste`` answer (a list, or one value), or None if none maps."""
    given = answers if isinstance(answers, list) else [answers]
    for value in WASTE_PRIORITY:
        if value in given:
            return WASTE_MAP[value]
    return None


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


# Grouped by the raw answers in SQL (one row per combination), mapped here: the mapping stays in Python dicts
# that the page documents, and the counts stay exact.
_INCIDENTS = text("""
SELECT r.answers->>'size' AS size, r.answers->'waste' AS waste, r.answers->>'where' AS place, count(*)::int
FROM reports r JOIN categories c ON c.id = r.category_id
WHERE c.code = :category
  AND kerbside_report_is_public(r.status, r.hidden)
  AND r.status NOT IN ('duplicate', 'not_responsible')
  AND r.created_at >= (CAST(:first AS timestamp) AT TIME ZONE 'Europe/London')
  AND r.created_at < (CAST(:after AS timestamp) AT TIME ZONE 'Europe/London')
GROUP BY 1, 2, 3
""")
_ACTIONS = text("""
SELECT e.action, count(*)::int
FROM enforcement_actions e JOIN reports r ON r.id = e.report_id JOIN categories c ON c.id = r.category_id
WHERE c.code = :category AND e.taken_on >= :first AND e.taken_on < :after
GROUP BY 1
""")


def _rows(labels: dict[str, str], counts: dict[str, int]) -> list[Row]:
    rows = [Row(code, label, counts.get(code, 0)) for code, label in labels.items()]
    if counts.get(NOT_RECORDED[0]):
        rows.append(Row(*NOT_RECORDED, counts[NOT_RECORDED[0]]))
    return rows


def flytipping_return(session: Session, month: date) -> FlyTippingReturn:
    """The return for the calendar month holding ``month`` (London time); reads only."""
    first = month.replace(day=1)
    params = {"category": CATEGORY, "first": first, "after": next_month(first)}
    sizes: dict[str, int] = {}
    wastes: dict[str, int] = {}
    lands: dict[str, int] = {}
    result = FlyTippingReturn(month=first)
    for size, waste, place, n in session.execute(_INCIDENTS, params):
        result.incidents += n
        for counts, code in ((sizes, SIZE_MAP.get(size)), (wastes, primary_waste(waste)), (lands, LAND_MAP.get(place))):
            key = code or NOT_RECORDED[0]
            counts[key] = counts.get(key, 0) + n
    actions = dict(session.execute(_ACTIONS, params).all())
    result.sizes, result.waste_types, result.land_types = (
        _rows(SIZES, sizes), _rows(WASTE_TYPES, wastes), _rows(LAND_TYPES, lands))
    result.actions = [Row(code, label, actions.get(code, 0)) for code, label in ENFORCEMENT_ACTIONS.items()]
    return result


_QUESTIONS = (("size", "Size", SIZE_MAP, SIZES), ("waste", "Waste type", WASTE_MAP, WASTE_TYPES),
              ("where", "Land type", LAND_MAP, LAND_TYPES))


def answer_mapping(questions: list[dict]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """For the page: (question, the return's table, [(answer label, return category label)]) for the category's
    current questions; an answer this module does not map shows as "Not recorded" (so an option added in admin
    is seen to need a mapping here)."""
    out = []
    for code, table, mapping, labels in _QUESTIONS:
        question = next((q for q in questions if q.get("code") == code), None)
        if question is None:
            continue
        options = question.get("options", [])
        if code == "waste":   # in the order that picks the primary waste type; unmapped options last
            options = sorted(options, key=lambda o: WASTE_PRIORITY.index(o["value"])
                             if o["value"] in WASTE_PRIORITY else len(WASTE_PRIORITY))
        rows = [(o["label"], labels.get(mapping.get(o["value"]), NOT_RECORDED[1])) for o in options]
        out.append((question["label"], table, rows))
    return out
