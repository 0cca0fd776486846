from wtforms.fields.choices import SelectChoice
from wtforms import HiddenField, MultipleFileField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from models import FLAG_MESSAGE_MAX, FLAG_REASONS

from ..forms import ChoiceField, Form, RadioChoiceField, ValidEmail
from ..services.questionnaire import COMMENT_MAX
from ..services.updates import UPDATE_MAX


class UpdateForm(Form):
    """Shape only; the rules (a public report, photos, who may post) live in services/updates.py."""
    text = TextAreaField("Your update", validators=[Length(max=UPDATE_MAX * 10)],
                         description=f"What has changed? Up to {UPDATE_MAX:,} characters. Do not include "
                                     "personal details: updates are public.")
    photos = MultipleFileField("Photos (optional)",
                               description="Up to three photos: JPEG, PNG, WebP or HEIC, at most 10 MB each. "
                                           "We remove their hidden data (such as location) before storing them.")
    pending_photos = HiddenField()
    email = StringField("Your email address", validators=[Optional(), ValidEmail()],
                        description="We will email you a link to confirm the update. We never show it publicly.")
    your_name = StringField("Your name (optional)", validators=[Optional(), Length(max=80)])


class FollowForm(Form):
    email = StringField("Your email address", validators=[Optional(), ValidEmail()],
                        description="We will email you a link to confirm; then you get an email when the report "
                                    "changes. Every email has a link to stop.")


class QuestionnaireForm(Form):
    fixed = RadioField("Has it been fixed?", choices=[SelectChoice("yes", "Yes, it has been fixed"),
                                                      SelectChoice("no", "No, it has not been fixed")],
                       validate_choice=False)
    comment = TextAreaField("Anything to add? (optional)", validators=[Length(max=COMMENT_MAX * 10)],
                            description=f"Up to {COMMENT_MAX:,} characters. It goes on the public page, without "
                                        "your name.")


class ButtonForm(Form):
    """CSRF only: the buttons on a report's page."""


class ReporterStatusForm(Form):
    """The reporter's own "it has been fixed" / "it is not fixed" buttons on the report page."""
    action = ChoiceField(choices=[("fixed", "fixed"), ("reopen", "reopen")],
                         message="Choose whether it is fixed or not.",
                         validators=[InputRequired("Choose whether it is fixed or not.")])


class FlagForm(Form):
    """Tell the moderators about a report or an update: shape only (services/flags.py has the rules)."""
    reason = RadioChoiceField("What is wrong with it?", choices=list(FLAG_REASONS.items()),
                              message="Choose what is wrong with it.",
                              validators=[InputRequired("Choose what is wrong with it.")])
    message = TextAreaField("Tell us more (optional, unless you chose “Something else”)",
                            validators=[Length(max=FLAG_MESSAGE_MAX * 10)],
                            description=f"Up to {FLAG_MESSAGE_MAX:,} characters. Only the council's moderators "
                                        "read it.")
    email = StringField("Your email address (optional)", validators=[Optional(), ValidEmail()],
                        description="If you would like an answer. Only the moderators see it.")
