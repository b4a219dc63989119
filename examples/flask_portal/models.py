"""The portal's own tables and login: a user of the portal may be linked to one Tutti account."""

from __future__ import annotations

from flask_login import LoginManager, UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from tutti.models import Account

db = SQLAlchemy()
login_manager = LoginManager()
login_manager.login_view = "portal.login"
login_manager.login_message = "Connectez-vous au portail pour continuer."


class User(db.Model, UserMixin):
    """Someone who logs in to the portal."""

    __tablename__ = "portal_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(unique=True)
    name: Mapped[str]
    password_hash: Mapped[str]
    # The Tutti account this user sends SMS as (None: this user has no access to SMS).
    tutti_account_id: Mapped[int | None]

    def set_password(self, password: str) -> None:
        """Store a hash of the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Say whether the password is this user's."""
        return check_password_hash(self.password_hash, password)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the portal's logged-in user."""
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def tutti_account(user: User) -> Account | None:
    """Map the portal's user to the Tutti account it sends SMS as."""
    if user.tutti_account_id is None:
        return None
    return db.session.get(Account, user.tutti_account_id)
