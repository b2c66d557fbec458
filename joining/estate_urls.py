from django.urls import path

from joining import estate_views as views

app_name = "estate"

urlpatterns = [
    path("", views.start, name="start"),
    path("templat.xlsx", views.template_file, {"fmt": "xlsx"}, name="template-xlsx"),
    path("templat.csv", views.template_file, {"fmt": "csv"}, name="template-csv"),
    path("impor/<int:job_id>/", views.job, name="job"),
    path("impor/<int:job_id>/simpan/", views.job_confirm, name="job-confirm"),
    path("impor/<int:job_id>/ulang/", views.job_retry, name="job-retry"),
    path("impor/<int:job_id>/kesalahan.xlsx", views.job_errors, name="job-errors"),
    path("pemilik/<int:owner_id>/", views.dashboard, name="dashboard"),
    path("pemilik/<int:owner_id>/aksi/", views.dashboard_action, name="dashboard-action"),
]
