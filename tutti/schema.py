"""Every table, in one metadata: import this before creating the schema."""

from __future__ import annotations

from sqlalchemy.engine import Engine

import tutti.admin_models  # noqa: F401  (registers the administration tables on Base.metadata)
import tutti.api_models  # noqa: F401  (registers the embedding tables on Base.metadata)
from tutti import sms_models  # noqa: F401  (registers the SMS tables on Base.metadata)
from tutti.models import Base

metadata = Base.metadata


def create_all(engine: Engine) -> None:
    """Create the tables that do not exist yet."""
    metadata.create_all(engine)
