"""The campaign list and a campaign's messages with their people: the queries the history pages and the API share."""

from __future__ import annotations

from sms_helpers import DELIVERABLE, build_world, make_campaign

from tutti.sms import campaigns


def test_campaigns_listed_newest_first_of_the_structure_only(db):
    world = build_world(db)
    first, second = make_campaign(db, world), make_campaign(db, world, message="Concert samedi")
    make_campaign(db, world, login="autre")
    page, rows = campaigns.listed(db, world.structure_id, "1", 50)
    assert (page.number, page.total, page.pages, [c.id for c in rows]) == (1, 2, 1, [second, first])
    assert rows[0].author.login == "ecrivain"
    page, rows = campaigns.listed(db, world.structure_id, "2", 1)
    assert (page.number, page.pages, [c.id for c in rows]) == (2, 2, [first])
    # Past the last page: the page asked for, empty.
    page, rows = campaigns.listed(db, world.structure_id, "3", 1)
    assert (page.number, rows) == (3, [])


def test_messages_with_people_gives_each_message_its_people_in_id_order(db):
    world = build_world(db)
    campaign_id = make_campaign(db, world)
    messages, people = campaigns.messages_with_people(db, campaign_id, 0, 50)
    assert [m.id for m in messages] == sorted(m.id for m in messages)
    by_phone = {m.phone: [p.id for p in people[m.id]] for m in messages}
    assert by_phone == {phone: sorted(world.people[key] for key in keys) for phone, keys in DELIVERABLE.items()}
    alice = next(m for m in messages if m.phone == "+33612345601")
    assert [p.name for p in people[alice.id]] == ["Alice Martin", "Bruno Martin"]
    page, page_people = campaigns.messages_with_people(db, campaign_id, 1, 1)
    assert [m.id for m in page] == [messages[1].id] and set(page_people) == {messages[1].id}
