import datetime

import factory

from aftersales.catalog.choices import ServiceLevel, WarrantyStart
from aftersales.catalog.models import Asset, Contract, Product
from aftersales.customers.tests.factories import CustomerFactory


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"PRD-{n}")
    name = factory.Sequence(lambda n: f"核心交换机{n}")
    category = "network"


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    number = factory.Sequence(lambda n: f"CT-{n:04d}")
    customer = factory.SubFactory(CustomerFactory)
    service_level = ServiceLevel.STANDARD_5X8
    hardware_warranty_months = 12
    warranty_start = WarrantyStart.PURCHASE
    software_upgrade_months = 12
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2026, 12, 31)


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    product = factory.SubFactory(ProductFactory)
    customer = factory.SubFactory(CustomerFactory)
    contract = None
    purchase_date = datetime.date(2026, 1, 15)
