"""The platform operator's commands: structures, people, accounts, the SMS option and credit orders."""

from __future__ import annotations

import click
from flask import Flask

from blueprints.extensions import db
from blueprints.refusals import french
from tutti.accounts import accounts
from tutti.directory import people
from tutti.models import LEVELS, Structure
from tutti.refusals import Refused
from tutti.structures import credit_orders, sms_settings, structures


def _structure(ref: str) -> Structure:
    structure = structures.find_structure(db.session, ref)
    if structure is None:
        raise click.ClickException(f"Aucune structure « {ref} » (donnez son numéro ou son nom exact).")
    return structure


def _refused(refused: Refused) -> click.ClickException:
    return click.ClickException(" ".join(french(r) for r in refused.refusals))


def register(app: Flask) -> None:
    """Add the administration commands to the app."""

    @app.cli.command("create-structure")
    @click.argument("name")
    def create_structure(name: str) -> None:
        """Create a structure (without the SMS option, with no credit)."""
        from blueprints.commands import prepare_schema

        prepare_schema()
        try:
            structure = structures.create_structure(db.session, name)
        except Refused as error:
            raise _refused(error) from error
        click.echo(f"Structure n° {structure.id} créée : {structure.name}")

    @app.cli.command("create-person")
    @click.option("--structure", "structure_ref", required=True, help="Numéro ou nom exact de la structure.")
    @click.option("--first-name", required=True, help="Prénom.")
    @click.option("--last-name", required=True, help="Nom.")
    @click.option("--mobile", default="", help="Mobile, tel qu'on l'écrit dans le pays de la structure.")
    @click.option("--sexe", type=click.Choice(["", "F", "M"]), default="", help="F, M ou vide.")
    def create_person(structure_ref: str, first_name: str, last_name: str, mobile: str, sexe: str) -> None:
        """Add a person to a structure's list."""
        structure = _structure(structure_ref)
        try:
            person = people.create_person(db.session, structure.id, first_name, last_name, mobile, sexe)
        except Refused as error:
            raise _refused(error) from error
        click.echo(f"Personne n° {person.id} créée : {person.first_name} {person.last_name} "
                   f"(mobile : {person.mobile_e164 or 'aucun'}, {person.mobile_kind})")

    @app.cli.command("create-account")
    @click.option("--structure", "structure_ref", help="Numéro ou nom exact de la structure (sauf opérateur).")
    @click.option("--login", required=True, help="Identifiant : 3 à 40 caractères, a-z 0-9 . - _")
    @click.option("--kind", type=click.Choice(["admin", "personal", "operator"]), required=True)
    @click.option("--person", "person_id", type=int, help="Numéro de la personne (compte personnel).")
    @click.option("--sms-level", type=click.Choice([str(level) for level in LEVELS]), default="0",
                  help="Droit « Communication - SMS » : 0 Aucun, 1 Lecture, 2 Lecture écriture.")
    @click.password_option("--password", help="Mot de passe (demandé s'il n'est pas donné).")
    def create_account(structure_ref: str | None, login: str, kind: str, person_id: int | None, sms_level: str,
                       password: str) -> None:
        """Create an account: the structure's administrator, a person's own account, or an operator."""
        from blueprints.commands import prepare_schema

        prepare_schema()
        try:
            if kind == "operator":
                account = accounts.create_operator_account(db.session, login, password)
            else:
                if not structure_ref:
                    raise click.UsageError("--structure est obligatoire pour ce type de compte.")
                structure = _structure(structure_ref)
                if kind == "admin":
                    account = accounts.create_admin_account(db.session, structure.id, login, password)
                elif person_id is None:
                    raise click.UsageError("--person est obligatoire pour un compte personnel.")
                else:
                    account = accounts.create_personal_account(db.session, structure.id, person_id, login, None,
                                                            password=password, sms_level=int(sms_level))
        except Refused as error:
            raise _refused(error) from error
        click.echo(f"Compte « {account.login} » créé (n° {account.id}).")

    @app.cli.command("sms-option")
    @click.argument("state", type=click.Choice(["enable", "disable"]))
    @click.argument("structure_ref", metavar="STRUCTURE")
    def sms_option(state: str, structure_ref: str) -> None:
        """Turn a structure's SMS option on (enable) or off (disable)."""
        structure = _structure(structure_ref)
        changed = sms_settings.set_sms_option(db.session, structure.id, state == "enable", None)
        word = "activée" if state == "enable" else "désactivée"
        click.echo(f"Option SMS {word} pour {structure.name}." if changed
                   else f"L'option SMS était déjà {word} pour {structure.name}.")

    @app.cli.command("credit")
    @click.argument("decision", type=click.Choice(["approve", "reject"]))
    @click.argument("order_id", metavar="ORDER", type=int)
    def credit_order(decision: str, order_id: int) -> None:
        """Approve (top up the structure's credit) or reject a pending credit order."""
        try:
            decided = credit_orders.decide_order(db.session, order_id, decision == "approve", None)
        except Refused as error:
            raise _refused(error) from error
        if not decided:
            raise click.ClickException(f"La commande n° {order_id} a déjà été traitée : rien n'a changé.")
        click.echo(f"Commande n° {order_id} {'validée : crédit ajouté' if decision == 'approve' else 'refusée'}.")
