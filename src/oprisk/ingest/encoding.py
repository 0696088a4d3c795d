"""Text encodings: a BOM decides; else UTF-8 if the whole file decodes; else GB18030 if it reads as Chinese."""

from __future__ import annotations

import codecs
import gzip
import os
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO

from oprisk.errors import IngestionError
from oprisk.ingest.records import CHUNK

__all__ = ["check_encoding", "opener", "sniff_encoding"]


def opener(path: Path, compressed: bool) -> Callable[[], IO[bytes]]:
    if compressed:
        return lambda: gzip.open(path, "rb")  # type: ignore[return-value]
    return lambda: open(path, "rb")


def check_encoding(path: Path, codec: str, *, compressed: bool = False) -> None:
    """Decode the whole file with a declared codec now, so a wrong one stops the load before any
    row is read (not half-way through the file)."""
    try:
        error = _decode_error(opener(path, compressed), codec)
    except (OSError, EOFError, zlib.error) as exc:
        raise IngestionError(f"cannot read {str(path)!r}: {exc}") from None
    if error is not None:
        raise IngestionError(
            f"cannot read {str(path)!r} as {codec} ([read] encoding): {error}; remove the setting "
            "to have the encoding detected, or name the right one"
        )


def sniff_encoding(path: str | os.PathLike[str], *, compressed: bool = False) -> str:
    """The codec to read a text file with: a BOM decides; else UTF-8 if the whole file decodes, else GB18030.

    The whole file is decoded once, in 1 MB chunks, so a stray byte at the end cannot turn
    into a failure after half the file has loaded. Raises IngestionError for an empty file or
    one that decodes as neither.
    """
    p = Path(path)
    try:
        return _sniff(p, compressed)
    except (OSError, EOFError, zlib.error) as exc:  # an unreadable or truncated .gz, an I/O error
        raise IngestionError(f"cannot read {str(p)!r}: {exc}") from None


def _sniff(p: Path, compressed: bool) -> str:
    open_file = opener(p, compressed)
    with open_file() as f:
        head = f.read(4096)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise IngestionError(f"cannot read {str(p)!r}: empty file")
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            return codec
    candidates = ["utf-8", "gb18030"]
    if head.count(0) > len(head) // 4:  # UTF-16 without a BOM: every other byte is NUL
        even_nul = head[0::2].count(0) > head[1::2].count(0)
        candidates = ["utf-16-be" if even_nul else "utf-16-le"]
    first_error = None
    for codec in candidates:
        tally = [0, 0]  # non-ASCII characters decoded, and those outside GB 2312
        error = _decode_error(open_file, codec, tally if codec == "gb18030" else None)
        if error is None:
            if codec == "gb18030" and tally[1] > tally[0] * _NOT_CHINESE:
                raise IngestionError(
                    f"cannot read {str(p)!r}: it is not UTF-8; it decodes as GB18030, but "
                    f"{tally[1]:,} of its {tally[0]:,} non-ASCII characters are not common "
                    "Chinese (GB 2312), as when Western European text (cp1252, latin-1) is read "
                    'as Chinese; set [read] encoding in the mapping ("cp1252", or "gb18030" '
                    "if the file is Chinese)"
                )
            return codec
        first_error = first_error or error
    raise IngestionError(
        f"cannot read {str(p)!r}: it is neither UTF-8 nor GB18030 ({first_error}); "
        'set [read] encoding in the mapping (e.g. "cp1252", "big5")'
    )


#: share of non-ASCII characters outside GB 2312 above which a GB18030 decode is not trusted: in
#: Chinese text they are rare characters; in cp1252 text read as GB18030 (a letter such as "ü"
#: followed by an ASCII letter forms a GBK extension character) they are nearly all of them
_NOT_CHINESE = 0.5
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _decode_error(
    opener: Callable[[], IO[bytes]], codec: str, tally: list[int] | None = None
) -> str | None:
    """Decode the whole file; the first error, or None. ``tally`` counts the non-ASCII characters
    and, of them, those GB 2312 cannot encode."""
    decoder = codecs.getincrementaldecoder(codec)()
    offset = 0
    with opener() as f:
        while True:
            chunk = f.read(CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
                if tally is not None:
                    wide = "".join(_NON_ASCII.findall(text))
                    tally[0] += len(wide)
                    tally[1] += wide.encode("gb2312", "replace").count(b"?")
            except UnicodeDecodeError as exc:
                return f"byte {chunk[exc.start : exc.start + 1]!r} at offset {offset + exc.start} is not {codec}"
            if not chunk:
                return None
            offset += len(chunk)
