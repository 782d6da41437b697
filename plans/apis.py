"""Plans API (``/api/v1/``): recipes. Thin views — parse, one service or selector, render."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from plans import selectors, services
from plans.models import Recipe
from plans.serializers import RecipeOutput, RecipeWriteInput
from prodtrack.api import TenantApiView
from prodtrack.models import Role


RECIPE_LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="Part of the recipe name."),
    OpenApiParameter("product", int, description="Recipes of this product."),
    OpenApiParameter("is_active", bool),
    OpenApiParameter("page", int),
    OpenApiParameter("page_size", int, description="Rows per page (default 20, at most 100)."),
]


class RecipeListApi(TenantApiView):
    """Recipes: a product's bill of materials and time per run. Managers create them."""

    write_role = Role.MANAGER

    @extend_schema(parameters=RECIPE_LIST_PARAMETERS, responses=RecipeOutput(many=True))
    def get(self, request):
        return self.paginate(selectors.recipe_list(tenant=request.tenant, filters=request.query_params), RecipeOutput)

    @extend_schema(request=RecipeWriteInput, responses={201: RecipeOutput})
    def post(self, request):
        data = self.validate(RecipeWriteInput)
        recipe = services.recipe_create(tenant=request.tenant, **data)
        return Response(RecipeOutput(selectors.recipe_get(tenant=request.tenant, pk=recipe.pk)).data,
                        status=status.HTTP_201_CREATED)


class RecipeDetailApi(TenantApiView):
    """One recipe. PUT and PATCH change the given fields; ``inputs``, when given, replaces the list."""

    write_role = Role.MANAGER
    url_kwarg_models = {"pk": Recipe}

    @extend_schema(responses=RecipeOutput)
    def get(self, request, pk):
        return Response(RecipeOutput(selectors.recipe_get(tenant=request.tenant, pk=pk)).data)

    @extend_schema(request=RecipeWriteInput, responses=RecipeOutput)
    def put(self, request, pk):
        recipe = self.get_object()
        data = self.validate(RecipeWriteInput)
        inputs = data.pop("inputs", None)
        services.recipe_update(recipe=recipe, data=data, inputs=inputs)
        return Response(RecipeOutput(selectors.recipe_get(tenant=request.tenant, pk=pk)).data)

    @extend_schema(request=RecipeWriteInput, responses=RecipeOutput)
    def patch(self, request, pk):
        return self.put(request, pk)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        services.recipe_delete(recipe=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
