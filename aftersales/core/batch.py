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
from django.db import DEFAULT_DB_ALIAS, connections, models
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


_TEXT_FIELDS = frozenset(
    {models.CharField, models.TextField, models.EmailField, models.SlugField, models.URLField}
)
_INT_FIELDS = frozenset(
    {
        models.AutoField,
        models.BigAutoField,
        models.SmallAutoField,
        models.IntegerField,
        models.BigIntegerField,
        models.SmallIntegerField,
        models.PositiveIntegerField,
        models.PositiveBigIntegerField,
        models.PositiveSmallIntegerField,
    }
)
_JSON_TYPES = frozenset({dict, list, str, int, float, bool, type(None)})


def _fast_kind(field: Any) -> str | None:
    """Return how a value of ``field`` reaches JSON without Django's preparation, when that
    gives the very value the preparation would (checked per value by ``_fast_value``), or None
    for fields that always take the general way."""
    kind = type(field)
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return None  # pre_save sets these
    if kind in _TEXT_FIELDS:
        return "text"
    if kind in _INT_FIELDS:
        return "int"
    if kind is models.BooleanField:
        return "bool"
    if kind in (models.ForeignKey, models.OneToOneField):
        return "int" if type(field.target_field) in _INT_FIELDS else None
    if kind is models.DateTimeField:
        return "datetime"
    if kind is models.DateField:
        return "date"
    if kind is models.JSONField and field.encoder is None:
        return "json"
    return None


def _fast_value(kind: str | None, value: Any) -> Any:
    """Return ``value`` as JSON when it is a plain value of its kind, else ``_MISSING``."""
    if value is None:
        return None
    check = _PLAIN.get(kind)  # type: ignore[arg-type]
    return check(value) if check is not None else _MISSING


def _plain_text(value: Any) -> Any:  # choices' enum members too; not lazy translations
    return value if isinstance(value, str) else _MISSING


def _plain_int(value: Any) -> Any:
    return value if type(value) is int else _MISSING


def _plain_bool(value: Any) -> Any:
    return value if type(value) is bool else _MISSING


def _plain_datetime(value: Any) -> Any:
    return (
        value.isoformat() if type(value) is dt.datetime and value.tzinfo is not None else _MISSING
    )


def _plain_date(value: Any) -> Any:
    return value.isoformat() if type(value) is dt.date else _MISSING


def _plain_json(value: Any) -> Any:
    return value if type(value) in _JSON_TYPES else _MISSING


_PLAIN: dict[str, Callable[[Any], Any]] = {
    "text": _plain_text,
    "int": _plain_int,
    "bool": _plain_bool,
    "datetime": _plain_datetime,
    "date": _plain_date,
    "json": _plain_json,
}


_insert_plans: dict[type[Model], tuple[list[Any], list[tuple[str, str | None]], str]] = {}


def _insert_plan(
    model: type[Model], connection: Any
) -> tuple[list[Any], list[tuple[str, str | None]], str]:
    """Return the fields an insert of ``model`` writes, their attribute names and kinds
    (``_fast_kind``), and the statement's text (cached)."""
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
        kinds = [(f.attname, _fast_kind(f)) for f in fields]
        plan = _insert_plans[model] = (fields, kinds, text)
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
    raise _NoJsonForm(type(value).__name__)


class _NoJsonForm(Exception):
    """A prepared value that JSON cannot carry (e.g. a UUID)."""


_MISSING = object()


def _prepared(field: Any, obj: Model, connection: Any) -> Any:
    """Return ``obj``'s value of ``field`` as ``bulk_create`` prepares it."""
    value = field.pre_save(obj, True)
    if hasattr(value, "resolve_expression"):
        raise ValueError(f"insert_together: an expression in {type(obj).__name__}.{field.name}")
    return field.get_db_prep_save(value, connection=connection)


def _insert_sql(
    objs: Sequence[Model], *, ignore_conflicts: bool, connection: Any
) -> tuple[str, list[Any]]:
    """Return one INSERT of ``objs`` and its parameters, the values prepared as ``bulk_create``
    prepares them (``pre_save`` sets ``auto_now`` fields, then ``get_db_prep_save``).

    The rows travel as one JSON array that PostgreSQL turns back into rows of the table's type
    (``json_populate_recordset``): one parameter instead of one per value, whose quoting was the
    largest single cost of a case creation in Python. Plain values (text, integers, keys,
    aware datetimes, JSON documents: ``_fast_value``) go into the JSON as they are, which is
    what the field's preparation would give; the rest are prepared by their field. Values
    without a JSON form (none in the case tables) make it fall back to plain ``VALUES`` rows.
    """
    model = type(objs[0])
    fields, kinds, text = _insert_plan(model, connection)
    payload: list[dict[str, Any]] = []
    try:
        for obj in objs:
            attrs = obj.__dict__
            row = {}
            for field, (attname, kind) in zip(fields, kinds, strict=True):
                value = _MISSING
                if kind is not None and attname in attrs:
                    value = _fast_value(kind, attrs[attname])
                if value is _MISSING:
                    value = _jsonable(_prepared(field, obj, connection))
                row[field.column] = value
            payload.append(row)
    except _NoJsonForm:
        return _values_sql(objs, fields, ignore_conflicts=ignore_conflicts, connection=connection)
    try:
        encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):  # NaN, or a JSON document that JSON cannot carry
        return _values_sql(objs, fields, ignore_conflicts=ignore_conflicts, connection=connection)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    return text + conflict, [encoded]


def _values_sql(
    objs: Sequence[Model], fields: list[Any], *, ignore_conflicts: bool, connection: Any
) -> tuple[str, list[Any]]:
    """Return one INSERT of ``objs`` as ``VALUES`` rows, one parameter per value."""
    model = type(objs[0])
    values = [_prepared(field, obj, connection) for obj in objs for field in fields]
    quote = connection.ops.quote_name
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    text = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608 - names from the models
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([placeholders] * len(objs))}"
    )
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    return text + conflict, values


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
