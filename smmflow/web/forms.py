"""Forms of the web UI (Flask-WTF: CSRF token on every form)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from smmflow.approvals.models import Decision


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class LogoutForm(FlaskForm):
    """Only the CSRF token: logging out is a POST."""


class BackForm(FlaskForm):
    """A page action: the CSRF token and the page (with its filters) to come back to."""

    next = HiddenField()


class DeclineForm(BackForm):
    reason = StringField("Reason", validators=[DataRequired(), Length(max=1000)])


class DecisionForm(BackForm):
    """``decision`` comes from the button pressed; the service asks for a comment unless approving."""

    decision = StringField("Decision", validators=[
        DataRequired(), AnyOf([d.value for d in Decision])])
    comment = TextAreaField("Comment", validators=[Length(max=5000)])


class ReplyForm(BackForm):
    text = TextAreaField("Reply", validators=[DataRequired(), Length(max=4000)])


MODERATION_ACTIONS = ("hide", "unhide")


class ModerateForm(BackForm):
    action = StringField("Action", validators=[DataRequired(), AnyOf(MODERATION_ACTIONS)])
