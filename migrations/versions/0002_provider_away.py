"""Campaigns remember since when the SMS provider is unreachable, so that the progress can say so.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 05:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("provider_away_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("provider_away_since")
