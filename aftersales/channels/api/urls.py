"""This app's endpoints under /api/v1/ (included by aftersales/config/api.py)."""

from django.urls import URLPattern, URLResolver, path

from aftersales.channels.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("cti/calls/", views.CtiCallEventView.as_view(), name="cti-calls"),
    path("sms/inbound/", views.SmsInboundView.as_view(), name="sms-inbound"),
    path("cases/<str:number>/calls/", views.CaseCallListView.as_view(), name="case-calls"),
]
