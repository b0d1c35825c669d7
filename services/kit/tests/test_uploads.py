"""A multipart upload is read as it streams in and cut off once past its limit."""

import asyncio

import pytest
from starlette.requests import Request

from services.kit.uploads import TooLarge, receive_file


def request(chunks, *, headers=()):
    received = []

    async def receive():
        if chunks:
            received.append(1)
            return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}
        return {"type": "http.disconnect"}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(b"content-type", b"multipart/form-data; boundary=b"), *headers],
    }
    return Request(scope, receive), received


HEAD = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'


def test_a_chunked_body_past_the_limit_is_refused_before_the_rest_is_read():
    chunks = [HEAD + b"%PDF-", *[b"0" * 8192 for _ in range(1000)]]  # 8 MB offered
    req, received = request(chunks)
    with pytest.raises(TooLarge):
        asyncio.run(receive_file(req, field_name="file", max_bytes=64 * 1024))
    assert len(received) < 20  # about 72 KiB read


def test_a_declared_length_past_the_limit_is_refused_without_reading():
    req, received = request([HEAD], headers=[(b"content-length", b"999999999")])
    with pytest.raises(TooLarge):
        asyncio.run(receive_file(req, field_name="file", max_bytes=64 * 1024))
    assert received == []


def test_a_file_within_the_limit_is_kept_whole_in_any_chunking():
    body = HEAD + b"%PDF-" + b"x" * 5000 + b"\r\n--b--\r\n"
    req, _ = request([body[i : i + 7] for i in range(0, len(body), 7)])
    upload = asyncio.run(receive_file(req, field_name="file", max_bytes=64 * 1024))
    assert (upload.filename, upload.size) == ("a.pdf", 5005)
    assert upload.file.read() == b"%PDF-" + b"x" * 5000
