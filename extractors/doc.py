"""Old Word files (.doc, and WPS's .wps, both OLE2) to text, through a tool found on the PATH.

No maintained pure-Python reader of Word 97 binaries exists, so nianbao asks
antiword (or catdoc) for the text; antiword prints tables as pipe rows, which
the text reader already reads. With neither installed, the file is an
``UnsupportedFormat`` saying what to install. Bounded: one minute per file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from nianbao.extractors.page import NotAReportError, UnsupportedFormat

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TIMEOUT = 60
# (program, arguments before the file): UTF-8 output, no line wrapping
TOOLS = (("antiword", ["-m", "UTF-8.txt", "-w", "0"]), ("catdoc", ["-d", "utf-8", "-w"]))
INSTALL_HINT = ("install antiword (apt install antiword) or catdoc, or convert it to .docx "
                "(soffice --headless --convert-to docx FILE)")


def is_doc(data: bytes) -> bool:
    return data.startswith(OLE2)


def doc_text(data: bytes) -> str:
    """The text of an old Word file, from the first converter on the PATH."""
    tool = next(((name, args) for name, args in TOOLS if shutil.which(name)), None)
    if tool is None:
        raise UnsupportedFormat(f"an old Word .doc or .wps file (OLE2): reading it needs a converter; {INSTALL_HINT}")
    name, args = tool
    fd, path = tempfile.mkstemp(suffix=".doc")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            done = subprocess.run([shutil.which(name), *args, path], capture_output=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise NotAReportError(f"{name} did not finish reading the .doc file in {TIMEOUT} s") from None
    finally:
        os.unlink(path)
    text = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0 or not text.strip():
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise NotAReportError(f"{name} could not read the .doc file ({why[0][:120] if why else 'no text'})")
    return text
