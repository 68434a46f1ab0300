"""The decision form of a sign-off page (Flask-WTF: CSRF token included)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from smmflow.approvals.models import Decision


class DecisionForm(FlaskForm):
    """``decision`` comes from the button pressed; a comment is needed unless approving."""

    decision = StringField("Decision", validators=[DataRequired(), AnyOf([d.value for d in Decision])])
    comment = TextAreaField("Comment", validators=[Length(max=5000)])

    def validate(self, extra_validators: object = None) -> bool:  # type: ignore[override]
        if not super().validate(extra_validators):  # type: ignore[arg-type]
            return False
        if self.decision.data != Decision.APPROVE and not (self.comment.data or "").strip():
            self.comment.errors = ["Please say what should change."]
            return False
        return True
