"""A `multipart/form-data` request body read whole (bounded) and cut at its boundaries.

Starlette's form parser feeds python-multipart chunk by chunk, whose state machine walks every line of a
binary file in Python, and spools each file to a temporary file read back afterwards. A submission's body
is bounded and kept in memory anyway (its files are hashed, sniffed and stored whole), so it is read once
and cut with ``bytes.find``; the parts' headers are read as Starlette reads them, and the same malformed
bodies and limits answer with the same 400s.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from python_multipart.multipart import parse_options_header
from starlette.exceptions import HTTPException
from starlette.requests import Request

MAX_FIELD_BYTES = 1024 * 1024
"""The largest field (a part without a file name), as Starlette's parser allows."""


@dataclass(frozen=True)
class Part:
    """One part of the body: a field (``filename`` None) or a file."""

    name: str
    filename: str | None
    data: bytes

    def text(self, charset: str = "utf-8") -> str:
        """The part's content as text (a field's value), decoded as Starlette decodes it."""
        return _decode(self.data, charset)


class BodyTooLarge(Exception):
    """The body is longer than the reader was allowed to read."""


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or :class:`BodyTooLarge` as soon as it passes ``limit`` bytes (a chunked body too,
    which declares no length)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def boundary_and_charset(content_type: str) -> tuple[bytes, str]:
    """The boundary and the charset (default UTF-8) of a `multipart/form-data` content type; 400 without
    a boundary."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise _bad("Missing boundary in multipart.")
    charset = params.get(b"charset", b"utf-8").decode("latin-1")
    try:
        charset = codecs.lookup(charset).name
    except LookupError:
        charset = "latin-1"
    return boundary, charset


def split(
    body: bytes, boundary: bytes, *, charset: str = "utf-8", max_files: int, max_fields: int
) -> list[Part]:
    """The parts of ``body`` in order (RFC 7578 / RFC 2046 §5.1.1); 400 when it is malformed, has more
    than ``max_files`` files or ``max_fields`` fields, or a field larger than :data:`MAX_FIELD_BYTES`."""
    delimiter = b"--" + boundary
    separator = b"\r\n" + delimiter
    if body.startswith(delimiter):
        position = len(delimiter)
    else:  # a preamble, ignored
        start = body.find(separator)
        if start < 0:
            raise _invalid()
        position = start + len(separator)
    parts: list[Part] = []
    files = fields = 0
    while not body.startswith(b"--", position):  # the close delimiter; an epilogue is ignored
        line_end = body.find(b"\r\n", position)
        if line_end < 0 or body[position:line_end].strip(b" \t"):  # only transport padding may follow
            raise _invalid()
        head_end = body.find(b"\r\n\r\n", line_end)
        if head_end < 0 or body.find(separator, line_end, head_end) >= 0:
            raise _invalid()
        content_start = head_end + 4
        end = body.find(separator, content_start)
        if end < 0:
            raise _invalid()
        name, filename = _disposition(body[line_end + 2 : head_end], charset)
        if filename is not None:
            files += 1
            if files > max_files:
                raise _bad(f"Too many files. Maximum number of files is {max_files}.")
        else:
            fields += 1
            if fields > max_fields:
                raise _bad(f"Too many fields. Maximum number of fields is {max_fields}.")
            if end - content_start > MAX_FIELD_BYTES:
                raise _bad(f"Part exceeded maximum size of {MAX_FIELD_BYTES // 1024}KB.")
        parts.append(Part(name=name, filename=filename, data=body[content_start:end]))
        position = end + len(separator)
    return parts


def _disposition(headers: bytes, charset: str) -> tuple[str, str | None]:
    """The field name and file name of a part's Content-Disposition header."""
    disposition = b""
    for line in headers.split(b"\r\n") if headers else ():
        field, colon, value = line.partition(b":")
        if not colon:
            raise _invalid()
        if field.strip().lower() == b"content-disposition":
            disposition = value.strip()
    _, options = parse_options_header(disposition.decode("latin-1"))
    if b"name" not in options:
        raise _bad('The Content-Disposition header field "name" must be provided.')
    filename = options.get(b"filename")
    return _decode(options[b"name"], charset), None if filename is None else _decode(filename, charset)


def _decode(raw: bytes, charset: str) -> str:
    try:
        return raw.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return raw.decode("latin-1")


def _invalid() -> HTTPException:
    return _bad("Invalid multipart data.")


def _bad(message: str) -> HTTPException:
    # What Starlette's own form parsing raises, so the chassis answers alike.
    return HTTPException(status_code=400, detail=message)
