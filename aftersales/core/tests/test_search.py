from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.core.search import bigrams, document, query_grams


@pytest.mark.parametrize(
    ("text", "grams"),
    [
        ("打印机卡纸", {"打印", "印机", "机卡", "卡纸"}),
        ("SR-2026-000123", {"sr", "20", "02", "26", "00", "01", "12", "23"}),
        ("ＨＸ２４", {"hx", "x2", "24"}),  # full-width letters and digits are normalised
        ("a", set()),
        ("", set()),
        ("核心 交换机", {"核心", "交换", "换机"}),
    ],
)
def test_bigrams(text, grams):
    assert bigrams(text) == grams


def test_document_is_sorted_unique_and_limited():
    assert document(["打印机", None, "机卡"]) == "印机 打印 机卡"
    assert document(["abcdef"], limit=3) == "ab bc"


@given(
    st.text(min_size=2, max_size=30),
    st.text(min_size=0, max_size=30),
    st.text(min_size=0, max_size=30),
)
def test_a_text_containing_the_query_has_all_its_bigrams(query, before, after):
    # the index may only narrow, never lose a match
    text = before + query + after
    assert set(query_grams(query)) <= bigrams(text)
