"""The QR codes members show at a check-in or a pickup point."""

import segno


def qr_code(text: str) -> segno.QRCode:
    """A regular QR code of `text`. Never a Micro QR (segno.make's choice for
    short texts): phone cameras, WeChat, BarcodeDetector and jsQR cannot read one."""
    return segno.make_qr(text, error="m")


def qr_svg(text: str) -> str:
    """The code as inline SVG, titled with its text (read aloud, and typed when a
    camera fails)."""
    return qr_code(text).svg_inline(scale=5, title=text)
