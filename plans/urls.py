"""Plans pages (names in the ``plans`` namespace): ``/recipes/``, ``/plans/``, ``/plan-runs/``, ``/jobs/``.

Names start with ``recipe-``, ``plan-``, ``run-`` or ``job-`` so the sidebar marks the right section.
"""
from django.urls import path

from plans import recipe_views, views

app_name = "plans"

urlpatterns = [
    path("recipes/", recipe_views.recipe_list, name="recipe-list"),
    path("recipes/new/", recipe_views.recipe_create, name="recipe-create"),
    path("recipes/<int:pk>/", recipe_views.recipe_detail, name="recipe-detail"),
    path("recipes/<int:pk>/delete/", recipe_views.recipe_delete, name="recipe-delete"),
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/settings/", views.plan_settings, name="plan-settings"),
    path("plans/<int:pk>/delete/", views.plan_delete, name="plan-delete"),
    path("plans/<int:pk>/generate/", views.plan_generate, name="plan-generate"),
    path("plans/<int:pk>/steps/<int:step_pk>/", views.step_update, name="plan-step-update"),
    path("plans/<int:pk>/steps/<int:step_pk>/make/", views.step_make, name="plan-step-make"),
    path("plans/<int:pk>/steps/<int:step_pk>/remove/", views.step_remove, name="plan-step-remove"),
    path("plan-runs/", views.plan_run_list, name="run-list"),
    path("plan-runs/<int:pk>/", views.plan_run_detail, name="run-detail"),
    path("plan-runs/<int:pk>/cancel/", views.plan_run_cancel, name="run-cancel"),
    path("plan-runs/<int:pk>/delete/", views.plan_run_delete, name="run-delete"),
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/<int:pk>/cancel/", views.job_cancel, name="job-cancel"),
]
