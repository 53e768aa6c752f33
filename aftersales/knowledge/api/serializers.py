from __future__ import annotations

from rest_framework import serializers

from aftersales.knowledge.choices import ArticleAudience, ArticleCategory, ArticleStatus
from aftersales.knowledge.models import Article, ArticleCaseLink, ArticleVersion


class ArticleSerializer(serializers.ModelSerializer):
    products = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    rating_average = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "category",
            "audience",
            "status",
            "body",
            "solution",
            "products",
            "version",
            "published_at",
            "created_at",
            "updated_at",
            "solved_count",
            "rating_count",
            "rating_average",
        ]


class ArticleInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    category = serializers.ChoiceField(choices=ArticleCategory.choices)
    audience = serializers.ChoiceField(choices=ArticleAudience.choices, required=False)
    status = serializers.ChoiceField(choices=ArticleStatus.choices, required=False)
    body = serializers.CharField(required=False, allow_blank=True)
    solution = serializers.CharField(required=False, allow_blank=True)
    products = serializers.ListField(child=serializers.CharField(), required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ArticleVersionSerializer(serializers.ModelSerializer):
    changed_by = serializers.CharField(source="changed_by.username")

    class Meta:
        model = ArticleVersion
        fields = [
            "number",
            "title",
            "category",
            "audience",
            "status",
            "body",
            "solution",
            "changed_fields",
            "note",
            "changed_by",
            "changed_at",
        ]


class RatingInputSerializer(serializers.Serializer):
    stars = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class CaseLinkInputSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    solved = serializers.BooleanField(required=False, default=False)


class CaseLinkSerializer(serializers.ModelSerializer):
    article_title = serializers.CharField(source="article.title")

    class Meta:
        model = ArticleCaseLink
        fields = ["article", "article_title", "linked_at", "solved", "solved_at"]
