"""The QR codes members show at a check-in or a pickup point."""

import io

import segno


def qr_code(text: str) -> segno.QRCode:
    """A regular QR code of `text`. Never a Micro QR (segno.make's choice for
    short texts): phone cameras, WeChat, BarcodeDetector and jsQR cannot read one."""
    return segno.make_qr(text, error="m")


def qr_svg(text: str) -> str:
    """The code as inline SVG, titled with its text (read aloud, and typed when a
    camera fails)."""
    return qr_code(text).svg_inline(scale=5, title=text)


def qr_svg_file(text: str) -> bytes:
    """The code as a standalone SVG image (an <img> of its own URL), titled with
    its text like qr_svg()."""
    out = io.BytesIO()
    qr_code(text).save(out, kind="svg", scale=5, title=text, xmldecl=False, encoding="utf-8")
    return out.getvalue()
