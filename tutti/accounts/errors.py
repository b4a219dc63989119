"""Why a change to a structure's accounts, people or settings is refused: French messages for the screen."""

from __future__ import annotations


class AdminError(Exception):
    """A change refused; the message is French and meant for the screen."""


class NotFound(AdminError):
    """The id names nothing in this structure."""

    def __init__(self, what: str = "Élément introuvable."):
        super().__init__(what)


class PasswordRejected(AdminError):
    """The new password breaks the policy; `errors` lists each rule it breaks."""

    def __init__(self, errors: list[str]):
        super().__init__(" ".join(errors))
        self.errors = errors
