from wtforms import HiddenField

from ..forms import Form

CONTACT_CHOICES = [("email", "By email"), ("none", "Do not contact me")]
SCORES = [(5, "5 – very well"), (4, "4"), (3, "3"), (2, "2"), (1, "1 – badly")]


class TokenForm(Form):
    """CSRF only; the few choices on these pages are checked in the view."""
    token = HiddenField()
