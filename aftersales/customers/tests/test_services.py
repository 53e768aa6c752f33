def test_unassigned_customer_is_created_once_and_reused(db):
    from aftersales.customers.models import Customer
    from aftersales.customers.services import UNASSIGNED_CODE, customer_unassigned

    first = customer_unassigned()
    assert first.code == UNASSIGNED_CODE
    assert first.region.code == UNASSIGNED_CODE
    assert customer_unassigned().pk == first.pk
    assert Customer.objects.filter(code=UNASSIGNED_CODE).count() == 1
