"""Inventory API (``/api/v1/``): thin views — parse, one service or selector, render."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from inventory import gcode_match, selectors, services
from inventory.filters import (
    InventoryTransactionFilter,
    ItemTypeFilter,
    LocationFilter,
    SpoolFilter,
    StockBalanceFilter,
    WorkstationFilter,
)
from inventory.models import InventoryTransaction, ItemType, Location, Spool, Workstation
from inventory.serializers import (
    InventoryTransactionOutput,
    ItemTypeInput,
    ItemTypeOutput,
    LocationInput,
    LocationOutput,
    NoteInput,
    SpoolAdjustInput,
    SpoolOutput,
    SpoolReceiveInput,
    SpoolUpdateInput,
    StockAdjustInput,
    StockBalanceOutput,
    StockShipInput,
    StockTransferInput,
    WorkstationInput,
    WorkstationOutput,
)
from prodtrack.api import TenantApiView, TenantFilteredListApi
from prodtrack.idempotency import idempotent
from prodtrack.models import Role

# --- item types ------------------------------------------------------------------------------

class ItemTypeListApi(TenantFilteredListApi):
    write_role = Role.MANAGER

    @extend_schema(filters=True, responses=ItemTypeOutput(many=True))
    def get(self, request):
        return self.paginate(selectors.item_type_list(tenant=request.tenant, filters=request.query_params),
                             ItemTypeOutput)

    @extend_schema(request=ItemTypeInput, responses={201: ItemTypeOutput})
    def post(self, request):
        item_type = services.item_type_create(tenant=request.tenant, **self.validate(ItemTypeInput))
        return Response(ItemTypeOutput(item_type).data, status=status.HTTP_201_CREATED)

    filterset_class = ItemTypeFilter


class ItemTypeDetailApi(TenantApiView):
    write_role = Role.MANAGER
    url_kwarg_models = {"pk": ItemType}

    @extend_schema(responses=ItemTypeOutput)
    def get(self, request, pk):
        return Response(ItemTypeOutput(self.get_object()).data)

    @extend_schema(request=ItemTypeInput, responses=ItemTypeOutput)
    def put(self, request, pk):
        item_type = self.get_object()
        return Response(ItemTypeOutput(services.item_type_update(
            item_type=item_type, data=self.validate(ItemTypeInput))).data)

    patch = put

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        """Delete an item type nothing uses; 409 (``in_use``) says what uses it."""
        services.item_type_delete(item_type=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- locations -------------------------------------------------------------------------------

class LocationListApi(TenantFilteredListApi):
    write_role = Role.MANAGER
    filterset_class = LocationFilter

    @extend_schema(filters=True, responses=LocationOutput(many=True))
    def get(self, request):
        return self.paginate(selectors.location_list(tenant=request.tenant, filters=request.query_params),
                             LocationOutput)

    @extend_schema(request=LocationInput, responses={201: LocationOutput})
    def post(self, request):
        location = services.location_create(tenant=request.tenant, **self.validate(LocationInput))
        return Response(LocationOutput(location).data, status=status.HTTP_201_CREATED)


class LocationDetailApi(TenantApiView):
    write_role = Role.MANAGER
    url_kwarg_models = {"pk": Location}

    @extend_schema(responses=LocationOutput)
    def get(self, request, pk):
        return Response(LocationOutput(self.get_object()).data)

    @extend_schema(request=LocationInput, responses=LocationOutput)
    def put(self, request, pk):
        location = self.get_object()
        return Response(LocationOutput(services.location_update(
            location=location, data=self.validate(LocationInput))).data)

    patch = put

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        """Delete a location nothing uses; 409 (``in_use``) says what uses it."""
        services.location_delete(location=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- workstations ----------------------------------------------------------------------------

class WorkstationListApi(TenantFilteredListApi):
    write_role = Role.MANAGER
    filterset_class = WorkstationFilter

    @extend_schema(filters=True, responses=WorkstationOutput(many=True))
    def get(self, request):
        return self.paginate(selectors.workstation_list(tenant=request.tenant, filters=request.query_params),
                             WorkstationOutput)

    @extend_schema(request=WorkstationInput, responses={201: WorkstationOutput})
    def post(self, request):
        workstation = services.workstation_create(tenant=request.tenant, **self.validate(WorkstationInput))
        return Response(WorkstationOutput(workstation).data, status=status.HTTP_201_CREATED)


class WorkstationDetailApi(TenantApiView):
    write_role = Role.MANAGER
    url_kwarg_models = {"pk": Workstation}

    @extend_schema(responses=WorkstationOutput)
    def get(self, request, pk):
        return Response(WorkstationOutput(self.get_object(queryset=selectors.workstation_list(
            tenant=request.tenant))).data)

    @extend_schema(request=WorkstationInput, responses=WorkstationOutput)
    def put(self, request, pk):
        workstation = self.get_object()
        return Response(WorkstationOutput(services.workstation_update(
            workstation=workstation, data=self.validate(WorkstationInput))).data)

    patch = put


# --- spools ----------------------------------------------------------------------------------

class SpoolListApi(TenantFilteredListApi):
    filterset_class = SpoolFilter

    @extend_schema(filters=True, responses=SpoolOutput(many=True))
    def get(self, request):
        return self.paginate(selectors.spool_list(tenant=request.tenant, filters=request.query_params), SpoolOutput)

    @extend_schema(request=SpoolReceiveInput, responses={201: SpoolOutput}, summary="Receive a spool")
    @idempotent
    def post(self, request):
        spool = services.spool_receive(tenant=request.tenant, by=request.user, **self.validate(SpoolReceiveInput))
        return Response(SpoolOutput(selectors.spool_get(tenant=request.tenant, pk=spool.pk)).data,
                        status=status.HTTP_201_CREATED)


class SpoolDetailApi(TenantApiView):
    url_kwarg_models = {"pk": Spool}

    @extend_schema(responses=SpoolOutput)
    def get(self, request, pk):
        return Response(SpoolOutput(selectors.spool_get(tenant=request.tenant, pk=pk)).data)

    @extend_schema(request=SpoolUpdateInput, responses=SpoolOutput)
    def patch(self, request, pk):
        spool = self.get_object()
        services.spool_update(spool=spool, data=self.validate(SpoolUpdateInput))
        return Response(SpoolOutput(selectors.spool_get(tenant=request.tenant, pk=pk)).data)


class SpoolAdjustApi(TenantApiView):
    url_kwarg_models = {"pk": Spool}

    @extend_schema(request=SpoolAdjustInput, responses=SpoolOutput,
                   summary="Weigh a spool and adjust the books to the scale")
    def post(self, request, pk):
        spool = self.get_object()
        spool = services.spool_adjust(spool=spool, by=request.user, **self.validate(SpoolAdjustInput))
        return Response(SpoolOutput(spool).data)


class SpoolArchiveApi(TenantApiView):
    url_kwarg_models = {"pk": Spool}

    @extend_schema(request=None, responses=SpoolOutput)
    def post(self, request, pk):
        spool = services.spool_archive(spool=self.get_object(), by=request.user)
        return Response(SpoolOutput(selectors.spool_get(tenant=request.tenant, pk=spool.pk)).data)


class SpoolMarkEmptyApi(TenantApiView):
    url_kwarg_models = {"pk": Spool}

    @extend_schema(request=NoteInput, responses=SpoolOutput)
    def post(self, request, pk):
        spool = self.get_object()
        spool = services.spool_mark_empty(spool=spool, by=request.user, **self.validate(NoteInput))
        return Response(SpoolOutput(spool).data)


# --- ledger and stock ------------------------------------------------------------------------

class TransactionListApi(TenantFilteredListApi):
    filterset_class = InventoryTransactionFilter

    @extend_schema(filters=True, responses=InventoryTransactionOutput(many=True))
    def get(self, request):
        return self.paginate(selectors.transaction_list(tenant=request.tenant, filters=request.query_params),
                             InventoryTransactionOutput)


class TransactionDetailApi(TenantApiView):
    url_kwarg_models = {"pk": InventoryTransaction}

    @extend_schema(responses=InventoryTransactionOutput)
    def get(self, request, pk):
        return Response(InventoryTransactionOutput(
            self.get_object(queryset=selectors.transaction_list(tenant=request.tenant))).data)


class TransactionReverseApi(TenantApiView):
    write_role = Role.MANAGER
    url_kwarg_models = {"pk": InventoryTransaction}

    @extend_schema(request=NoteInput, responses={201: InventoryTransactionOutput},
                   summary="Reverse a ledger row (once)")
    def post(self, request, pk):
        row = self.get_object()
        reversal = services.inventory_transaction_reverse(transaction_row=row, by=request.user,
                                                          **self.validate(NoteInput))
        return Response(InventoryTransactionOutput(
            selectors.transaction_list(tenant=request.tenant).get(pk=reversal.pk)).data,
            status=status.HTTP_201_CREATED)


class StockListApi(TenantFilteredListApi):
    filterset_class = StockBalanceFilter

    @extend_schema(filters=True, responses=StockBalanceOutput(many=True), summary="Stock on hand")
    def get(self, request):
        return self.paginate(selectors.stock_list(tenant=request.tenant, filters=request.query_params),
                             StockBalanceOutput)


class StockAdjustApi(TenantApiView):
    write_role = Role.MANAGER

    @extend_schema(request=StockAdjustInput, responses={201: InventoryTransactionOutput},
                   summary="Adjust the stock of a product or component")
    def post(self, request):
        row = services.stock_adjust(tenant=request.tenant, by=request.user, **self.validate(StockAdjustInput))
        return Response(InventoryTransactionOutput(
            selectors.transaction_list(tenant=request.tenant).get(pk=row.pk)).data, status=status.HTTP_201_CREATED)


class StockTransferApi(TenantApiView):
    """Move products or components between two locations: a linked pair of ``transfer`` ledger rows
    per item (out at ``origin``, in at ``destination``). 409 ``stock_short`` when the origin holds
    less than an item needs (``extra``: item_type_id, location_id, on_hand, needed); nothing moves
    then. Materials move as spools. Operators."""

    write_role = Role.OPERATOR

    @extend_schema(request=StockTransferInput, responses={201: InventoryTransactionOutput(many=True)},
                   summary="Transfer stock between locations")
    def post(self, request):
        rows = services.stock_transfer(tenant=request.tenant, by=request.user, **self.validate(StockTransferInput))
        return _ledger_rows(request, rows)


class StockShipApi(TenantApiView):
    """Ship products or components to a customer: one ``shipment`` ledger row per item at
    ``location``. 409 ``stock_short`` as for a transfer. Operators."""

    write_role = Role.OPERATOR

    @extend_schema(request=StockShipInput, responses={201: InventoryTransactionOutput(many=True)},
                   summary="Ship stock to a customer")
    def post(self, request):
        rows = services.stock_ship(tenant=request.tenant, by=request.user, **self.validate(StockShipInput))
        return _ledger_rows(request, rows)


def _ledger_rows(request, rows: list[InventoryTransaction]) -> Response:
    """The rows a stock move wrote, as the ledger lists them (201; two queries whatever their number)."""
    written = selectors.transaction_list(tenant=request.tenant).filter(pk__in=[row.pk for row in rows]).order_by("pk")
    return Response(InventoryTransactionOutput(written, many=True).data, status=status.HTTP_201_CREATED)


# --- slicer-file uploads (the runs and plans APIs that read G-code) ----------------------------

class GcodeUploadApi(TenantApiView):
    """Base of the APIs that take a slicer file as ``multipart/form-data`` (the G-code estimate, a
    recipe from G-code): a request whose ``Content-Length`` cannot hold a file within the parser's
    limit is refused with 400 (``extra.rule`` ``too_large``) before Django reads the body."""

    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        too_large = gcode_match.gcode_upload_too_large(request.META.get("CONTENT_LENGTH"))
        if too_large is not None:  # refused before Django reads (and spools to disk) the body
            raise too_large
        super().initial(request, *args, **kwargs)
