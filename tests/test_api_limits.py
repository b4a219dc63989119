"""API rate limits a key cannot be locked out by: failures count per address and in all, a key's calls once verified."""

from __future__ import annotations

import secrets

import pytest
from conftest import make_test_config

from tutti.embedding import api_keys
from tutti.models import ApiKey
from tutti.structures import structures

ATTACKER, ANOTHER_ATTACKER, PORTAL = "203.0.113.7", "203.0.113.8", "198.51.100.20"


@pytest.fixture
def app_config(database_url, redis_url) -> dict:
    """Small limits, so that a test reaches them in a few calls (per hour: a slow machine stays in one window)."""
    return make_test_config(database_url, redis_url, TUTTI_API_LIMIT="20 per hour",
                            TUTTI_API_FAILED_LIMIT="10 per hour", TUTTI_API_FAILED_GLOBAL_LIMIT="25 per hour")


@pytest.fixture
def key(db) -> api_keys.NewKey:
    structure = structures.create_structure(db, "École de musique")
    return api_keys.create_key(db, structure.id, "Portail", None)


def call(client, secret: str, address: str):
    return client.get("/api/v1/credit", headers={"Authorization": f"Bearer {secret}"},
                      environ_base={"REMOTE_ADDR": address})


def wrong_secret(key: api_keys.NewKey) -> str:
    return f"tutti_{key.prefix}_{secrets.token_urlsafe(32)}"


def random_prefix() -> str:
    return f"tutti_{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"


def test_api_limits_wrong_secrets_with_the_right_prefix_do_not_lock_the_real_key(client, key):
    answers = [call(client, wrong_secret(key), ATTACKER).status_code for _ in range(30)]
    assert answers[:10] == [401] * 10 and set(answers[10:]) == {429}
    # The key's own budget (20) is whole: none of the failures above was counted against it.
    assert [call(client, key.secret, PORTAL).status_code for _ in range(20)] == [200] * 20
    refused = call(client, key.secret, PORTAL)
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"


def test_api_limits_random_prefixes_from_one_address_get_429_after_the_limit(client, key):
    answers = [call(client, random_prefix(), ATTACKER) for _ in range(12)]
    assert [a.status_code for a in answers] == [401] * 10 + [429] * 2
    assert answers[-1].get_json()["error"]["code"] == "rate_limited" and answers[-1].headers["Retry-After"]
    assert call(client, "not a key at all", ATTACKER).status_code == 429
    assert call(client, key.secret, PORTAL).status_code == 200


def test_api_limits_failures_from_many_addresses_are_capped_in_all_and_the_real_key_still_works(client, key):
    answers = [call(client, random_prefix(), f"192.0.2.{i // 5}").status_code for i in range(30)]
    assert answers[:25] == [401] * 25 and set(answers[25:]) == {429}
    assert call(client, random_prefix(), ANOTHER_ATTACKER).status_code == 429
    assert call(client, key.secret, PORTAL).status_code == 200


def test_api_limits_an_address_over_its_failures_is_refused_before_its_key_is_checked(client, key):
    for _ in range(10):
        call(client, random_prefix(), ATTACKER)
    assert call(client, key.secret, ATTACKER).status_code == 429
    assert call(client, key.secret, PORTAL).status_code == 200


def test_api_limits_a_keys_calls_are_its_own(client, db, key):
    other = api_keys.create_key(db, structures.create_structure(db, "Harmonie").id, "Portail", None)
    assert [call(client, key.secret, PORTAL).status_code for _ in range(21)][-1] == 429
    assert call(client, other.secret, PORTAL).status_code == 200


def test_api_limits_a_revoked_key_counts_as_a_failure_not_as_its_calls(client, db, key):
    api_keys.revoke_key(db, db.get(ApiKey, key.id).structure_id, key.id, None)
    answers = [call(client, key.secret, ATTACKER).status_code for _ in range(11)]
    assert answers == [401] * 10 + [429]
