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
import hashlib
import json
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators


def batching_available(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Return whether ``using`` can run several statements in one round trip."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    options = connection.settings_dict.get("OPTIONS") or {}
    return not options.get("server_side_binding")


_PERCENT = re.compile(r"%(.)", re.DOTALL)


def _numbered(sql: str) -> str:
    """Return ``sql`` with its ``%s`` placeholders numbered (``$1``, ``$2``…) as ``PREPARE``
    wants them (``%%`` stays: the driver still formats the query it goes in); raise ValueError
    for any other ``%`` sequence."""
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(1) == "%":
            return "%%"
        if match.group(1) != "s":
            raise ValueError(f"cannot prepare {sql[:60]!r}")
        count += 1
        return f"${count}"

    return _PERCENT.sub(number, sql)


class _Prepared:
    """The names of the statements prepared on one database session (``stale``: to be read
    back from the server, after a failure left it unknown which were)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.names: set[str] = set()
        self.stale = False


def _prepared_on(cursor: Any) -> _Prepared:
    connection = cursor.db
    registry = connection.__dict__.get("_aftersales_prepared")
    if registry is None or registry.raw is not connection.connection:
        registry = connection.__dict__["_aftersales_prepared"] = _Prepared(connection.connection)
    if registry.stale:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        registry.names = {name for (name,) in cursor.fetchall()}
        registry.stale = False
    return registry


_names: dict[str, str] = {}


def _statement_name(sql: str) -> str:
    """The name ``sql`` is prepared under: the same in every session, so that the server can
    say which it holds."""
    name = _names.get(sql)
    if name is None:
        digest = hashlib.blake2b(sql.encode(), digest_size=10).hexdigest()
        name = _names[sql] = f"aftersales_{digest}"
    return name


def execute_statements(cursor: Any, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
    """Run ``statements`` (SQL with ``%s`` placeholders, and their parameters) on ``cursor`` in
    one round trip; read the results with ``nextset()``.

    On PostgreSQL each statement is prepared once per database session (``PREPARE``, sent
    with its first run) and then run with ``EXECUTE``: the server parses, analyses and plans it
    once instead of on every run, which was half of its work for a case creation (setting
    ``DB_PREPARED_STATEMENTS``; a connection pooler that shares sessions between clients, such
    as PgBouncer in transaction mode, needs it off). If the session lost them
    (``DEALLOCATE ALL``), they are prepared again, and the call is retried when it is not
    inside a transaction.
    """
    params = [value for _, args in statements for value in args]
    if not settings.DB_PREPARED_STATEMENTS:
        cursor.execute(";\n".join(sql for sql, _ in statements), params)
        return
    for attempt in (1, 2):
        registry = _prepared_on(cursor)
        parts: list[str] = []
        new: list[str] = []
        for sql, _args in statements:
            name = _statement_name(sql)
            if name not in registry.names and name not in new:
                parts.append(f"PREPARE {name} AS {_numbered(sql)}")
                new.append(name)
        for sql, args in statements:
            name = _statement_name(sql)
            parts.append(
                f"EXECUTE {name}({', '.join(['%s'] * len(args))})" if args else f"EXECUTE {name}"
            )
        try:
            cursor.execute(";\n".join(parts), params)
        except DatabaseError as error:
            # A PREPARE outlives a failed query (it is not transactional): ask the server.
            registry.stale = True
            lost = getattr(error.__cause__, "sqlstate", None) == _NO_SUCH_STATEMENT
            if not lost or attempt == 2 or cursor.db.in_atomic_block:
                raise
        else:
            registry.names.update(new)
            for _ in new:  # to the first statement's result
                cursor.nextset()
            return


_NO_SUCH_STATEMENT = "26000"  # invalid_sql_statement_name


def prepared_statements_of(logged: str, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Return the statements a logged query ran (as ``connection.queries`` shows it), with each
    ``EXECUTE`` replaced by the text of the statement it ran and ``PREPARE``s left out; for
    reading query logs and for tests. Statements are split at ``;`` + newline."""
    texts: dict[str, str] = {}
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        # ``statement`` is the whole query the PREPARE came in.
        for name, query in cursor.fetchall():
            head = f"PREPARE {name} AS "
            if head in query:
                texts[name] = query.split(head, 1)[1].split(";\n", 1)[0]
    result = []
    for part in logged.split(";\n"):
        if part.startswith("PREPARE "):
            continue
        if part.startswith("EXECUTE "):
            name = part[len("EXECUTE ") :].split("(", 1)[0]
            part = texts.get(name, part)
        result.append(part)
    return result


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
        self.statements: list[tuple[str, int]] = []  # SQL and how many parameters
        self.params: list[Any] = []
        self.readers: list[Callable[[list[Any]], list[Any]]] = []
        for qs in querysets:
            model_rows = _check_batchable(qs)
            compiler = qs.query.get_compiler(using=using)
            try:
                text, args = compiler.as_sql()
            except EmptyResultSet:
                self.statements.append(("SELECT 1 WHERE false", 0))
                self.readers.append(lambda rows: [])
                continue
            self.statements.append((text, len(args)))
            self.params.extend(args)
            self.readers.append(_reader(qs, compiler, using, model_rows=model_rows))
        # Where the named parameters go (their stand-ins must come through compilation as is).
        self.slots = [
            (index, names[value])
            for index, value in enumerate(self.params)
            if isinstance(value, str) and value in names
        ]
        missing = set(names.values()) - {name for _, name in self.slots}
        if missing:
            raise ValueError(f"parameters not used as plain values: {sorted(missing)}")

    def run(
        self,
        connection: Any,
        values: dict[str, Any],
        also: Sequence[tuple[str, Sequence[Any]]] = (),
    ) -> list[list[Any]]:
        params = list(self.params)
        for index, name in self.slots:
            params[index] = values[name]
        statements = []
        start = 0
        for text, count in self.statements:
            statements.append((text, params[start : start + count]))
            start += count
        statements.extend(also)
        readers = [*self.readers, *[_as_they_are] * len(also)]
        results: list[list[Any]] = []
        with connection.cursor() as cursor:
            execute_statements(cursor, statements)
            raw = cursor.cursor
            for index, read in enumerate(readers):
                if index:
                    raw.nextset()
                results.append(read(raw.fetchall()))
        return results


def _as_they_are(rows: list[Any]) -> list[Any]:
    return rows


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

    def fetch(
        self,
        using: str = DEFAULT_DB_ALIAS,
        also: Sequence[tuple[str, Sequence[Any]]] = (),
        **values: str,
    ) -> list[list[Any]]:
        """Return the results of the querysets for ``values``; with ``also`` (statements and
        their parameters, where batching is available) the rows of those statements follow,
        from the same round trip."""
        if values.keys() != self.names:
            raise TypeError(f"expected the parameters {sorted(self.names)}")
        if not batching_available(using):
            if also:
                raise ValueError("statements go along only where batching is available")
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
        return compiled.run(connection, values, also)


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
    gives the very value the preparation would (checked per value by ``_PLAIN``), or None
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


def _plain_text(value: Any) -> Any:  # choices' enum members too; not lazy translations
    return value if isinstance(value, str) else _MISSING


def _plain_int(value: Any) -> Any:
    return value if type(value) is int else _MISSING


def _plain_bool(value: Any) -> Any:
    return value if type(value) is bool else _MISSING


def _plain_datetime(value: Any) -> Any:
    """An aware datetime as it is (orjson writes it, RFC 3339 with the offset), or as ISO text
    when its offset has seconds (historical local mean time), which orjson rounds to minutes."""
    if type(value) is not dt.datetime or value.tzinfo is None:
        return _MISSING
    if value.tzinfo is dt.UTC:
        return value
    offset = value.utcoffset()
    if offset is None or offset.seconds % 60 or offset.microseconds:
        return value.isoformat()
    return value


def _plain_date(value: Any) -> Any:
    return value.isoformat() if type(value) is dt.date else _MISSING


def _plain_json(value: Any) -> Any:
    return _json_document(value) if type(value) in _JSON_TYPES else _MISSING


_PLAIN: dict[str, Callable[[Any], Any]] = {
    "text": _plain_text,
    "int": _plain_int,
    "bool": _plain_bool,
    "datetime": _plain_datetime,
    "date": _plain_date,
    "json": _plain_json,
}


# Per model: each field with its column, attribute name and plain-value check (``_PLAIN``; None
# for fields that always take the general way), and the statement's text.
_InsertPlan = tuple[list[tuple[Any, str, str, Callable[[Any], Any] | None]], str]
_insert_plans: dict[type[Model], _InsertPlan] = {}


def _insert_plan(model: type[Model], connection: Any) -> _InsertPlan:
    """Return the fields an insert of ``model`` writes, with their columns, attribute names and
    plain-value checks, and the statement's text (cached)."""
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
        checks = [_PLAIN.get(_fast_kind(f)) for f in fields]  # type: ignore[arg-type]
        plan = _insert_plans[model] = (
            [(f, f.column, f.attname, check) for f, check in zip(fields, checks, strict=True)],
            text,
        )
    return plan


def _jsonable(value: Any) -> Any:
    """Return ``value`` (prepared for the database) as JSON ``json_populate_recordset`` casts
    back to the column's type, or raise TypeError."""
    if isinstance(value, float) and not math.isfinite(value):
        raise _NoJsonForm("float")  # NaN and infinities have no JSON form
    if value is None or isinstance(value, (str, int, float)):  # choices' enum members too
        return value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    obj = getattr(value, "obj", _MISSING)  # psycopg's Jsonb/Json wrapper of a JSONField value
    if obj is not _MISSING and type(value).__name__ in ("Jsonb", "Json"):
        return _json_document(obj)
    raise _NoJsonForm(type(value).__name__)


# A JSON column's document is written by the standard library, refusing NaN and infinities as
# the rows' encoder always did (orjson would write them as null), and goes into the rows as it
# is written (``orjson.Fragment``).
_DOCUMENT_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _json_document(value: Any) -> Any:
    try:
        return orjson.Fragment(_DOCUMENT_ENCODER.encode(value))
    except (TypeError, ValueError) as exc:  # NaN, or what JSON cannot carry
        raise _NoJsonForm(type(value).__name__) from exc


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
    aware datetimes, JSON documents: ``_PLAIN``) go into the JSON as they are, which is
    what the field's preparation would give; the rest are prepared by their field. Values
    without a JSON form (none in the case tables) make it fall back to plain ``VALUES`` rows.
    """
    model = type(objs[0])
    plan, text = _insert_plan(model, connection)
    payload: list[dict[str, Any]] = []
    try:
        for obj in objs:
            attrs = obj.__dict__
            row = {}
            for field, column, attname, check in plan:
                value = attrs.get(attname, _MISSING)
                if check is None or value is _MISSING:
                    value = _MISSING
                elif value is not None:
                    value = check(value)
                if value is _MISSING:
                    value = _jsonable(_prepared(field, obj, connection))
                row[column] = value
            payload.append(row)
    except _NoJsonForm:
        fields = [field for field, _, _, _ in plan]
        return _values_sql(objs, fields, ignore_conflicts=ignore_conflicts, connection=connection)
    try:
        # orjson: ~5x faster than the standard library for rows of text, numbers and aware
        # datetimes; the values it writes differently (NaN, infinities) never reach it.
        encoded = orjson.dumps(payload).decode()
    except (TypeError, ValueError):  # what orjson cannot write (an integer beyond 64 bits)
        fields = [field for field, _, _, _ in plan]
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


_relations: dict[type[Model], list[tuple[Any, str, str, str]] | None] = {}


def _take_related_keys(objs: Sequence[Model]) -> None:
    """Copy the keys of related objects assigned before they were saved into the ``*_id``
    fields, and refuse unsaved ones — what ``bulk_create`` does per object
    (``Model._prepare_related_fields_for_save``), with the model's relations looked up once."""
    model = type(objs[0])
    relations = _relations.get(model, _MISSING)
    if relations is _MISSING:
        relations = _relations[model] = (
            None  # generic relations: Django's own method handles them
            if any(f.is_relation for f in model._meta.private_fields)
            else [
                (f, f.cache_name, f.attname, f.target_field.attname)
                for f in model._meta.concrete_fields
                if f.is_relation and (f.many_to_one or f.one_to_one)
            ]
        )
    if relations is None:
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        return
    for obj in objs:
        cache = obj._state.fields_cache
        if not cache:
            continue
        attrs = obj.__dict__
        for field, cache_name, attname, target in relations:
            related = cache.get(cache_name)
            if related is None:
                continue
            key = getattr(related, target)
            if related.pk is None:
                # Django's own method raises its error (and forgets the unsaved object).
                obj._prepare_related_fields_for_save(operation_name="bulk_create")
            if attrs.get(attname) in field.empty_values:
                attrs[attname] = key
            elif attrs.get(attname) != key:
                del cache[cache_name]


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
    constraint, as ``bulk_create(ignore_conflicts=True)`` does. The groups go as one statement
    (``_together``), which is one transaction (or part of the caller's). Elsewhere each group
    is a ``bulk_create``.
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
    statements: list[tuple[str, list[Any]]] = []
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
        _take_related_keys(group)
        statements.append(_insert_sql(group, ignore_conflicts=ignore, connection=connection))
    if not statements:
        return
    with connection.cursor() as cursor:
        execute_statements(cursor, [_together(statements)])
    for group in groups:
        for obj in group:
            obj._state.adding = False
            obj._state.db = using


def _together(statements: list[tuple[str, list[Any]]]) -> tuple[str, list[Any]]:
    """Return the inserts as one statement: all but the last as data-modifying ``WITH``
    queries, the last as the main one.

    The server then starts one executor for every table's rows instead of one per table (the
    largest part of its per-statement work), and one statement is one transaction, as the
    multi-statement query was. The inserts see the same snapshot and none reads another's
    rows; foreign keys, deferred as Django creates them, are checked at commit as before.
    """
    if len(statements) == 1:
        return statements[0]
    *first, (last, _) = statements
    text = "WITH " + ", ".join(f"g{i} AS ({sql})" for i, (sql, _) in enumerate(first))
    return f"{text} {last}", [value for _, args in statements for value in args]


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
