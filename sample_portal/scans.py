"""Scanned copies of the sample reports: PDF pages rendered to greyscale pictures at a chosen resolution,
turned by a small angle and speckled with noise, as a scanner or a phone camera leaves them."""

from __future__ import annotations

import io


def scan(pdf: bytes, dpi: int, angle: float, noise: float, seed: int) -> list:
    """The PDF's pages as greyscale PIL images: rendered at ``dpi``, turned by ``angle`` degrees, speckled."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    rng = np.random.default_rng(seed)
    doc = pdfium.PdfDocument(pdf)
    pages = []
    for page in doc:
        img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L").rotate(angle, fillcolor=255)
        arr = np.asarray(img, dtype=np.int16) + rng.normal(0, noise, (img.height, img.width)).astype(np.int16)
        pages.append(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)))
    doc.close()
    return pages


def as_pdf(pages: list, dpi: int) -> bytes:
    """Pictures as one image-only PDF (no text layer), as a scanner writes it."""
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return buf.getvalue()
