"""Knowledge-base pages (included at /kb/)."""

from django.urls import URLPattern, URLResolver, path

from aftersales.knowledge import views

app_name = "knowledge"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.article_list, name="articles"),
    path("suggest/", views.suggest, name="suggest"),
    path("<int:pk>/", views.article_detail, name="article"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("case/<str:number>/search/", views.case_search, name="case-search"),
    path("case/<str:number>/from-case/", views.case_to_article, name="case-to-article"),
    path("case/<str:number>/<int:pk>/link/", views.case_link, name="case-link"),
    path("case/<str:number>/<int:pk>/insert/", views.case_insert, name="case-insert"),
]
