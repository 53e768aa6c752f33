"""Knowledge base under /api/v1/ (included by aftersales/config/api.py)."""

from django.urls import URLPattern, URLResolver, path

from aftersales.knowledge.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("kb/articles/", views.ArticleListView.as_view(), name="kb-articles"),
    path("kb/articles/<int:pk>/", views.ArticleDetailView.as_view(), name="kb-article"),
    path(
        "kb/articles/<int:pk>/versions/",
        views.ArticleVersionsView.as_view(),
        name="kb-article-versions",
    ),
    path(
        "kb/articles/<int:pk>/rating/", views.ArticleRatingView.as_view(), name="kb-article-rating"
    ),
    path("kb/manuals/<slug:code>/pdf/", views.ManualPdfView.as_view(), name="kb-manual-pdf"),
    path("cases/<str:number>/articles/", views.CaseArticlesView.as_view(), name="case-articles"),
    path(
        "cases/<str:number>/articles/from-case/",
        views.CaseToArticleView.as_view(),
        name="case-to-article",
    ),
]
