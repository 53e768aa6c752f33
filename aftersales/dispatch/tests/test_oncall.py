"""The on-call roster: rotations written once, lookups at shift boundaries and in any time
zone, swaps with a record."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import OperationalError, connection

from aftersales.customers.tests.factories import RegionFactory
from aftersales.dispatch.models import Rotation, RotationShift, ShiftSwap
from aftersales.dispatch.selectors import on_call_at
from aftersales.dispatch.services import rotation_generate, rotation_set_members
from aftersales.notifications.models import OnCallShift
from aftersales.sla.tests.helpers import at

START = at(2026, 11, 2, 18, 0)  # shifts hand over at 18:00 Beijing time


@pytest.fixture
def roster(make_user, supervisor, customer):
    people = [make_user("engineer", username=f"oc{i}", phone=f"1390000000{i}") for i in range(3)]
    rotation = Rotation.objects.create(
        code="east-night", name="华东夜班", region=customer.region, starts_at=START, shift_hours=24
    )
    rotation_set_members(rotation=rotation, members=people, by=supervisor)
    return {"rotation": rotation, "people": people, "region": customer.region}


def test_rotation_takes_turns_and_is_written_once(roster, supervisor):
    rotation = roster["rotation"]
    until = START + dt.timedelta(days=6)
    assert rotation_generate(rotation=rotation, until=until, by=supervisor) == 6
    assert rotation_generate(rotation=rotation, until=until, by=supervisor) == 0
    assert rotation_generate(rotation=rotation, until=until + dt.timedelta(days=1)) == 1
    names = list(OnCallShift.objects.order_by("starts_at").values_list("user__username", flat=True))
    assert names == ["oc0", "oc1", "oc2", "oc0", "oc1", "oc2", "oc0"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_schedulers_at_once_write_each_period_once(make_user, supervisor, region):
    people = [make_user("engineer", username=f"tx{i}") for i in range(2)]
    rotation = Rotation.objects.create(
        code="tx", name="tx", region=region, starts_at=START, shift_hours=12
    )
    rotation_set_members(rotation=rotation, members=people, by=supervisor)
    until = START + dt.timedelta(days=10)
    results: list[int] = []
    locked: list[Exception] = []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(rotation_generate(rotation=rotation, until=until))
        except OperationalError as exc:  # SQLite: one writer at a time, the other gives up
            locked.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 20
    assert len(results) + len(locked) == 2
    assert not locked or connection.vendor == "sqlite"
    assert RotationShift.objects.filter(rotation=rotation).count() == 20
    assert OnCallShift.objects.count() == 20


def test_lookup_at_the_boundary_and_in_other_time_zones(roster, other_customer):
    rotation_generate(rotation=roster["rotation"], until=START + dt.timedelta(days=3))
    region = roster["region"]

    def who(instant):
        return [s.user.username for s in on_call_at(at=instant, region=region)]

    assert who(START - dt.timedelta(seconds=1)) == []
    assert who(START) == ["oc0"]
    # The handover instant belongs to the next shift (start inclusive, end exclusive).
    handover = START + dt.timedelta(days=1)
    assert who(handover - dt.timedelta(seconds=1)) == ["oc0"]
    assert who(handover) == ["oc1"]
    # The same instant written in UTC or New York time gives the same answer.
    utc = handover.astimezone(dt.UTC)
    new_york = handover.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    assert who(utc) == who(new_york) == ["oc1"]
    # Another region's lookup sees only shifts for every region.
    other = RegionFactory(code="far", name="西部")
    assert [s.user.username for s in on_call_at(at=handover, region=other)] == []
    everywhere = OnCallShift.objects.create(
        user=roster["people"][2], starts_at=START, ends_at=START + dt.timedelta(days=2)
    )
    assert [s.pk for s in on_call_at(at=handover, region=other)] == [everywhere.pk]


def test_oncall_api_answers_for_a_region_and_a_time(roster, client_for, agent, contact_user):
    rotation_generate(rotation=roster["rotation"], until=START + dt.timedelta(days=3))
    client = client_for(agent)
    code = roster["region"].code
    body = client.get(
        "/api/v1/oncall/", {"region": code, "at": "2026-11-03T10:00:00Z"}
    ).json()  # 18:00 Beijing on Nov 3: the second shift has just begun
    assert [(s["user"], s["phone"]) for s in body] == [("oc1", "13900000001")]
    assert client.get("/api/v1/oncall/", {"region": "nowhere"}).status_code == 400
    assert client.get("/api/v1/oncall/", {"at": "yesterday"}).status_code == 400
    assert client_for(contact_user).get("/api/v1/oncall/").status_code == 403


def test_swap_hands_the_shift_over_with_a_record(roster, client_for, supervisor, agent):
    with time_machine.travel(START - dt.timedelta(hours=1), tick=False):
        rotation_generate(rotation=roster["rotation"], until=START + dt.timedelta(days=2))
        shift = OnCallShift.objects.order_by("starts_at").first()
        oc0, oc1, oc2 = roster["people"]
        refused = client_for(agent).post(
            f"/api/v1/oncall/shifts/{shift.pk}/swap/",
            {"to_user": "oc2", "reason": "换班"},
            format="json",
        )
        assert refused.status_code == 403
        no_reason = client_for(oc0).post(
            f"/api/v1/oncall/shifts/{shift.pk}/swap/",
            {"to_user": "oc2", "reason": " "},
            format="json",
        )
        assert no_reason.status_code == 400
        own = client_for(oc0).post(
            f"/api/v1/oncall/shifts/{shift.pk}/swap/",
            {"to_user": "oc2", "reason": "家中有事，与吴工换班"},
            format="json",
        )
        assert own.status_code == 200, own.content
        assert own.json()["user"] == "oc2"
    swap = ShiftSwap.objects.get()
    assert (swap.from_user, swap.to_user, swap.created_by) == (oc0, oc2, oc0)
    assert [s.user.username for s in on_call_at(at=START, region=roster["region"])] == ["oc2"]
    with time_machine.travel(START + dt.timedelta(days=1, hours=1), tick=False):
        late = client_for(supervisor).post(
            f"/api/v1/oncall/shifts/{shift.pk}/swap/",
            {"to_user": "oc1", "reason": "x"},
            format="json",
        )
    assert late.status_code == 409


def test_oncall_page_shows_who_is_on_call_now(roster, client, agent):
    rotation_generate(rotation=roster["rotation"], until=START + dt.timedelta(days=3))
    client.force_login(agent)
    with time_machine.travel(START + dt.timedelta(hours=2), tick=False):
        page = client.get("/field/oncall/").content.decode()
    assert f'data-region="{roster["region"].code}"' in page
    assert "13900000000" in page
