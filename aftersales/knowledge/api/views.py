"""Knowledge base under /api/v1/ (see docs/API.md)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.catalog.models import Product
from aftersales.core.errors import ValidationFailed
from aftersales.knowledge import pdf, selectors, services
from aftersales.knowledge.api.serializers import (
    ArticleInputSerializer,
    ArticleSerializer,
    ArticleVersionSerializer,
    CaseLinkInputSerializer,
    CaseLinkSerializer,
    RatingInputSerializer,
)
from aftersales.knowledge.models import Article, Manual
from aftersales.warranty.selectors import case_visible

PAGE = 50


def _article(request: Request, pk: int) -> Article:
    article = selectors.article_get_visible(user=request.user, article_id=pk)
    if article is None:
        raise Http404
    return article


def _products(codes: list[str] | None) -> list[Product] | None:
    if codes is None:
        return None
    found = {p.code: p for p in Product.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationFailed(
            field="products",
            message=_("Unknown product: %(code)s") % {"code": missing[0]},
        )
    return [found[c] for c in codes]


class ArticleListView(APIView):
    """Search or list readable articles (``q``: any substring; ``category``, ``product``)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="kb_articles_list",
        responses=inline_serializer(
            "ArticleSearchResults", fields={"results": ArticleSerializer(many=True)}
        ),
    )
    def get(self, request: Request) -> Response:
        qs = selectors.article_visible(user=request.user)
        if category := request.query_params.get("category"):
            qs = qs.filter(category=category)
        if product := request.query_params.get("product"):
            qs = qs.filter(products__code=product)
        qs = selectors.article_search(qs, request.query_params.get("q", ""), limit=PAGE)
        rows = qs.prefetch_related("products")[:PAGE]
        return Response({"results": ArticleSerializer(rows, many=True).data})

    @extend_schema(request=ArticleInputSerializer, responses={201: ArticleSerializer})
    def post(self, request: Request) -> Response:
        data = ArticleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields: dict[str, Any] = dict(data.validated_data)
        fields["products"] = _products(fields.pop("products", None)) or []
        article = services.article_create(by=request.user, **fields)
        return Response(ArticleSerializer(article).data, status=status.HTTP_201_CREATED)


class ArticleDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ArticleSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ArticleSerializer(_article(request, pk)).data)

    @extend_schema(request=ArticleInputSerializer, responses=ArticleSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        article = _article(request, pk)
        data = ArticleInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields: dict[str, Any] = dict(data.validated_data)
        products = _products(fields.pop("products", None))
        article = services.article_update(
            article=article, by=request.user, products=products, **fields
        )
        return Response(ArticleSerializer(article).data)


class ArticleVersionsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ArticleVersionSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        article = _article(request, pk)
        if not selectors.is_staff_reader(request.user):
            raise Http404
        rows = selectors.article_versions(article=article)
        return Response({"results": ArticleVersionSerializer(rows, many=True).data})


class ArticleRatingView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RatingInputSerializer, responses=ArticleSerializer)
    def post(self, request: Request, pk: int) -> Response:
        article = _article(request, pk)
        data = RatingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.article_rate(article=article, by=request.user, **data.validated_data)
        article.refresh_from_db()
        return Response(ArticleSerializer(article).data)


class CaseArticlesView(APIView):
    """Articles linked to a case; POST links one (``solved``: it solved the case)."""

    permission_classes = [IsAuthenticated]

    def _case(self, request: Request, number: str) -> Any:
        case = case_visible(user=request.user, number=number)
        if case is None or not selectors.is_staff_reader(request.user):
            raise Http404
        return case

    @extend_schema(
        operation_id="cases_articles_list",
        responses=inline_serializer(
            "CaseArticleLinks", fields={"results": CaseLinkSerializer(many=True)}
        ),
    )
    def get(self, request: Request, number: str) -> Response:
        case = self._case(request, number)
        rows = selectors.case_article_links(case=case)
        return Response({"results": CaseLinkSerializer(rows, many=True).data})

    @extend_schema(request=CaseLinkInputSerializer, responses={201: CaseLinkSerializer})
    def post(self, request: Request, number: str) -> Response:
        case = self._case(request, number)
        data = CaseLinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        article = selectors.article_get_visible(
            user=request.user, article_id=data.validated_data["article"]
        )
        if article is None:
            raise ValidationFailed(field="article", message=_("No such article."))
        if data.validated_data["solved"]:
            link = services.article_mark_solved(article=article, case=case, by=request.user)
        else:
            link = services.article_link_case(article=article, case=case, by=request.user)
        return Response(CaseLinkSerializer(link).data, status=status.HTTP_201_CREATED)


class CaseToArticleView(APIView):
    """Turn a resolved case into a draft article."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={201: ArticleSerializer})
    def post(self, request: Request, number: str) -> Response:
        case = case_visible(user=request.user, number=number)
        if case is None:
            raise Http404
        article = services.article_from_case(case=case, by=request.user)
        return Response(ArticleSerializer(article).data, status=status.HTTP_201_CREATED)


class ManualPdfView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request: Request, code: str) -> HttpResponse:
        manual = Manual.objects.filter(code=code).first()
        if manual is None:
            raise Http404
        return pdf.manual_pdf_response(manual, user=request.user)
