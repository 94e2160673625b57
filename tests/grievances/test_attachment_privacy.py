"""An attachment says nothing about who sent it: no uploaded name ("张伟-身份证.pdf"),
no EXIF position, no PNG Author; pages that show cases are never cached."""

import struct
import zlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from grievances.models import Attachment, Grievance
from tests.factories import CategoryFactory, GrievanceFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj\n<< /Author (Zhang Wei) >>\nendobj\n"
# 31°14'23.45" N, as EXIF stores it: three big-endian rationals.
LATITUDE = struct.pack(">6I", 31, 1, 14, 1, 2345, 100)
SCAN = b"\x12\x34\xff\x00\x56\xff\xd0\x78\x9a"  # entropy-coded bytes, a stuffed FF, a restart


def _segment(marker, payload):
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _ifd(entries, next_offset=0):
    body = struct.pack(">H", len(entries))
    for tag, kind, count, value in entries:
        body += struct.pack(">HHI", tag, kind, count) + value.ljust(4, b"\x00")
    return body + struct.pack(">I", next_offset)


def jpeg_with_gps_and_author():
    """A phone photo's layout: JFIF, EXIF (orientation 6, a GPS block), XMP with the
    author, a comment, the image segments, the scan, the end, then a trailer."""
    gps_at, latitude_at = 8 + 30, 8 + 30 + 30
    tiff = b"MM\x00*" + struct.pack(">I", 8)
    tiff += _ifd([(0x0112, 3, 1, struct.pack(">H", 6)), (0x8825, 4, 1, struct.pack(">I", gps_at))])
    tiff += _ifd([(0x0001, 2, 2, b"N\x00"), (0x0002, 5, 3, struct.pack(">I", latitude_at))])
    tiff += LATITUDE
    xmp = (
        b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><dc:creator>Zhang Wei</dc:creator></x:xmpmeta>"
    )
    return (
        b"\xff\xd8"
        + _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + _segment(0xE1, b"Exif\x00\x00" + tiff)
        + _segment(0xE1, xmp)
        + _segment(0xED, b"Photoshop 3.0\x008BIM Zhang Wei")
        + _segment(0xFE, b"taken by Zhang Wei")
        + _segment(0xDB, b"\x00" + bytes(range(64)))
        + _segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
        + _segment(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00")
        + _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + SCAN
        + b"\xff\xd9"
        + b"MotionPhoto_Data Zhang Wei"
    )


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_author():
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # one red pixel
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + _chunk(b"tEXt", b"Author\x00Zhang Wei")
        + _chunk(b"iTXt", b"Comment\x00\x00\x00\x00\x00at home")
        + _chunk(b"eXIf", b"MM\x00*" + LATITUDE)
        + _chunk(b"tIME", struct.pack(">HBBBBB", 2026, 3, 4, 14, 37, 0))
        + _chunk(b"pHYs", struct.pack(">IIB", 2835, 2835, 1))
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


@pytest.fixture
def category(branch, people):
    return CategoryFactory(branch=branch, name="工作环境", default_assignee=people["officer"])


def _file(client, category, files, confidentiality="anonymous"):
    return client.post(
        reverse("grievances:file"),
        {"kind": "grievance", "category": category.pk, "subject": "宿舍漏水",
         "description": "照片为证。", "confidentiality": confidentiality, "attachments": files},
    )  # fmt: skip


def test_photos_are_stored_without_their_metadata_and_files_without_their_names(
    client, people, category
):
    client.force_login(people["member"])
    form_page = client.get(reverse("grievances:file")).content.decode()
    assert 'data-testid="attachment-warning"' in form_page and "PDF" in form_page
    response = _file(client, category, [
        SimpleUploadedFile("张伟-身份证.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("张伟-现场.jpg", jpeg_with_gps_and_author(), content_type="image/jpeg"),
        SimpleUploadedFile("张伟-截图.png", png_with_author(), content_type="image/png"),
    ])  # fmt: skip
    assert response.status_code == 200 and "receipt" in response.context
    pdf, jpeg, png = Attachment.objects.order_by("number")
    assert [a.number for a in (pdf, jpeg, png)] == [1, 2, 3]

    stored_jpeg = jpeg.file.read()
    assert stored_jpeg.startswith(b"\xff\xd8\xff") and stored_jpeg.endswith(b"\xff\xd9")
    assert LATITUDE not in stored_jpeg and b"Zhang" not in stored_jpeg
    assert b"xmpmeta" not in stored_jpeg and b"8BIM" not in stored_jpeg
    assert b"MotionPhoto" not in stored_jpeg  # nothing after the end of the image
    assert SCAN in stored_jpeg and b"JFIF\x00" in stored_jpeg  # the pixels, untouched
    # The orientation alone survives, so the photo stays upright.
    assert (
        b"Exif\x00\x00MM\x00*" in stored_jpeg
        and b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06" in stored_jpeg
    )
    assert jpeg.size == len(stored_jpeg)

    stored_png = png.file.read()
    assert stored_png.startswith(b"\x89PNG\r\n\x1a\n")
    for kind in (b"tEXt", b"iTXt", b"eXIf", b"tIME"):
        assert kind not in stored_png
    assert b"Zhang" not in stored_png and LATITUDE not in stored_png
    assert stored_png == (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + _chunk(b"pHYs", struct.pack(">IIB", 2835, 2835, 1))
        + _chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + _chunk(b"IEND", b"")
    )
    assert pdf.file.read() == PDF  # a PDF is kept as sent: the form warns about its author

    # Nothing holds the uploaded names: not the rows, not the storage paths.
    for attachment in (pdf, jpeg, png):
        row = Attachment.objects.filter(pk=attachment.pk).values().get()
        assert "张伟" not in str(row) and "张伟" not in attachment.file.name
    grievance = Grievance.objects.get()
    client.force_login(people["officer"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("grievances:detail", args=[grievance.pk])).content.decode()
    assert "张伟" not in page
    assert "Attachment 1.pdf" in page and "Attachment 2.jpg" in page and "Attachment 3.png" in page
    download = client.get(reverse("grievances:attachment", args=[jpeg.token]))
    assert download["Content-Disposition"] == 'attachment; filename="Attachment 2.jpg"'
    assert "张伟" not in download["Content-Disposition"]
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("grievances:detail", args=[grievance.pk])).content.decode()
    assert "附件 1.pdf" in page


def test_attachments_are_numbered_per_case_across_steps(client, people, category):
    grievance = GrievanceFactory(
        category=category, assignee=people["officer"],
        filer=people["member"], filer_member=people["member"].member,
    )  # fmt: skip
    client.force_login(people["member"])
    action = reverse("grievances:action", args=[grievance.pk, "message"])
    client.post(action, {"text": "一", "attachments": [SimpleUploadedFile("a.pdf", PDF)]})
    client.force_login(people["officer"])
    client.post(
        reverse("grievances:action", args=[grievance.pk, "note"]),
        {"text": "二", "attachments": [SimpleUploadedFile("b.pdf", PDF)]},
    )
    other = GrievanceFactory(category=category, assignee=people["officer"])
    client.post(
        reverse("grievances:action", args=[other.pk, "reply"]),
        {"text": "三", "attachments": [SimpleUploadedFile("c.pdf", PDF)]},
    )
    assert list(grievance.attachments.order_by("number").values_list("number", flat=True)) == [
        1,
        2,
    ]
    assert list(other.attachments.values_list("number", flat=True)) == [1]


def test_a_broken_image_is_refused_with_a_message_and_nothing_is_filed(client, people, category):
    client.force_login(people["member"])
    client.cookies["django_language"] = "en"
    cut = jpeg_with_gps_and_author()[:60]  # cut inside the EXIF segment
    response = _file(client, category, [SimpleUploadedFile("x.jpg", cut)])
    assert "could not be read as an image" in response.content.decode()
    assert not Grievance.objects.exists()


def _no_store(response):
    value = response.get("Cache-Control", "")
    return "no-store" in value and "private" in value


def test_case_pages_receipts_and_personal_data_are_never_cached(client, people, category):
    client.force_login(people["member"])
    assert _no_store(client.get(reverse("grievances:file")))
    filed = _file(client, category, [SimpleUploadedFile("a.pdf", PDF)])
    assert _no_store(filed)  # the receipt page
    grievance = Grievance.objects.get()
    token = Attachment.objects.get().token
    assert _no_store(client.get(reverse("grievances:detail", args=[grievance.pk])))
    assert _no_store(client.get(reverse("grievances:attachment", args=[token])))
    assert _no_store(client.get(reverse("members:my_data")))
    assert _no_store(client.get(reverse("members:me")))
    # A browser following the case with its cookie alone, and the receipt look-up.
    follower = Client()
    follower.cookies[settings.GRIEVANCE_FOLLOW_COOKIE] = filed.cookies[
        settings.GRIEVANCE_FOLLOW_COOKIE
    ].value
    assert follower.get(reverse("grievances:detail", args=[grievance.pk])).status_code == 200
    assert _no_store(follower.get(reverse("grievances:detail", args=[grievance.pk])))
    assert _no_store(follower.get(reverse("grievances:attachment", args=[token])))
    stranger = Client()
    assert _no_store(stranger.get(reverse("grievances:lookup")))
    found = stranger.post(reverse("grievances:lookup"), {"code": filed.context["receipt"]})
    assert found.status_code == 302 and _no_store(found)
    # A public page to a visitor without an account or a case stays cacheable.
    assert "no-store" not in Client().get(reverse("core:floor")).get("Cache-Control", "")
