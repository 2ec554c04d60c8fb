"""Forms of the accounts blueprint."""

from __future__ import annotations

from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from oauthapp.forms import Form


class LoginForm(Form):
    username = StringField("Username", validators=[DataRequired(), Length(max=255)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=4096)])
    next = HiddenField()
    submit = SubmitField("Log in")


class LogoutForm(Form):
    submit = SubmitField("Log out")


class EndSessionsForm(Form):
    submit = SubmitField("Log out everywhere")
