"""The API's JSON renderer writes what DRF's writes, byte for byte."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy, override
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from aftersales.cases.choices import CaseStatus
from aftersales.core.renderers import JSONRenderer

ours, drf = JSONRenderer(), DRFJSONRenderer()

text = st.text(
    alphabet=st.one_of(
        st.characters(),  # every code point class, control characters and surrogates excluded
        st.sampled_from(["\u2028", "\u2029", '"', "\\", "/", "\n", "\t", "\x00", "\x1f", "😀"]),
    )
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    text,
    st.datetimes(timezones=st.sampled_from([None, dt.UTC, timezone.get_fixed_timezone(480)])),
    st.dates(),
    st.times(),
    st.timedeltas(),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, max_value=10**9, min_value=-(10**9)
    ),
    st.uuids(),
    st.sampled_from(list(CaseStatus)),
    st.binary(max_size=8).map(lambda b: b.hex().encode()),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(text, inner, max_size=4),
    ),
    max_leaves=20,
)


def _outcome(renderer: Any, document: Any) -> Any:
    """The bytes a renderer writes, or the type of the error it raises (a lone surrogate in a
    string cannot be written as UTF-8: DRF raises, and so must we)."""
    try:
        return renderer.render(document)
    except (TypeError, ValueError) as error:
        return type(error)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_the_same_bytes_as_drf(document: Any) -> None:
    assert _outcome(ours, document) == _outcome(drf, document)


def test_a_lone_surrogate_fails_as_in_drf() -> None:
    assert _outcome(ours, ["\ud800"]) is UnicodeEncodeError
    assert _outcome(drf, ["\ud800"]) is UnicodeEncodeError


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=5))
def test_floats_are_the_same_numbers(numbers: list[float]) -> None:
    assert json.loads(ours.render(numbers)) == json.loads(drf.render(numbers)) == numbers
    # The same bytes, but for some floats below 1e-4 (another notation of the same number).
    if all(number == 0 or abs(number) >= 1e-4 for number in numbers):
        assert ours.render(numbers) == drf.render(numbers)


def test_an_iterator_is_read_once_whatever_else_the_document_holds() -> None:
    for other in (2**70, {1: "an integer key"}, "plain"):
        document = [(n for n in [1, 2]), other]
        expected = drf.render([(n for n in [1, 2]), other])
        assert ours.render(document) == expected
        assert b"[1,2]" in expected


class _Items(dict):
    def items(self):  # type: ignore[override]
        return [("shown", 1)]


class _Iterates(list):
    def __iter__(self):  # type: ignore[override]
        return iter([9])


class _Says(str):
    def __str__(self) -> str:
        return "something else"


class _Number(int):
    def __repr__(self) -> str:
        return "something else"


def test_subclasses_read_as_the_standard_library_reads_them() -> None:
    from collections import OrderedDict

    moved = OrderedDict(a=1, b=2)
    moved.move_to_end("a")
    for document in (
        moved,
        _Items(hidden=2),
        _Iterates([1, 2]),
        [_Says("own"), _Number(7)],
        {"nested": [moved, _Iterates([3])]},
    ):
        assert ours.render(document) == drf.render(document), document


def test_line_and_paragraph_separators_are_escaped() -> None:
    assert ours.render({"a": "x\u2028y\u2029z"}) == b'{"a":"x\\u2028y\\u2029z"}'


def test_lazy_translations_render_in_the_active_language() -> None:
    with override("en"):
        assert ours.render([gettext_lazy("English")]) == drf.render([gettext_lazy("English")])
    with override("zh-hans"):
        lazy = gettext_lazy("Close")
        assert ours.render([lazy]) == drf.render([lazy])
        assert ours.render([lazy]) == json.dumps([str(lazy)], ensure_ascii=False).encode()
        assert str(lazy) != "Close"


@pytest.mark.parametrize(
    "document",
    [
        {1: "an integer key"},
        [2**70],
        {"deep": json.loads("[" * 300 + "]" * 300)},
    ],
    ids=["integer key", "big integer", "deep nesting"],
)
def test_what_orjson_will_not_write_goes_to_drf(document: Any) -> None:
    assert ours.render(document) == drf.render(document)


def test_an_indent_asked_for_goes_to_drf() -> None:
    document = {"a": [1, 2]}
    media = "application/json; indent=2"
    assert ours.render(document, media) == drf.render(document, media)
    assert b"\n" in ours.render(document, media)
    assert ours.render(document, None, {"indent": 4}) == drf.render(document, None, {"indent": 4})


def test_a_plain_enum_member_is_written_as_its_value() -> None:
    """The one deliberate difference in kind: DRF's encoder refused it (a server error)."""
    import enum

    class Colour(enum.Enum):
        RED = "red"

    assert ours.render([Colour.RED]) == b'["red"]'
    with pytest.raises(TypeError):
        drf.render([Colour.RED])


def test_objects_drf_refuses_fail_as_in_drf() -> None:
    @dataclasses.dataclass
    class Point:
        x: int

    aware_time = dt.time(8, 30, tzinfo=dt.UTC)
    for document in ([Point(1)], [object()], [aware_time]):
        with pytest.raises((TypeError, ValueError)) as theirs:
            drf.render(document)
        with pytest.raises(type(theirs.value)):
            ours.render(document)


def test_none_renders_nothing() -> None:
    assert ours.render(None) == drf.render(None) == b""


def test_the_api_renders_with_it() -> None:
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_RENDERER_CLASSES[0] is JSONRenderer
