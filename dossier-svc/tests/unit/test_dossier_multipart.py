"""The multipart splitter: the parts Starlette's parser finds, and the same 400s for what it refuses."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncGenerator

import httpx
import pytest
from starlette.datastructures import Headers, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser

from dossier_svc.multipart import MAX_FIELD_BYTES, Part, boundary_and_charset, split

BOUNDARY = b"b0undary-7e1c"


def encode(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[str, bytes]:
    """A body as an HTTP client encodes it, and its content type."""
    request = httpx.Request(
        "POST",
        "http://x/",
        data=fields,
        files=[(name, (filename, data, "application/octet-stream")) for name, filename, data in files],
    )
    return request.headers["content-type"], request.read()


async def starlette_parts(content_type: str, body: bytes) -> list[Part]:
    """What Starlette's own form parser finds in ``body``."""

    async def stream() -> AsyncGenerator[bytes, None]:
        for start in range(0, len(body), 7000):
            yield body[start : start + 7000]

    form = await MultiPartParser(Headers({"content-type": content_type}), stream()).parse()
    parts = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            parts.append(Part(name=name, filename=value.filename, data=await value.read()))
        else:
            parts.append(Part(name=name, filename=None, data=value.encode()))
    await form.close()
    return parts


def ours(content_type: str, body: bytes) -> list[Part]:
    boundary, charset = boundary_and_charset(content_type)
    return split(body, boundary, charset=charset, max_files=20, max_fields=10)


async def test_it_finds_the_parts_starlette_finds() -> None:
    tricky = b"%PDF-1.4\r\n--\r\n--b0undary\r\n\r\n" + os.urandom(300_000) + b"\r\n-"
    content_type, body = encode(
        {"dossier": '{"tên": "Nguyễn Thị Hương"}', "note": ""},
        [
            ("to-khai", "tờ khai.pdf", tricky),
            ("giay-chung-sinh", "g.png", b"\x89PNG\r\n\x1a\n"),
            ("empty", "e.bin", b""),
        ],
    )
    expected = await starlette_parts(content_type, body)
    assert ours(content_type, body) == expected
    assert [(p.name, p.filename) for p in expected] == [
        ("dossier", None),
        ("note", None),
        ("to-khai", "tờ khai.pdf"),
        ("giay-chung-sinh", "g.png"),
        ("empty", "e.bin"),
    ]
    assert expected[2].data == tricky
    assert expected[0].text() == '{"tên": "Nguyễn Thị Hương"}'


async def test_a_preamble_padding_and_an_epilogue_are_ignored() -> None:
    body = (
        b"a preamble\r\n--" + BOUNDARY + b"  \r\n"
        b'Content-Disposition: form-data; name="a"\r\nContent-Type: text/plain\r\n\r\n'
        b"one\r\n--" + BOUNDARY + b"\r\n"
        b'content-disposition: form-data; name="f"; filename="x.pdf"\r\n\r\n'
        b"%PDF-\r\n--" + BOUNDARY + b"\r\n"
        b'Content-Disposition: form-data; name="g"; filename=""\r\n\r\n'
        b"\r\n--" + BOUNDARY + b"--\r\nan epilogue"
    )
    parts = split(body, BOUNDARY, max_files=2, max_fields=1)
    # A part with a file name, even an empty one, is a file (as for Starlette).
    assert parts == [Part("a", None, b"one"), Part("f", "x.pdf", b"%PDF-"), Part("g", "", b"")]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "Invalid multipart data."),
        (b"no boundary anywhere", "Invalid multipart data."),
        (b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated', "Invalid"),
        (b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="a"\r\nno blank line', "Invalid"),
        (b"--" + BOUNDARY + b"junk\r\n\r\n\r\nx\r\n--" + BOUNDARY + b"--", "Invalid multipart data."),
        (b"--" + BOUNDARY + b"\r\nno colon here\r\n\r\nx\r\n--" + BOUNDARY + b"--", "Invalid"),
        (b"--" + BOUNDARY + b"\r\n\r\nx\r\n--" + BOUNDARY + b"--", '"name" must be provided'),
        (
            b"--" + BOUNDARY + b"\r\nContent-Disposition: form-data\r\n\r\nx\r\n--" + BOUNDARY + b"--",
            '"name" must be provided',
        ),
    ],
)
def test_malformed_bodies_are_refused_with_400(body: bytes, message: str) -> None:
    with pytest.raises(HTTPException) as refused:
        split(body, BOUNDARY, max_files=5, max_fields=5)
    assert refused.value.status_code == 400
    assert message in refused.value.detail


async def test_starlette_refuses_the_same_malformed_bodies() -> None:
    content_type = f"multipart/form-data; boundary={BOUNDARY.decode()}"
    unterminated = b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated'
    nameless = b"--" + BOUNDARY + b"\r\nContent-Disposition: form-data\r\n\r\nx\r\n--" + BOUNDARY + b"--"
    with pytest.raises(MultiPartException):
        await starlette_parts(content_type, nameless)
    with pytest.raises(HTTPException):
        ours(content_type, nameless)
    with pytest.raises(HTTPException):
        ours(content_type, unterminated)


def test_limits_on_files_fields_and_field_size() -> None:
    content_type, body = encode({}, [("a", "a.pdf", b"1"), ("b", "b.pdf", b"2"), ("c", "c.pdf", b"3")])
    boundary, _ = boundary_and_charset(content_type)
    assert len(split(body, boundary, max_files=3, max_fields=0)) == 3
    with pytest.raises(HTTPException, match=re.escape("Too many files. Maximum number of files is 2.")):
        split(body, boundary, max_files=2, max_fields=10)
    content_type, body = encode({"a": "1", "b": "2"}, [("z", "z.pdf", b"z")])
    boundary, _ = boundary_and_charset(content_type)
    with pytest.raises(HTTPException, match=re.escape("Too many fields. Maximum number of fields is 1.")):
        split(body, boundary, max_files=10, max_fields=1)
    content_type, body = encode({"big": "x" * (MAX_FIELD_BYTES + 1)}, [("z", "z.pdf", b"z")])
    boundary, _ = boundary_and_charset(content_type)
    with pytest.raises(HTTPException, match=re.escape("Part exceeded maximum size of 1024KB.")):
        split(body, boundary, max_files=10, max_fields=10)
    # A file part may be larger: its limit is the document size, checked on inspection.
    content_type, body = encode({}, [("big", "big.pdf", b"x" * (MAX_FIELD_BYTES + 1))])
    boundary, _ = boundary_and_charset(content_type)
    assert len(split(body, boundary, max_files=1, max_fields=0)[0].data) == MAX_FIELD_BYTES + 1


def test_the_content_type_must_name_a_boundary_and_its_charset_is_honoured() -> None:
    with pytest.raises(HTTPException, match=re.escape("Missing boundary in multipart.")):
        boundary_and_charset("multipart/form-data")
    assert boundary_and_charset('multipart/form-data; boundary="q r"') == (b"q r", "utf-8")
    assert boundary_and_charset("multipart/form-data; boundary=x; charset=latin-1") == (b"x", "iso8859-1")
    assert boundary_and_charset("multipart/form-data; boundary=x; charset=nonsense") == (b"x", "latin-1")
    assert Part("a", None, "Hương".encode()).text() == "Hương"
    assert Part("a", None, b"\xff").text() == "ÿ"
