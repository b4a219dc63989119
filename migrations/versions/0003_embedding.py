"""Embedding: API keys, single-use embed links, origins allowed to frame the panel; the portal's ids on people and tags.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 05:27:47.634707
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["structure_id"], ["structures.id"], name=op.f("fk_api_keys_structure_id_structures"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_structure_id"), ["structure_id"], unique=False)

    op.create_table(
        "frame_origins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure_id"],
            ["structures.id"],
            name=op.f("fk_frame_origins_structure_id_structures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frame_origins")),
        sa.UniqueConstraint("structure_id", "origin", name=op.f("uq_frame_origins_structure_id_origin")),
    )
    with op.batch_alter_table("frame_origins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_frame_origins_structure_id"), ["structure_id"], unique=False)

    op.create_table(
        "embed_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("person_ids", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_embed_links_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=op.f("fk_embed_links_api_key_id_api_keys"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["structure_id"], ["structures.id"], name=op.f("fk_embed_links_structure_id_structures"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_embed_links")),
        sa.UniqueConstraint("nonce", name=op.f("uq_embed_links_nonce")),
    )
    with op.batch_alter_table("embed_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_embed_links_structure_id"), ["structure_id"], unique=False)

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_people_structure_id_external_id"), ["structure_id", "external_id"]
        )

    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_tags_structure_id_external_id"), ["structure_id", "external_id"]
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_tags_structure_id_external_id"), type_="unique")
        batch_op.drop_column("external_id")

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_people_structure_id_external_id"), type_="unique")
        batch_op.drop_column("external_id")

    with op.batch_alter_table("embed_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_embed_links_structure_id"))

    op.drop_table("embed_links")
    with op.batch_alter_table("frame_origins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_frame_origins_structure_id"))

    op.drop_table("frame_origins")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_structure_id"))

    op.drop_table("api_keys")
