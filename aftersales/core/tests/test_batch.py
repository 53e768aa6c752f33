"""core.batch: several ORM statements in one round trip, the same results as the ORM's."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.db import DataError, IntegrityError, ProgrammingError, connection, transaction
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from aftersales.catalog.models import Asset
from aftersales.catalog.tests.factories import AssetFactory
from aftersales.core.batch import (
    PreparedBatch,
    batching_available,
    execute_statements,
    insert_together,
    prepared_statements_of,
    sequence_sql,
)
from aftersales.customers.models import Customer, Region
from aftersales.customers.tests.factories import SiteFactory


def _dicts(objects):
    return [model_to_dict(o) | {"pk": o.pk} for o in objects]


@pytest.fixture
def assets(customer, other_customer):
    site = SiteFactory(customer=customer)
    return [
        AssetFactory(customer=customer, serial_number="SN-B1", site=site),
        AssetFactory(customer=customer, serial_number="SN-B2", contract=None),
        AssetFactory(customer=other_customer, serial_number="SN-B3"),
    ]


def test_a_prepared_batch_gives_what_the_orm_gives(assets, customer):
    def build():
        return [
            Customer.objects.filter(pk=customer.pk),
            Asset.objects.select_related("contract", "site")
            .filter(customer=customer)
            .order_by("pk"),
            Asset.objects.filter(serial_number="SN-NONE"),
            Asset.objects.none(),
            Region.objects.values_list("code", "name").order_by("code"),
        ]

    querysets = build()
    with CaptureQueriesContext(connection) as queries:
        together = PreparedBatch(build=build).fetch()
    expected_statements = 1 if batching_available() else len(querysets) - 1
    assert len(queries.captured_queries) == expected_statements
    one_by_one = [list(qs.all()) for qs in querysets]
    assert _dicts(together[0]) == _dicts(one_by_one[0])
    assert _dicts(together[1]) == _dicts(one_by_one[1])
    # select_related objects come along, as the ORM would load them.
    with CaptureQueriesContext(connection) as queries:
        assert [(a.contract, a.site) for a in together[1]] == [
            (a.contract, a.site) for a in one_by_one[1]
        ]
    assert queries.captured_queries == []
    assert together[2] == together[3] == []
    assert together[4] == one_by_one[4]
    assert together[1][0]._state.adding is False
    assert together[1][0]._state.db == "default"


def test_a_prepared_batch_refuses_what_it_cannot_build(customer):
    with pytest.raises(ValueError, match="cannot evaluate"):
        PreparedBatch(build=lambda: [Customer.objects.only("code")]).fetch()
    with pytest.raises(ValueError, match="cannot evaluate"):
        PreparedBatch(build=lambda: [Customer.objects.values("code")]).fetch()


def test_a_prepared_batch_compiles_once_and_takes_new_values(assets, customer, other_customer):
    builds = []

    def build(serial):
        builds.append(serial)
        return [Asset.objects.select_related("customer").filter(serial_number=serial)]

    batch = PreparedBatch("serial", build=build)
    first = batch.fetch(serial="SN-B1")[0]
    second = batch.fetch(serial="SN-B3")[0]
    none = batch.fetch(serial="SN-NONE")[0]
    assert [a.serial_number for a in first] == ["SN-B1"]
    assert [(a.serial_number, a.customer) for a in second] == [("SN-B3", other_customer)]
    assert none == []
    if batching_available():
        assert len(builds) == 1, "compiled once per connection"
    else:
        assert builds == ["SN-B1", "SN-B3", "SN-NONE"]
    with pytest.raises(TypeError, match="expected the parameters"):
        batch.fetch(serial="SN-B1", extra="x")


def test_a_prepared_batch_refuses_a_parameter_compilation_changes(customer):
    if not batching_available():
        pytest.skip("the stand-ins are compiled only where statements are batched")
    batch = PreparedBatch("code", build=lambda code: [Customer.objects.filter(code__contains=code)])
    with pytest.raises(ValueError, match="not used as plain values"):
        batch.fetch(code="ACME")


def _new_regions(count, prefix="R"):
    keys = []
    if batching_available():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {sequence_sql(Region, count)}")
            keys = cursor.fetchone()[0]
    return [
        Region(pk=keys[i] if keys else None, code=f"{prefix}{i}", name=f"区域{i}")
        for i in range(count)
    ]


def test_insert_together_writes_what_bulk_create_writes(customer):
    regions = _new_regions(3)
    if batching_available():
        with CaptureQueriesContext(connection) as queries:
            insert_together([regions[:2], regions[2:]])
        assert len(queries.captured_queries) == 1
        # One statement: the first group as a WITH query, the last as the main statement.
        [statement] = prepared_statements_of(queries.captured_queries[0]["sql"])
        assert statement.startswith('WITH g0 AS (INSERT INTO "customers_region"')
        assert statement.count("INSERT INTO") == 2
    else:
        insert_together([regions[:2], regions[2:]])
    stored = {r.code: r for r in Region.objects.filter(code__in=["R0", "R1", "R2"])}
    assert sorted(stored) == ["R0", "R1", "R2"]
    for region in regions:
        assert region.pk == stored[region.code].pk
        assert region._state.adding is False
        # auto_now/auto_now_add fields were set on the objects and stored as such.
        assert region.created_at == stored[region.code].created_at
        assert region.created_at is not None


def test_insert_together_can_ignore_conflicts(customer):
    first = _new_regions(1, prefix="DUP")
    insert_together([first])
    again = _new_regions(1, prefix="DUP")
    insert_together([again], ignore_conflicts=[True])
    assert Region.objects.filter(code="DUP0").count() == 1


def test_conflicts_are_ignored_per_group_wherever_it_stands(customer):
    """Merged into one statement, a group that ignores conflicts still does, first or last,
    and the other groups are written."""
    insert_together([_new_regions(1, prefix="DUPW")])
    dup_first, fresh = _new_regions(1, prefix="DUPW"), _new_regions(1, prefix="NEWW")
    insert_together([dup_first, fresh], ignore_conflicts=[True, False])
    dup_last, fresh_again = _new_regions(1, prefix="DUPW"), _new_regions(1, prefix="NEWX")
    insert_together([fresh_again, dup_last], ignore_conflicts=[False, True])
    assert Region.objects.filter(code="DUPW0").count() == 1
    assert Region.objects.filter(code__in=["NEWW0", "NEWX0"]).count() == 2


def test_insert_together_needs_keys_and_one_model_per_group(customer):
    if not batching_available():
        pytest.skip("elsewhere insert_together is bulk_create, which draws keys itself")
    with pytest.raises(ValueError, match="keys first"):
        insert_together([[Region(code="K", name="k")]])
    mixed = [_new_regions(1, prefix="M")[0], Customer(pk=10**9, code="X", name="x")]
    with pytest.raises(ValueError, match="one model per group"):
        insert_together([mixed])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_statements_of_insert_together_are_one_transaction(region):
    """Outside any transaction, a failing statement takes the earlier ones with it."""
    if not batching_available():
        pytest.skip("one implicit transaction per multi-statement query is PostgreSQL's")
    assert connection.get_autocommit()
    good = _new_regions(2, prefix="TX")
    clash = Region(pk=region.pk, code="TX-CLASH", name="冲突")  # an existing primary key
    with pytest.raises(IntegrityError):
        insert_together([good, [clash]])
    assert not Region.objects.filter(code__startswith="TX").exists()
    with pytest.raises(IntegrityError):
        insert_together([[clash], good])  # the failing group first
    assert not Region.objects.filter(code__startswith="TX").exists()
    # The connection is usable and in autocommit afterwards.
    insert_together([_new_regions(1, prefix="TY")])
    assert Region.objects.filter(code="TY0").exists()


def _keys(model, count):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sequence_sql(model, count)}")
        return cursor.fetchone()[0]


def test_values_that_need_preparing_are_stored_as_bulk_create_stores_them(customer, region, asset):
    """Plain values go into the JSON as they are; any other value (a lazy translation, a number
    for a text or boolean column, a date as text or as a datetime) is prepared by its field,
    with the same stored result as ``bulk_create``."""
    from django.utils.translation import gettext_lazy

    if not batching_available():
        pytest.skip("elsewhere insert_together is bulk_create")

    def customers(prefix):
        return [
            Customer(
                code=f"{prefix}-1",
                name=gettext_lazy("Network"),
                region=region,
                phone=12345,
                is_active=1,
                notes="引号 ' \" 反斜杠 \\ 😀",
            ),
            Customer(
                code=f"{prefix}-2",
                name="普通",
                region_id=region.pk,
                email="a@example.com",
                is_active=False,
                industry="",
            ),
        ]

    def assets(prefix):
        return [
            Asset(
                serial_number=f"{prefix}-A1",
                product=asset.product,
                customer=customer,
                purchase_date="2025-03-01",
                delivery_date=dt.date(2025, 3, 2),
                installation_date=dt.datetime(2025, 3, 3, 23, 30, tzinfo=dt.UTC),
            ),
        ]

    ours_customers, ours_assets = customers("JS"), assets("JS")
    for objs in (ours_customers, ours_assets):
        for obj, key in zip(objs, _keys(type(objs[0]), len(objs)), strict=True):
            obj.pk = key
    insert_together([ours_customers, ours_assets])
    theirs_customers = Customer.objects.bulk_create(customers("BC"))
    theirs_assets = Asset.objects.bulk_create(assets("BC"))

    def stored(model, objs, key):
        return [
            {
                k: v
                for k, v in model_to_dict(model.objects.get(pk=o.pk)).items()
                if k not in (key, "id")
            }
            for o in objs
        ]

    assert stored(Customer, ours_customers, "code") == stored(Customer, theirs_customers, "code")
    assert stored(Asset, ours_assets, "serial_number") == stored(
        Asset, theirs_assets, "serial_number"
    )
    first = Customer.objects.get(pk=ours_customers[0].pk)
    assert (first.name, first.phone, first.is_active) == ("Network", "12345", True)
    asset = Asset.objects.get(pk=ours_assets[0].pk)
    assert asset.purchase_date == dt.date(2025, 3, 1)


def test_timestamps_are_aware(customer):
    [region] = _new_regions(1, prefix="TZ")
    insert_together([[region]])
    assert region.created_at.tzinfo is not None
    assert Region.objects.get(code="TZ0").created_at.utcoffset() == dt.timedelta(0)


def test_values_without_a_json_form_go_in_as_plain_values(customer):
    """A UUID column (calendars) has no JSON form here: that group falls back to VALUES rows."""
    from aftersales.calendars.models import BusinessCalendar

    if not batching_available():
        pytest.skip("elsewhere insert_together is bulk_create")
    keys = _keys(BusinessCalendar, 2)
    calendars = [
        BusinessCalendar(pk=keys[i], code=f"CAL-B{i}", name=f"日历{i}", description="说明\n")
        for i in range(2)
    ]
    [region] = _new_regions(1, prefix="MIX")
    with CaptureQueriesContext(connection) as queries:
        insert_together([calendars, [region]])
    [sql] = [q["sql"] for q in queries.captured_queries]
    [statement] = prepared_statements_of(sql)
    calendars_part, regions_part = statement.split('INSERT INTO "customers_region"')
    assert "VALUES" in calendars_part
    assert "json_populate_recordset" in regions_part
    for calendar in calendars:
        stored = BusinessCalendar.objects.get(pk=calendar.pk)
        assert (stored.code, stored.name, stored.revision, stored.description) == (
            calendar.code,
            calendar.name,
            calendar.revision,
            "说明\n",
        )
    assert Region.objects.get(pk=region.pk).name == "区域0"


def test_every_column_of_the_case_tables_goes_in_as_json(agent, customer, asset):
    """The case tables' values (choices' enum members included) all have a JSON form: their
    inserts are one parameter each, not the VALUES fallback."""
    from aftersales.cases.services import case_create

    if not batching_available():
        pytest.skip("elsewhere insert_together is bulk_create")
    with CaptureQueriesContext(connection) as queries:
        case_create(
            by=agent,
            customer=customer,
            asset=asset,
            case_type="fault",
            channel="phone",
            severity="C-2",
            summary="端口掉线",
        )
    [statement] = [
        s
        for q in queries.captured_queries
        for s in prepared_statements_of(q["sql"])
        if s.startswith("WITH")
    ]
    assert statement.count("INSERT INTO") == 5
    assert statement.count("json_populate_recordset") == 5
    assert " VALUES " not in statement


def _run(statements):
    with connection.cursor() as cursor:
        execute_statements(cursor, statements)
        return cursor.fetchall()


def _logged(statements):
    with CaptureQueriesContext(connection) as queries:
        rows = _run(statements)
    return rows, [q["sql"] for q in queries.captured_queries]


def test_statements_are_prepared_once_per_session(customer):
    if not batching_available():
        pytest.skip("prepared statements are PostgreSQL's")
    statement = ("SELECT code FROM customers_customer WHERE code = %s AND name LIKE '%%'", ["ACME"])
    first, first_log = _logged([statement])
    again, again_log = _logged([statement])
    assert first == again == [("ACME",)]
    assert "PREPARE " in first_log[0]
    assert again_log[0].startswith("EXECUTE ")
    assert "PREPARE" not in again_log[0]
    assert prepared_statements_of(again_log[0]) == [
        "SELECT code FROM customers_customer WHERE code = $1 AND name LIKE '%'"
    ]


def test_prepared_statements_can_be_turned_off(customer, settings):
    if not batching_available():
        pytest.skip("prepared statements are PostgreSQL's")
    settings.DB_PREPARED_STATEMENTS = False
    rows, log = _logged([("SELECT code FROM customers_customer WHERE code = %s", ["ACME"])])
    assert rows == [("ACME",)]
    assert log[0].startswith("SELECT code")


def test_a_failed_query_leaves_prepared_statements_usable(customer):
    """A PREPARE outlives the failed query it came with; the next run neither prepares it twice
    nor misses it."""
    if not batching_available():
        pytest.skip("prepared statements are PostgreSQL's")
    good = ("SELECT code FROM customers_customer WHERE id = %s", [customer.pk])
    bad = ("SELECT 1 / %s", [0])
    with pytest.raises(DataError), transaction.atomic():
        _run([good, bad])
    assert _run([good]) == [(customer.code,)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_statements_a_pooler_deallocated_are_prepared_again(region):
    if not batching_available():
        pytest.skip("prepared statements are PostgreSQL's")
    statement = ("SELECT code FROM customers_region WHERE id = %s", [region.pk])
    assert _run([statement]) == [(region.code,)]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what a pooler's reset query does to the session
    # Outside a transaction the call is retried after preparing again.
    assert _run([statement]) == [(region.code,)]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    # Inside one the transaction is lost: the error goes to the caller, the next call works.
    with pytest.raises(ProgrammingError), transaction.atomic():
        _run([statement])
    assert _run([statement]) == [(region.code,)]


@pytest.mark.django_db
def test_floats_without_a_json_form_go_in_as_plain_values():
    """NaN and infinities: orjson would write them as null; the group goes as VALUES rows and
    stores what bulk_create stores."""
    from aftersales.kpi.models import RollupState

    if not batching_available():
        pytest.skip("elsewhere insert_together is bulk_create")
    keys = _keys(RollupState, 2)
    states = [
        RollupState(pk=keys[0], zone="Asia/Shanghai", last_run_seconds=float("nan")),
        RollupState(pk=keys[1], zone="UTC", last_run_seconds=float("inf")),
    ]
    with CaptureQueriesContext(connection) as queries:
        insert_together([states])
    [statement] = prepared_statements_of(queries.captured_queries[0]["sql"])
    assert "VALUES" in statement
    nan, inf = (RollupState.objects.get(pk=k).last_run_seconds for k in keys)
    assert math.isnan(nan)
    assert inf == float("inf")


@pytest.mark.django_db
def test_a_json_document_with_nan_fails_as_bulk_create_fails():
    from django.db import DataError, transaction

    from aftersales.kpi.models import RollupState

    if not batching_available():
        pytest.skip("elsewhere insert_together is bulk_create")
    keys = _keys(RollupState, 1)
    with pytest.raises(DataError), transaction.atomic():
        RollupState.objects.bulk_create([RollupState(zone="UTC", marks={"x": float("nan")})])
    with pytest.raises(DataError), transaction.atomic():
        insert_together([[RollupState(pk=keys[0], zone="UTC", marks={"x": float("nan")})]])
    assert not RollupState.objects.filter(pk=keys[0]).exists()


@pytest.mark.django_db
def test_aware_datetimes_of_any_zone_keep_their_instant():
    """Aware datetimes go into the rows as orjson writes them (RFC 3339 with the offset,
    seconds of a historical offset included)."""
    import zoneinfo

    from aftersales.kpi.models import RollupState

    if not batching_available():
        pytest.skip("elsewhere insert_together is bulk_create")
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    moments = [
        dt.datetime(2026, 11, 27, 0, 11, 27, 981027, tzinfo=shanghai),
        dt.datetime(1900, 6, 1, 12, 0, tzinfo=shanghai),  # local mean time, +08:05:43
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 8, 2, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
    ]
    keys = _keys(RollupState, len(moments))
    states = [
        RollupState(pk=key, zone="Asia/Shanghai", last_run_at=moment)
        for key, moment in zip(keys, moments, strict=True)
    ]
    insert_together([states])
    for key, moment in zip(keys, moments, strict=True):
        assert RollupState.objects.get(pk=key).last_run_at == moment
