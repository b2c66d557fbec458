from django.urls import path

from police import views

app_name = "signin"

urlpatterns = [
    path("", views.after_sign_in, name="landing"),
]
