"""Forms of the customer user's pages."""

from __future__ import annotations

from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from oauthapp.forms import Form


class CustomerLoginForm(Form):
    email = StringField("Email Address", validators=[DataRequired(), Length(max=255)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=4096)])
    next = HiddenField()
    submit = SubmitField("Sign In")
