"""Why the domain refuses: a code and the values its wording needs; blueprints/refusals.py words it.

The domain never writes the sentence: `Refusal("login_taken", login="zoe")` travels up to the web layer, which
says it in the reader's language (and the API gives the code beside the French text). A change refused for several
reasons at once (a password breaking two rules, a message with two problems) raises one `Refused` carrying them all.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True, init=False)
class Refusal:
    """One reason to refuse: a stable code and the values the wording needs (hashable, so refusals compare)."""

    code: str
    values: tuple[tuple[str, Hashable], ...]

    def __init__(self, code: str, **values: Hashable) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "values", tuple(sorted(values.items())))
        hash(self.values)  # an unhashable value is a mistake of the caller: refuse it here, not when compared

    def __getitem__(self, name: str) -> Hashable:
        """Return one value by its name."""
        return dict(self.values)[name]

    def __repr__(self) -> str:
        values = "".join(f", {name}={value!r}" for name, value in self.values)
        return f"Refusal({self.code!r}{values})"


class Refused(Exception):
    """A change refused for one or several reasons, before anything was written."""

    def __init__(self, *refusals: Refusal) -> None:
        if not refusals:
            raise ValueError("a refusal needs at least one reason")
        super().__init__(*refusals)
        self.refusals: tuple[Refusal, ...] = refusals

    @property
    def codes(self) -> list[str]:
        """Return the codes of the reasons, in order."""
        return [r.code for r in self.refusals]

    def __str__(self) -> str:
        return "; ".join(map(repr, self.refusals))


class NotFound(Refused):
    """The id names nothing (in this structure): `code` says what was looked for, e.g. "person_not_found"."""

    def __init__(self, code: str) -> None:
        super().__init__(Refusal(code))


def refuse_if(refusals: Iterable[Refusal]) -> None:
    """Raise Refused with every reason given, if there is any."""
    found = tuple(refusals)
    if found:
        raise Refused(*found)
