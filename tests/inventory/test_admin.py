"""The admin shows the ledger and balances read-only."""
from tests.factories import receive_spool


def test_ledger_is_visible_but_not_writable_in_the_admin(client, tenant, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    spool = receive_spool(tenant=tenant, by=admin_user)
    row = spool.transactions.get()
    client.force_login(admin_user)

    listing = client.get("/admin/inventory/inventorytransaction/")
    detail = client.get(f"/admin/inventory/inventorytransaction/{row.pk}/change/")
    add = client.get("/admin/inventory/inventorytransaction/add/")
    delete = client.post(f"/admin/inventory/inventorytransaction/{row.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200 and spool.item_type.name in listing.content.decode()
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    assert add.status_code == 403 and delete.status_code == 403
    assert spool.transactions.count() == 1
