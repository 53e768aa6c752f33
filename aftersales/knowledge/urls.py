"""Knowledge-base pages (included at /kb/)."""

from django.urls import URLPattern, URLResolver

app_name = "knowledge"

urlpatterns: list[URLPattern | URLResolver] = []
