"""Several statements in one round trip to PostgreSQL, built from the ORM's models.

Django's PostgreSQL backend binds parameters on the client (``ClientCursor``, the default), so a
string of statements separated by semicolons goes to the server as one simple query: the
server runs them in order as one implicit transaction (or inside the caller's transaction) and
the client reads one result set per statement. The hot write path of case creation uses it to
pay one network round trip, and one parse, instead of one per statement.

Every helper here falls back to one ordinary ORM call per statement on other databases (SQLite)
and when the connection binds parameters on the server, so callers need not care which applies.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators


def batching_available(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Return whether ``using`` can run several statements in one round trip."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    options = connection.settings_dict.get("OPTIONS") or {}
    return not options.get("server_side_binding")


def _plain_model_query(qs: QuerySet[Any]) -> bool:
    """Return whether ``qs`` gives model instances built from its rows alone (``select_related``
    allowed; no annotations, ``only``/``defer`` or prefetching)."""
    query = qs.query
    return (
        qs._iterable_class is ModelIterable  # noqa: SLF001 - reading the queryset's kind
        and not query.annotations
        and not query.extra
        and not query.deferred_loading[0]
        and bool(query.deferred_loading[1])
        and not qs._prefetch_related_lookups  # noqa: SLF001
    )


def _check_batchable(qs: QuerySet[Any]) -> bool:
    """Return whether ``qs`` gives model instances; raise if it gives neither them nor tuples."""
    if _plain_model_query(qs):
        return True
    if qs._iterable_class is ValuesListIterable:  # noqa: SLF001 - reading the queryset's kind
        return False
    raise ValueError(f"cannot evaluate {qs!r} in a batch")


class _Compiled:
    """Querysets compiled into one SQL string, with the way back from rows to results."""

    def __init__(
        self, querysets: Sequence[QuerySet[Any]], using: str, names: dict[str, str]
    ) -> None:
        statements: list[str] = []
        self.params: list[Any] = []
        self.readers: list[Callable[[list[Any]], list[Any]]] = []
        for qs in querysets:
            model_rows = _check_batchable(qs)
            compiler = qs.query.get_compiler(using=using)
            try:
                text, args = compiler.as_sql()
            except EmptyResultSet:
                statements.append("SELECT 1 WHERE false")
                self.readers.append(lambda rows: [])
                continue
            statements.append(text)
            self.params.extend(args)
            self.readers.append(_reader(qs, compiler, using, model_rows=model_rows))
        self.sql = ";\n".join(statements)
        # Where the named parameters go (their stand-ins must come through compilation as is).
        self.slots = [
            (index, names[value])
            for index, value in enumerate(self.params)
            if isinstance(value, str) and value in names
        ]
        missing = set(names.values()) - {name for _, name in self.slots}
        if missing:
            raise ValueError(f"parameters not used as plain values: {sorted(missing)}")

    def run(self, connection: Any, values: dict[str, Any]) -> list[list[Any]]:
        params = list(self.params)
        for index, name in self.slots:
            params[index] = values[name]
        results: list[list[Any]] = []
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            raw = cursor.cursor
            for index, read in enumerate(self.readers):
                if index:
                    raw.nextset()
                results.append(read(raw.fetchall()))
        return results


def _reader(
    qs: QuerySet[Any], compiler: Any, using: str, *, model_rows: bool
) -> Callable[[list[Any]], list[Any]]:
    """Return how the rows of ``qs`` become its results (converters applied, as the ORM does)."""
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    converters = compiler.get_converters(fields)

    def convert(rows: list[Any]) -> list[Any]:
        if converters and rows:
            return [tuple(r) for r in compiler.apply_converters(rows, converters)]
        return rows

    if not model_rows:
        return convert
    # As ModelIterable builds them: the model's columns, then each select_related object.
    select, klass_info = compiler.select, compiler.klass_info
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    names = [column[0].target.attname for column in select[start:end]]
    from_db = klass_info["model"].from_db
    populators = get_related_populators(klass_info, select, using)

    def objects(rows: list[Any]) -> list[Any]:
        built = []
        for row in convert(rows):
            obj = from_db(using, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            built.append(obj)
        return built

    return objects


class PreparedBatch:
    """Querysets compiled once per connection, run with new parameters in one round trip.

    ``build`` receives one stand-in per parameter name and returns the querysets; they are
    compiled on first use and later calls only swap the values in. Parameters must be strings
    used as plain lookup values (``filter(code=code)``); a parameter that compilation changes
    is refused. Where batching is not available, ``build`` gets the real values and each
    queryset is evaluated on its own.
    """

    def __init__(self, *names: str, build: Callable[..., Sequence[QuerySet[Any]]]) -> None:
        self.names = frozenset(names)
        self.build = build
        self.key = f"_aftersales_prepared_batch_{id(self)}"

    def fetch(self, using: str = DEFAULT_DB_ALIAS, **values: str) -> list[list[Any]]:
        if values.keys() != self.names:
            raise TypeError(f"expected the parameters {sorted(self.names)}")
        if not batching_available(using):
            querysets = self.build(**values)
            for qs in querysets:
                _check_batchable(qs)  # the same querysets are refused everywhere
            return [list(qs) for qs in querysets]
        connection = connections[using]  # one per thread: so is the compiled copy
        compiled = connection.__dict__.get(self.key)
        if compiled is None:
            stand_ins = {name: f"\x00{name}:{id(self)}\x00" for name in self.names}
            compiled = _Compiled(
                self.build(**stand_ins), using, {v: k for k, v in stand_ins.items()}
            )
            connection.__dict__[self.key] = compiled
        return compiled.run(connection, values)


_insert_plans: dict[type[Model], tuple[list[Any], str]] = {}


def _insert_plan(model: type[Model], connection: Any) -> tuple[list[Any], str]:
    """Return the fields an insert of ``model`` writes and the statement's text (cached)."""
    plan = _insert_plans.get(model)
    if plan is None:
        fields = [f for f in model._meta.concrete_fields if not f.generated]
        if any(hasattr(f, "get_placeholder") for f in fields):
            raise ValueError(f"insert_together: {model.__name__} has fields with placeholders")
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(f.column) for f in fields)
        text = (
            f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608 - model names
            f"FROM json_populate_recordset(NULL::{table}, %s)"
        )
        plan = _insert_plans[model] = (fields, text)
    return plan


def _jsonable(value: Any) -> Any:
    """Return ``value`` (prepared for the database) as JSON ``json_populate_recordset`` casts
    back to the column's type, or raise TypeError."""
    if value is None or isinstance(value, (str, int, float)):  # choices' enum members too
        return value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    obj = getattr(value, "obj", _MISSING)  # psycopg's Jsonb/Json wrapper of a JSONField value
    if obj is not _MISSING and type(value).__name__ in ("Jsonb", "Json"):
        return obj
    raise TypeError(f"no JSON form for {type(value).__name__}")


_MISSING = object()


def _insert_sql(
    objs: Sequence[Model], *, ignore_conflicts: bool, connection: Any
) -> tuple[str, list[Any]]:
    """Return one INSERT of ``objs`` and its parameters, the values prepared as ``bulk_create``
    prepares them (``pre_save`` sets ``auto_now`` fields, then ``get_db_prep_save``).

    The rows travel as one JSON array that PostgreSQL turns back into rows of the table's type
    (``json_populate_recordset``): one parameter instead of one per value, whose quoting was the
    largest single cost of a case creation in Python. Values without a JSON form (none in the
    case tables) make it fall back to plain ``VALUES`` rows.
    """
    model = type(objs[0])
    fields, text = _insert_plan(model, connection)
    rows = []
    values: list[Any] = []
    for obj in objs:
        row = []
        for field in fields:
            value = field.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):
                raise ValueError(f"insert_together: an expression in {model.__name__}.{field.name}")
            row.append(field.get_db_prep_save(value, connection=connection))
        values.extend(row)
        rows.append(row)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    try:
        payload = [
            {f.column: _jsonable(v) for f, v in zip(fields, row, strict=True)} for row in rows
        ]
        encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        quote = connection.ops.quote_name
        placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
        plain = (
            f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608 - names from the models
            f"({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES {', '.join([placeholders] * len(objs))}"
        )
        return plain + conflict, values
    return text + conflict, [encoded]


def insert_together(
    groups: Sequence[Sequence[Model]],
    *,
    ignore_conflicts: Sequence[bool] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """Insert each group of new model instances (one model per group), all in one round trip.

    Every instance must already carry its primary key (``sequence_sql`` draws them), as nothing
    is read back; related fields are resolved as ``bulk_create`` resolves them and ``auto_now``
    fields are set. ``ignore_conflicts`` (per group) skips rows that violate a unique
    constraint, as ``bulk_create(ignore_conflicts=True)`` does. The statements run as one
    transaction (or inside the caller's). Elsewhere each group is a ``bulk_create``.
    """
    flags = list(ignore_conflicts or [False] * len(groups))
    groups = [list(group) for group in groups]
    if not batching_available(using):
        for group, ignore in zip(groups, flags, strict=True):
            if group:
                type(group[0])._default_manager.using(using).bulk_create(
                    group, ignore_conflicts=ignore
                )
        return
    connection = connections[using]
    statements: list[str] = []
    params: list[Any] = []
    for group, ignore in zip(groups, flags, strict=True):
        if not group:
            continue
        model = type(group[0])
        if any(type(obj) is not model for obj in group):
            raise ValueError("insert_together: one model per group")
        if model._meta.db_returning_fields != [model._meta.pk]:
            raise ValueError(f"insert_together: {model.__name__} has database-set fields")
        if any(obj.pk is None for obj in group):
            raise ValueError(f"insert_together: draw the {model.__name__} keys first")
        for obj in group:  # as bulk_create does: related objects' keys into the *_id fields
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        text, args = _insert_sql(group, ignore_conflicts=ignore, connection=connection)
        statements.append(text)
        params.extend(args)
    if not statements:
        return
    with connection.cursor() as cursor:
        cursor.execute(";\n".join(statements), params)
    for group in groups:
        for obj in group:
            obj._state.adding = False
            obj._state.db = using


_sequences: dict[tuple[str, str, str], str] = {}


def sequence_sql(model: type[Model], count: int, using: str = DEFAULT_DB_ALIAS) -> str:
    """Return an SQL expression: an array of ``count`` new primary keys of ``model``.

    The primary key's sequence is looked up once per process (``pg_get_serial_sequence``
    costs catalog look-ups on every call).
    """
    table, column = model._meta.db_table, model._meta.pk.column
    name = _sequences.get((using, table, column))
    if name is None:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            name = cursor.fetchone()[0]
        if name is None:
            raise ValueError(f"{table}.{column} has no sequence")
        _sequences[(using, table, column)] = name
    literal = "'" + name.replace("'", "''") + "'"
    return f"ARRAY(SELECT nextval({literal}) FROM generate_series(1, {int(count)}))"  # noqa: S608
