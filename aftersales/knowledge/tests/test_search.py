"""Search: any 2+ character Chinese substring, English, ranking; the index is what narrows."""

from __future__ import annotations

import pytest
from django.db import connection

from aftersales.knowledge import selectors, services
from aftersales.knowledge.models import Article

pytestmark = pytest.mark.django_db


def _titles(qs):
    return [a.title for a in qs]


def test_every_two_character_substring_finds_the_article(make_article, agent):
    text = "激光打印机频繁卡纸"
    article = make_article(title="处理办法", body=f"现象：{text}。")
    make_article(title="无关", body="交换机端口掉线")
    everyone = selectors.article_visible(user=agent)
    for start in range(len(text) - 1):
        for end in range(start + 2, len(text) + 1):
            term = text[start:end]
            assert list(selectors.article_search(everyone, term)) == [article], term


def test_english_is_case_insensitive_and_needs_the_whole_term(make_article, agent):
    article = make_article(title="Printer Paper Jam", body="Open tray 2 and remove the sheet.")
    everyone = selectors.article_visible(user=agent)
    assert list(selectors.article_search(everyone, "paper jam")) == [article]
    assert list(selectors.article_search(everyone, "TRAY 2")) == [article]
    assert list(selectors.article_search(everyone, "jam paper")) == []
    # Same bigrams in another order are not a match: the exact check confirms.
    assert list(selectors.article_search(everyone, "卡纸打")) == []


def test_title_hits_rank_first_then_solved_cases(make_article, agent, make_case):
    body_only = make_article(title="纸盒导轨调整", body="解决卡纸问题")
    title_hit = make_article(title="卡纸的处理", body="见正文")
    helpful = make_article(title="其他故障汇总", body="包括卡纸")
    case = make_case()
    services.article_mark_solved(article=helpful, case=case, by=agent)
    everyone = selectors.article_visible(user=agent)
    assert list(selectors.article_search(everyone, "卡纸")) == [title_hit, helpful, body_only]


def test_edits_are_searchable_and_old_text_is_not(make_article, agent):
    article = make_article(body="旧的说明文字")
    everyone = selectors.article_visible(user=agent)
    assert list(selectors.article_search(everyone, "说明")) == [article]
    services.article_update(article=article, by=agent, body="新的处理步骤")
    assert list(selectors.article_search(everyone, "说明")) == []
    assert list(selectors.article_search(everyone, "步骤")) == [article]


def test_the_bigram_index_does_the_narrowing(make_article, agent):
    """A row whose stored bigrams lack the term is not found even though its text has it."""
    article = make_article(body="电源模块故障")
    Article.objects.filter(pk=article.pk).update(search_grams="")
    everyone = selectors.article_visible(user=agent)
    assert list(selectors.article_search(everyone, "电源")) == []
    # One character has no bigram: a plain scan, still found.
    assert list(selectors.article_search(everyone, "电")) == [article]
    Article.objects.filter(pk=article.pk).update(search_grams=services.search_document(article))
    assert list(selectors.article_search(everyone, "电源")) == [article]


def test_query_plan_uses_the_index(make_article, agent):
    make_article()
    qs = selectors.article_search(selectors.article_visible(user=agent), "卡纸")
    plan = qs.explain()
    if connection.vendor == "sqlite":
        assert "knowledge_article_fts" in plan
        assert "VIRTUAL TABLE" in plan
    else:
        # Tiny tables are scanned anyway; the GIN clause must be in the query itself.
        assert "string_to_array" in str(qs.query)


def test_suggestions_for_a_summary_typed_as_a_sentence(make_article, agent):
    wanted = make_article(title="打印机卡纸的处理")
    other = make_article(title="交换机端口掉线")
    everyone = selectors.article_visible(user=agent)
    assert selectors.article_suggest(everyone, "我们的打印机卡纸了") == [wanted]
    assert selectors.article_suggest(everyone, "核心交换机端口每小时掉线") == [other]
    assert selectors.article_suggest(everyone, "卡") == []
    assert selectors.article_suggest(everyone, "天气很好") == []
