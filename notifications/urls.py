"""The webhook Meta calls, at /whatsapp/webhook/ (outside the language prefixes)."""

from django.urls import path

from notifications import views

app_name = "whatsapp"

urlpatterns = [
    path("webhook/", views.webhook, name="webhook"),
]
