"""Knowledge base under /api/v1/ (included by aftersales/config/api.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
