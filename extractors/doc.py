"""Old Word files (.doc, and WPS's .wps, both OLE2) to text, through a tool found on the PATH.

No maintained pure-Python reader of Word 97 binaries exists, so nianbao asks
antiword (or catdoc) for the text; antiword prints tables as pipe rows, which
the text reader already reads. With neither installed, the file is an
``UnsupportedFormat`` saying what to install. Bounded: one minute and 20 MB of
output per file.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time

from nianbao.extractors.page import NotAReportError, UnsupportedFormat

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TIMEOUT = 60
MAX_TEXT = 20 * 1024 * 1024  # a converter's output, like a page, is read up to this
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
    with tempfile.NamedTemporaryFile(suffix=".doc") as doc, tempfile.TemporaryFile() as out:
        doc.write(data)
        doc.flush()
        code, err = _run_capped([shutil.which(name), *args, doc.name], out, name)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if code != 0 or not text.strip():
        why = err.decode("utf-8", "replace").strip().splitlines()
        raise NotAReportError(f"{name} could not read the .doc file ({why[0][:120] if why else 'no text'})")
    return text


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the converter and every process it started (it runs in a session of its own): killing only the
    converter would leave a child writing to the output file."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _run_capped(cmd: list[str], out, name: str) -> tuple[int, bytes]:
    """Run a converter with its output going to ``out``, stopped when it runs past TIMEOUT or writes more
    than MAX_TEXT bytes (a crafted file can make a converter print without end). (exit code, stderr)."""
    with tempfile.TemporaryFile() as errors, \
            subprocess.Popen(cmd, stdout=out, stderr=errors, stdin=subprocess.DEVNULL, start_new_session=True) as proc:
        cutoff = time.monotonic() + TIMEOUT
        while proc.poll() is None:
            why = None
            if time.monotonic() > cutoff:
                why = f"{name} did not finish reading the .doc file in {TIMEOUT} s"
            elif os.fstat(out.fileno()).st_size > MAX_TEXT:
                why = f"{name} printed more than {MAX_TEXT:,} bytes for the .doc file: not a report"
            if why:
                _kill_group(proc)
                raise NotAReportError(why)
            time.sleep(0.02)
        errors.seek(0)
        err = errors.read(4096)
    _kill_group(proc)  # whatever the converter started and left running (a script's children) ends with it
    if os.fstat(out.fileno()).st_size > MAX_TEXT:
        raise NotAReportError(f"{name} printed more than {MAX_TEXT:,} bytes for the .doc file: not a report")
    return proc.returncode, err
