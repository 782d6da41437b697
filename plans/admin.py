"""Django admin for recipes (staff tooling across tenants; every list shows and filters the tenant).

Recipes hold no stock, so they are editable here; the forms refuse a product or input that
belongs to another tenant than the recipe's.
"""
from django import forms
from django.contrib import admin

from plans.models import Recipe, RecipeInput


class RecipeInputFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        tenant_id = self.instance.tenant_id
        for form in self.forms:
            data = getattr(form, "cleaned_data", {})
            item_type = data.get("item_type")
            if item_type and tenant_id and item_type.tenant_id != tenant_id and not data.get("DELETE"):
                raise forms.ValidationError(f"{item_type.name} belongs to another tenant than the recipe.")


class RecipeInputInline(admin.TabularInline):
    model = RecipeInput
    formset = RecipeInputFormSet
    extra = 1
    autocomplete_fields = ["item_type"]


class RecipeForm(forms.ModelForm):
    class Meta:
        model = Recipe
        fields = ["tenant", "name", "product", "output_quantity", "duration_s", "activity", "is_active", "notes"]

    def clean(self):
        cleaned = super().clean()
        tenant, product = cleaned.get("tenant"), cleaned.get("product")
        if tenant and product and product.tenant_id != tenant.pk:
            self.add_error("product", "belongs to another tenant.")
        return cleaned


@admin.register(Recipe)
class RecipeAdmin(admin.ModelAdmin):
    form = RecipeForm
    list_display = ["name", "product", "output_quantity", "duration_s", "activity", "is_active", "tenant"]
    list_filter = ["tenant", "is_active", "activity"]
    search_fields = ["name", "product__name"]
    list_select_related = ["tenant", "product"]
    autocomplete_fields = ["product"]
    readonly_fields = ["created_at"]
    inlines = [RecipeInputInline]
