"""Inspection evidence is checked by its bytes before anything is signed."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.inspection.models import Inspection, InspectionFile
from aftersales.inspection.tests.conftest import professional_checks
from aftersales.inspection.tests.test_api import BASE, do_initial, sign

pytestmark = pytest.mark.django_db

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def professional(client, delivery, products, upload):
    return client.post(
        f"{BASE}/deliveries/{delivery.pk}/professional/",
        {
            "data": json.dumps(sign({"checks": professional_checks(delivery, products)})),
            "photo": upload,
        },
        format="multipart",
    )


def test_a_program_named_jpg_is_refused_and_the_stage_stays_unsigned(
    client_for, delivery, agent, inspector, products
):
    do_initial(client_for(agent), delivery)
    signed = Inspection.objects.count()
    answer = professional(
        client_for(inspector), delivery, products, SimpleUploadedFile("photo.jpg", EXE)
    )
    assert answer.status_code == 400
    assert list(answer.json()) == ["files"]
    assert Inspection.objects.count() == signed
    assert InspectionFile.objects.count() == 0


def test_a_real_photo_is_kept(client_for, delivery, agent, inspector, products):
    do_initial(client_for(agent), delivery)
    answer = professional(
        client_for(inspector),
        delivery,
        products,
        SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0 jpeg", content_type="image/jpeg"),
    )
    assert answer.status_code == 201, answer.json()
    assert InspectionFile.objects.count() == 1
