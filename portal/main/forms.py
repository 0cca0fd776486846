"""The home page's "follow a report" box (GET)."""
from wtforms import StringField

from ..forms import QueryForm


def _reference(value) -> str:
    ref = (value or "").strip().upper()[:12]
    return "KB-" + ref if ref and not ref.startswith("KB-") else ref


class FindForm(QueryForm):
    """Any text is looked up (an unknown reference is the report page's 404, with its explanation)."""
    reference = StringField("Report reference", filters=[_reference],
                            description="It looks like KB-7QF3K and is in your confirmation.")
