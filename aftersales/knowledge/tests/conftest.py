from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def make_article(agent) -> Callable[..., Any]:
    """Write an article through ``article_create`` (default: a published customer FAQ)."""
    from aftersales.knowledge.services import article_create

    def make(**kwargs: Any) -> Any:
        fields: dict[str, Any] = {
            "by": agent,
            "title": "打印机频繁卡纸怎么办",
            "category": "faq",
            "body": "检查纸盒导轨是否与纸张贴合。",
            "solution": "请取出纸盒，调整导轨后重新放入。",
            "audience": "customer",
            "status": "published",
        }
        fields.update(kwargs)
        return article_create(**fields)

    return make
