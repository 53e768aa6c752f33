"""Form posts of the claim and quote panels (included at /warranty/)."""

from django.urls import path

from aftersales.warranty import views

app_name = "warranty"

urlpatterns = [
    path("cases/<str:number>/decide/", views.claim_decide, name="claim-decide"),
    path("cases/<str:number>/remedy-done/", views.remedy_done, name="remedy-done"),
    path("cases/<str:number>/quotes/", views.quote_create, name="quote-create"),
    path("quotes/<str:number>/<str:answer>/", views.quote_answer, name="quote-answer"),
]
