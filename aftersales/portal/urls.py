from django.urls import path

from aftersales.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("requests/new/", views.request_new, name="request-new"),
    path("assets/", views.assets, name="assets"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/reply/", views.case_reply, name="case-reply"),
    path("cases/<str:number>/confirm/", views.case_confirm, name="case-confirm"),
    path("cases/<str:number>/reopen/", views.case_reopen, name="case-reopen"),
    path("cases/<str:number>/escalate/", views.case_escalate, name="case-escalate"),
    path("cases/<str:number>/rating/", views.case_rating, name="case-rating"),
]
