from django.urls import path

from plans import apis

urlpatterns = [
    path("recipes", apis.RecipeListApi.as_view(), name="recipe-list"),
    path("recipes/<int:pk>", apis.RecipeDetailApi.as_view(), name="recipe-detail"),
]
