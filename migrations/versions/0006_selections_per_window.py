"""A selection per window: selections with an id, an origin and a version, and their people.

The account's single selection (one row per ticked person) becomes the account's own selection, with the
same people.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.rename_table("selections", "account_selections")
    if op.get_bind().dialect.name == "postgresql":  # a constraint's name is the schema's, not the table's
        op.execute("ALTER TABLE account_selections RENAME CONSTRAINT pk_selections TO pk_account_selections")
    op.create_table(
        "selections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("origin in ('list', 'panel', 'portal', 'account')", name=op.f("ck_selections_origin")),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_selections_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["structure_id"], ["structures.id"],
                                name=op.f("fk_selections_structure_id_structures")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selections")),
    )
    op.create_index("ix_selections_account", "selections", ["account_id", "updated_at"], unique=False)
    op.create_table(
        "selection_people",
        sa.Column("selection_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("selection_id", "person_id", name=op.f("pk_selection_people")),
    )
    op.execute(
        "INSERT INTO selections (account_id, structure_id, origin, version, created_at, updated_at) "
        "SELECT a.id, a.structure_id, 'account', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM accounts a "
        "WHERE a.structure_id IS NOT NULL AND a.id IN (SELECT account_id FROM account_selections)"
    )
    op.execute(
        "INSERT INTO selection_people (selection_id, person_id) "
        "SELECT s.id, o.person_id FROM account_selections o JOIN selections s ON s.account_id = o.account_id"
    )
    op.drop_table("account_selections")


def downgrade() -> None:
    """Undo this revision: each account keeps the people of its most recently changed selection."""
    op.create_table(
        "account_selections",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "person_id", name="pk_account_selections"),
    )
    op.execute(
        "INSERT INTO account_selections (account_id, person_id) "
        "SELECT s.account_id, p.person_id FROM selection_people p JOIN selections s ON s.id = p.selection_id "
        "WHERE s.id = (SELECT l.id FROM selections l WHERE l.account_id = s.account_id "
        "ORDER BY l.updated_at DESC, l.id DESC LIMIT 1)"
    )
    op.drop_table("selection_people")
    op.drop_index("ix_selections_account", table_name="selections")
    op.drop_table("selections")
    op.rename_table("account_selections", "selections")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE selections RENAME CONSTRAINT pk_account_selections TO pk_selections")
