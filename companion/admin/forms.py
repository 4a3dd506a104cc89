"""What the administration page posts. The rules themselves live in companion.services.staff and
companion.services.site_settings (their messages name the field)."""

from __future__ import annotations

from companion import validation
from companion.forms import FormInput
from companion.services.errors import ValidationFailed
from companion.services.site_settings import SETTINGS


class NewUserForm(FormInput):
    FIELDS = ("email", "password", "role")


class ActiveForm(FormInput):
    FIELDS = ("active", "reason")

    @property
    def make_active(self) -> bool:
        return self.active == "1"

    def checked_reason(self) -> str:
        return _reason(self.reason)


class RoleForm(FormInput):
    FIELDS = ("role", "reason")

    def checked_reason(self) -> str:
        return _reason(self.reason)


class SiteForm(FormInput):
    FIELDS = tuple(SETTINGS)

    def values(self) -> dict:
        return {name: getattr(self, name) for name in self.FIELDS}


def _reason(raw: str | None) -> str:
    try:
        return validation.reason(raw or "")
    except validation.FieldError as exc:
        raise ValidationFailed({"reason": exc.message}) from exc
