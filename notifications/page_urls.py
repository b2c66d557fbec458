"""Pages people read, under /saya/whatsapp/ (and /en/saya/whatsapp/)."""

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.opt_in, name="opt-in"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:message_id>/ulang/", views.outbox_retry, name="outbox-retry"),
]
