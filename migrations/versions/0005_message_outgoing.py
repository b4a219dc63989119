"""Outgoing marks: the messages a run is about to write to the SMSC, recorded before it writes them.

After a crash, only a message marked outgoing may have gone (« inconnu »); the others go back to the queue.
Messages a run left in `sending` before this revision are marked, so none of them is ever sent twice.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 22:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outgoing_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE messages SET outgoing_at = COALESCE(updated_at, CURRENT_TIMESTAMP) WHERE state = 'sending'")


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("outgoing_at")
