"""Strips what a photo or a screenshot says about its maker, without touching a
pixel: pure segment and chunk filtering, no decoding, no dependency.

JPEG: every APPn segment goes (EXIF with GPS position, camera serial and time in
APP1, XMP, IPTC in APP13, MPF previews in APP2, vendor blocks) except the JFIF
header, the ICC colour profile and Adobe's colour-transform flag, which decoders
need; comments (COM) go; anything after the end of the image (a phone's appended
video or trailer) goes. The EXIF orientation survives in a 32-byte EXIF of its
own, so an upright photo stays upright.

PNG: only the chunks that draw the image are kept (the critical ones and the
known rendering ones: transparency, gamma, colour space, ICC profile, pixel
size, animation); text (tEXt, iTXt, zTXt: Author, Comment, software), EXIF
(eXIf), the time (tIME) and any private chunk go, and anything after IEND.

A file that does not parse raises ValueError: it is refused, never stored as is.
"""

JPEG_START = b"\xff\xd8"
# APPn segments a decoder needs, by marker and the identifier their data starts with.
JPEG_KEEP = {
    0xE0: (b"JFIF\x00", b"JFXX\x00"),
    0xE2: (b"ICC_PROFILE\x00",),
    0xEE: (b"Adobe",),
}
JPEG_COMMENT = 0xFE
JPEG_SCAN = 0xDA
JPEG_END = 0xD9
# Markers with no length: restart markers, start of image, TEM.
JPEG_STANDALONE = {*range(0xD0, 0xD8), 0xD8, 0x01}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEEP_ANCILLARY = {
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"bKGD", b"hIST", b"pHYs",
    b"sPLT", b"cICP", b"mDCv", b"cLLi", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip
EXIF_ORIENTATION = 0x0112


def strip_metadata(data: bytes, content_type: str) -> bytes:
    """`data` without its metadata if it is a JPEG or PNG image; other types as is."""
    if content_type == "image/jpeg":
        return strip_jpeg(data)
    if content_type == "image/png":
        return strip_png(data)
    return data


def _exif_orientation(exif: bytes):
    """The orientation (1–8) in an APP1 EXIF payload, or None."""
    tiff = exif[6:]
    if len(tiff) < 8 or tiff[:4] not in (b"II*\x00", b"MM\x00*"):
        return None
    order = "little" if tiff[:2] == b"II" else "big"
    offset = int.from_bytes(tiff[4:8], order)
    if offset + 2 > len(tiff):
        return None
    count = int.from_bytes(tiff[offset : offset + 2], order)
    for index in range(count):
        entry = tiff[offset + 2 + 12 * index : offset + 14 + 12 * index]
        if len(entry) < 12:
            return None
        if int.from_bytes(entry[:2], order) == EXIF_ORIENTATION:
            value = int.from_bytes(entry[8:10], order)
            return value if 1 <= value <= 8 else None
    return None


def _orientation_segment(orientation: int) -> bytes:
    """An APP1 EXIF with one entry: the orientation (big-endian TIFF, one IFD)."""
    tiff = (
        b"MM\x00*" + (8).to_bytes(4, "big")  # header, first IFD at 8
        + (1).to_bytes(2, "big")  # one entry
        + EXIF_ORIENTATION.to_bytes(2, "big") + (3).to_bytes(2, "big")  # SHORT
        + (1).to_bytes(4, "big") + orientation.to_bytes(2, "big") + b"\x00\x00"
        + (0).to_bytes(4, "big")  # no next IFD
    )  # fmt: skip
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload


def strip_jpeg(data: bytes) -> bytes:
    if not data.startswith(JPEG_START):
        raise ValueError("not a JPEG image")
    size = len(data)
    kept = []  # (marker or None for scan data, bytes)
    orientation = None
    i = 2
    while True:
        if i >= size or data[i] != 0xFF:
            raise ValueError("a JPEG segment is broken")
        while i < size and data[i] == 0xFF:  # fill bytes before a marker
            i += 1
        if i >= size:
            raise ValueError("the JPEG image has no end")
        marker = data[i]
        i += 1
        if marker == JPEG_END:
            break
        if marker in JPEG_STANDALONE:
            kept.append((marker, bytes((0xFF, marker))))
            continue
        if i + 2 > size:
            raise ValueError("a JPEG segment is cut short")
        length = int.from_bytes(data[i : i + 2], "big")
        if length < 2 or i + length > size:
            raise ValueError("a JPEG segment is cut short")
        segment = data[i - 2 : i + length]
        payload = data[i + 2 : i + length]
        i += length
        if marker == JPEG_SCAN:
            kept.append((marker, segment))
            # Entropy-coded data runs to the next marker: 0xFF is followed there by
            # 0x00 (a stuffed byte) or a restart marker only.
            j = i
            while True:
                j = data.find(b"\xff", j)
                if j < 0 or j + 1 >= size:
                    raise ValueError("the JPEG image has no end")
                if data[j + 1] == 0x00 or 0xD0 <= data[j + 1] <= 0xD7:
                    j += 2
                    continue
                break
            kept.append((None, data[i:j]))
            i = j
        elif 0xE0 <= marker <= 0xEF:
            if marker == 0xE1 and payload.startswith(b"Exif\x00\x00") and orientation is None:
                orientation = _exif_orientation(payload)
            if payload.startswith(JPEG_KEEP.get(marker, ())):
                kept.append((marker, segment))
        elif marker != JPEG_COMMENT:
            kept.append((marker, segment))
    out = bytearray(JPEG_START)
    at = 1 if kept and kept[0][0] == 0xE0 else 0  # after the JFIF header, if any
    if orientation not in (None, 1):
        kept.insert(at, (0xE1, _orientation_segment(orientation)))
    for _marker, chunk in kept:
        out += chunk
    out += bytes((0xFF, JPEG_END))
    return bytes(out)


def strip_png(data: bytes) -> bytes:
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG image")
    out = bytearray(PNG_SIGNATURE)
    i, size = len(PNG_SIGNATURE), len(data)
    while True:
        if i + 12 > size:
            raise ValueError("the PNG image has no end")
        length = int.from_bytes(data[i : i + 4], "big")
        kind = data[i + 4 : i + 8]
        end = i + 12 + length
        if end > size or not kind.isascii() or not kind.isalpha():
            raise ValueError("a PNG chunk is broken")
        critical = kind[:1].isupper()
        if critical or kind in PNG_KEEP_ANCILLARY:
            out += data[i:end]
        i = end
        if kind == b"IEND":
            return bytes(out)
