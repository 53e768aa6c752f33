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


def _reference_bigrams(text):
    """The definition, pair by pair: runs of word characters of the NFKC-normalised,
    case-folded text, underscores dropped from each run, every adjacent pair of each run."""
    import re
    import unicodedata

    grams = set()
    for run in re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()):
        run = run.replace("_", "")
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams


@given(
    st.text(
        alphabet=st.sampled_from(
            list("ab_ -.1２Ａ中文字。，：；！？（）＿…①㎏ﬁßẞİ\u0301\u00ad\u3000Éé") + ["\U0001f600"]
        ),
        max_size=40,
    )
    | st.text(max_size=40)
)
def test_bigrams_follow_the_definition(text):
    assert bigrams(text) == _reference_bigrams(text)
    assert document([text, text[:3]]) == " ".join(
        sorted(_reference_bigrams(text) | _reference_bigrams(text[:3]))
    )


def test_underscores_join_their_run_and_texts_already_normal_stay_as_they_are():
    assert bigrams("a_b c__d_") == {"ab", "cd"}
    assert bigrams("核心_交换") == {"核心", "心交", "交换"}
    assert bigrams("Ｓ９７００，端口") == {"s9", "97", "70", "00", "端口"}


def test_full_width_separators_between_any_neighbours_follow_the_definition():
    """The separators turned into spaces before NFKC (``_FULLWIDTH_SEPARATORS``) give the
    bigrams the definition gives, whatever stands next to them (letters, digits, underscores,
    combining and voicing marks, Hangul jamo, compatibility characters, each other)."""
    import re
    import unicodedata

    from aftersales.core.search import _FULLWIDTH_SEPARATORS

    separators = [chr(c) for c in range(0x2000, 0xFFFF) if _FULLWIDTH_SEPARATORS.match(chr(c))]
    assert "，" in separators
    assert "＿" not in separators
    for separator in separators:
        assert not re.search(r"\w", unicodedata.normalize("NFKC", separator))
    neighbours = [*"aZ1_ 中\u0301\u0308\u3099\u309a\u1161\u11a8가ｶﾞﾟ①㎏ＡＳ９＿", *separators]
    for separator in separators:
        for before in neighbours:
            for after in neighbours:
                text = before + separator + after
                assert bigrams(text) == _reference_bigrams(text), text
