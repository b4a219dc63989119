"""The pictures of the SMS pages: the balance over time, where a campaign's messages stand, SMS spent per month.

`tutti.figures` computes the figures and `tutti.charts` lays them out; this module hands both to the partials,
in the reader's language, and answers the polling of a campaign's states while it sends.
"""

from __future__ import annotations

from babel import dates
from flask import render_template

from blueprints.extensions import session
from blueprints.i18n import N_, current_language
from blueprints.sms import bp
from blueprints.sms.clock import now
from tutti import charts, figures
from tutti.models import CAMPAIGN_QUEUED, CAMPAIGN_SENDING, Campaign
from tutti.sms import campaigns

# The groups of the campaign's bar in the app's words for message states (WORDING.md), and their fills: dark
# enough for white counts written inside them.
STATE_WORDS = {
    "delivered": N_("reçu"), "sent": N_("envoyé (sans accusé de réception)"), "waiting": N_("en attente"),
    "undelivered": N_("non reçu"), "failed": N_("échec"), "unknown": N_("inconnu"), "cancelled": N_("annulé"),
}
STATE_FILLS = {
    "delivered": "#1e6b3a", "sent": "#1f5fbf", "waiting": "#5b6475", "undelivered": "#8a4b00",
    "failed": "#a3261b", "unknown": "#6f42c1", "cancelled": "#4a5060",
}
SENDING = (CAMPAIGN_QUEUED, CAMPAIGN_SENDING)


def balance_picture(structure_id: int) -> dict | None:
    """Return the balance over the last year and its layout, or None when the ledger is empty."""
    line = figures.balance_timeline(session(), structure_id, now())
    if line is None:
        return None
    return {"line": line, "chart": charts.balance_chart(line, current_language())}


def monthly_picture(structure_id: int) -> dict:
    """Return the SMS spent in each of the last 12 months and their layout."""
    months = figures.monthly_spend(session(), structure_id, now())
    return {"months": months, "chart": charts.month_bars(months, current_language()),
            "total": sum(m.sms for m in months)}


def states_picture(campaign: Campaign, by_state: dict[str, int]) -> dict:
    """Return where a campaign's messages stand, its bar, and whether the picture still updates itself."""
    counts = figures.message_states(by_state)
    return {"counts": counts, "segments": charts.stacked_bar(counts, current_language()),
            "total": sum(c.count for c in counts), "live": campaign.status in SENDING,
            "words": STATE_WORDS, "fills": STATE_FILLS}


def states_fragment(campaign: Campaign) -> str:
    """Render the states of a campaign's messages; the fragment polls itself while the campaign sends."""
    progress = campaigns.progress(session(), campaign.id)
    return render_template("sms/_states.html", campaign=campaign, states=states_picture(campaign, progress.by_state))


@bp.app_template_filter("day")
def day(value) -> str:
    """Write a day in Paris time, the reader's way: « 7 déc. 2026 », "Dec 7, 2026"."""
    return dates.format_skeleton("yMMMd", figures.aware(value).astimezone(figures.PARIS), locale=current_language())


bp.add_app_template_global(charts.triangle, "triangle")
