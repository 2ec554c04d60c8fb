"""Forms of the customer user's pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class CustomerLoginForm(FlaskForm):
    email = StringField("Email Address", validators=[DataRequired(), Length(max=255)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=4096)])
    next = HiddenField()
    submit = SubmitField("Sign In")
