from ..forms import Form as FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from ..forms import RadioChoiceField, ValidEmail

CONTACT_CHOICES = [("email", "By email"), ("none", "Do not contact me at all")]


class RegisterForm(FlaskForm):
    display_name = StringField("Your name", validators=[InputRequired("Enter your name."), Length(max=80)],
                               description="Shown on your reports only if you choose to show it.")
    email = EmailField("Email address", validators=[InputRequired("Enter your email address."),
                                                    ValidEmail()])
    password = PasswordField("Password", validators=[
        InputRequired("Choose a password."),
        Length(min=10, max=200, message="Use at least 10 characters.")],
        description="At least 10 characters. A few words strung together work well.")
    confirm = PasswordField("Password again", validators=[
        InputRequired("Enter the password again."), EqualTo("password", "The two passwords do not match.")])


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[InputRequired("Enter your email address."), Length(max=254)])
    password = PasswordField("Password", validators=[InputRequired("Enter your password."), Length(max=200)])
    remember = BooleanField("Keep me logged in on this device")


class LogoutForm(FlaskForm):
    pass


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Your current password", validators=[InputRequired("Enter your current password."),
                                                                 Length(max=200)])
    new = PasswordField("New password", validators=[
        InputRequired("Choose a new password."), Length(min=10, max=200, message="Use at least 10 characters.")],
        description="At least 10 characters. Every other device you are logged in on is logged out.")
    confirm = PasswordField("New password again", validators=[
        InputRequired("Enter the new password again."), EqualTo("new", "The two passwords do not match.")])


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[InputRequired("Enter your password to confirm."),
                                                          Length(max=200)],
                             description="To confirm it is you.")


class ChangeEmailForm(FlaskForm):
    # Named apart from the other forms' fields: they share one page (and its element ids).
    new_email = EmailField("New email address", validators=[InputRequired("Enter your new email address."),
                                                            ValidEmail()],
                           description="We send a link there; your address changes only when you follow it.")
    email_password = PasswordField("Your password", validators=[InputRequired("Enter your password to confirm."),
                                                          Length(max=200)],
                             description="To confirm it is you.")


class NotificationsForm(FlaskForm):
    contact_preference = RadioChoiceField(
        "How should we contact you?", choices=CONTACT_CHOICES, message="Choose how we should contact you.",
        validators=[InputRequired("Choose how we should contact you.")],
        description="“Do not contact me at all” stops every email below, alerts included.")
    updates = BooleanField("Updates on reports I made, support or follow")
    questionnaire = BooleanField("“Has it been fixed?” four weeks after a report I made")
    digest = BooleanField("My wards’ weekly digest (councillors)")
