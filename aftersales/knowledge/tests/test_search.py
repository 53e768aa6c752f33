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


def _expected(term, limit):
    """The full ranking, computed in Python: every article containing ``term``, title hits
    first, then solved cases, rating total, newest, id (all descending)."""
    needle = term.casefold()
    rows = [
        a
        for a in Article.objects.all()
        if needle in f"{a.title}\n{a.body}\n{a.solution}".casefold()
    ]
    rows.sort(
        key=lambda a: (
            needle in a.title.casefold(),
            a.solved_count,
            a.rating_sum,
            a.updated_at,
            a.pk,
        ),
        reverse=True,
    )
    return [a.pk for a in rows[:limit]]


@pytest.mark.parametrize("start", [3, 1000])
def test_common_terms_return_exactly_the_first_results_of_the_full_ranking(
    make_article, agent, monkeypatch, start
):
    """With tiny thresholds every path of the common-term search runs (the rank-order walk,
    its growth, title hits through the index, the fallback to a full ranking) and must give
    what ranking every match would."""
    import random

    rng = random.Random(7)
    words = ["打印机", "卡纸", "交换机", "掉线", "电源", "硬盘", "告警", "Firmware"]
    for i in range(60):
        title = rng.choice(words) + rng.choice(words) + ("卡纸" if i % 9 == 0 else "")
        body = "，".join(rng.choice(words) for _ in range(4)) + "。检查连接并重新上电。"
        make_article(title=title, body=body, solution="")
    for article in Article.objects.all():
        Article.objects.filter(pk=article.pk).update(
            solved_count=rng.choice([0, 0, 0, 1, 2]), rating_sum=rng.choice([0, 0, 4, 9])
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the planner's estimates decide what is huge
            cursor.execute("ANALYZE knowledge_article")
    monkeypatch.setattr(selectors, "COMMON_CANDIDATES", 3)
    monkeypatch.setattr(selectors, "WALK_START", start)
    monkeypatch.setattr(selectors, "WALK_MAX", 12)
    everyone = selectors.article_visible(user=agent)
    # Common in titles, common in bodies only (检查: never in a title), rare, absent.
    for term in ["卡纸", "打印机", "检查", "重新上电", "firmware", "电源硬盘", "天气"]:
        for limit in (1, 3, 5, 20):
            found = [a.pk for a in selectors.article_search(everyone, term, limit=limit)]
            assert found[:limit] == _expected(term, limit), (term, limit)
            assert len(found) >= min(limit, len(_expected(term, 100)))
    # A common term returns its first ``limit`` results only, not every match.
    assert len(_expected("检查", 100)) == 60
    assert selectors.article_search(everyone, "检查", limit=5).count() == 5
