from django.urls import path

from aftersales.console import views, views_coverage

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_new, name="case-new"),
    path("lookup/", views.lookup, name="lookup"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/reply/", views.case_reply, name="case-reply"),
    path("cases/<str:number>/transition/", views.case_transition, name="case-transition"),
    path("cases/<str:number>/update/", views.case_update, name="case-update"),
    path("cases/<str:number>/escalate/", views.case_escalate, name="case-escalate"),
    path("cases/<str:number>/attach/", views.case_attach, name="case-attach"),
    path("customers/<str:code>/", views.customer_detail, name="customer"),
    path("assets/<str:serial>/", views.asset_detail, name="asset"),
    path("assets/<str:serial>/extend/", views_coverage.asset_extend, name="asset-extend"),
    path("renewals/", views_coverage.renewals, name="renewals"),
    path("contracts/<str:number>/renew/", views_coverage.contract_renew, name="contract-renew"),
]
