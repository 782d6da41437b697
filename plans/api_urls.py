from django.urls import path

from plans import apis

# Literal segments ("from-gcode", "runs", "by-product") never clash with <int:pk>: the int converter does not
# match them.
urlpatterns = [
    path("recipes", apis.RecipeListApi.as_view(), name="recipe-list"),
    path("recipes/from-gcode", apis.RecipeFromGcodeApi.as_view(), name="recipe-from-gcode"),
    path("recipes/<int:pk>", apis.RecipeDetailApi.as_view(), name="recipe-detail"),
    path("plans", apis.PlanListApi.as_view(), name="plan-list"),
    path("plans/runs", apis.AllPlanRunListApi.as_view(), name="plan-run-list-all"),
    path("plans/runs/<int:run_id>/cancel", apis.PlanRunCancelApi.as_view(), name="plan-run-cancel"),
    path("plans/by-product/<int:item_type_id>", apis.PlanByProductApi.as_view(), name="plan-by-product"),
    path("plans/<int:pk>", apis.PlanDetailApi.as_view(), name="plan-detail"),
    path("plans/<int:pk>/steps", apis.PlanStepListApi.as_view(), name="plan-step-list"),
    path("plans/<int:pk>/steps/<int:step_id>", apis.PlanStepDetailApi.as_view(), name="plan-step-detail"),
    path("plans/<int:pk>/generate", apis.PlanGenerateApi.as_view(), name="plan-generate"),
    path("plans/<int:pk>/preview", apis.PlanPreviewApi.as_view(), name="plan-preview"),
    path("plans/<int:pk>/runs", apis.PlanRunListApi.as_view(), name="plan-run-list"),
    path("plans/<int:pk>/runs/<int:run_id>", apis.PlanRunDetailApi.as_view(), name="plan-run-detail"),
    path("jobs", apis.JobListApi.as_view(), name="job-list"),
    path("jobs/<int:pk>", apis.JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<int:pk>/cancel", apis.JobCancelApi.as_view(), name="job-cancel"),
    path("transport-jobs", apis.TransportJobListApi.as_view(), name="transport-job-list"),
    path("transport-jobs/<int:pk>", apis.TransportJobDetailApi.as_view(), name="transport-job-detail"),
    path("transport-jobs/<int:pk>/status", apis.TransportJobStatusApi.as_view(), name="transport-job-status"),
]
