"""This app's pages (included by aftersales/config/urls.py at /channels/)."""

from django.urls import URLPattern, URLResolver, path

from aftersales.channels import views

app_name = "channels"

urlpatterns: list[URLPattern | URLResolver] = [
    path("console/poll/", views.console_poll, name="console-poll"),
    path("calls/<int:pk>/dismiss/", views.call_dismiss_view, name="call-dismiss"),
    path("calls/<int:pk>/new-case/", views.call_new_case, name="call-new-case"),
    path("calls/<int:pk>/link/", views.call_link, name="call-link"),
    path("calls/<int:pk>/completed/", views.call_completed, name="call-completed"),
    path("console/cases/<str:number>/chat/", views.console_chat, name="console-chat"),
    path(
        "console/cases/<str:number>/chat/messages/",
        views.console_chat_messages,
        name="console-chat-messages",
    ),
    path(
        "console/cases/<str:number>/chat/send/",
        views.console_chat_send,
        name="console-chat-send",
    ),
    path("portal/chat/", views.portal_chat_start, name="portal-chat-start"),
    path("portal/cases/<str:number>/chat/", views.portal_chat, name="portal-chat"),
    path(
        "portal/cases/<str:number>/chat/messages/",
        views.portal_chat_messages,
        name="portal-chat-messages",
    ),
    path("portal/cases/<str:number>/chat/send/", views.portal_chat_send, name="portal-chat-send"),
]
