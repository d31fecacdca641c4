"""`parse_message` results: charsets, transfer encodings, nested multiparts, attachments and
inline images, and the values shared with the input (no copies), offline."""

from __future__ import annotations

import base64
import datetime as dt

import mailwire

HTML = "<p>Grüße – €5</p>".encode("cp1252")
RAW = (
    b"From: =?UTF-8?Q?J=C3=B6rg?= <jorg@example.org>\r\n"
    b"To: a@example.org\r\n"
    b"Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= und =?UTF-8?B?8J+Ygg==?=\r\n"
    b"Date: Tue, 01 Oct 2024 10:00:00 +0200\r\n"
    b"Message-ID: <charsets@example.org>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    b"\r\n"
    b"--outer\r\n"
    b"Content-Type: multipart/related; boundary=\"rel\"\r\n"
    b"\r\n"
    b"--rel\r\n"
    b"Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
    b"\r\n"
    b"--alt\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"Gr=FC=DFe aus K=F6ln, =\r\n"
    b"eine lange Zeile.\r\n"
    b"--alt\r\n"
    b"Content-Type: text/html; charset=windows-1252\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n" + base64.encodebytes(HTML).replace(b"\n", b"\r\n") +
    b"--alt--\r\n"
    b"--rel\r\n"
    b"Content-Type: image/png\r\n"
    b"Content-ID: <logo@example.org>\r\n"
    b"Content-Disposition: inline\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"iVBORw0KGgo=\r\n"
    b"--rel--\r\n"
    b"--outer\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b"Content-Disposition: attachment; filename*=UTF-8''B%C3%BCcher.bin\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n" + base64.encodebytes(bytes(range(256)) * 4).replace(b"\n", b"\r\n") +
    b"--outer\r\n"
    b"Content-Type: text/plain; charset=koi8-r\r\n"
    b"Content-Disposition: attachment; filename=\"note.txt\"\r\n"
    b"\r\n"
    b"\xf0\xd2\xc9\xd7\xc5\xd4\r\n"
    b"--outer--\r\n"
)


# conformance: message.parse
def test_parse_message_decodes_charsets_encodings_and_attachments() -> None:
    m = mailwire.parse_message(RAW)
    assert m.subject == "Grüße und 😂"
    assert m.text == "Grüße aus Köln, eine lange Zeile."
    assert m.html == "<p>Grüße – €5</p>"
    assert m.from_ == [mailwire.Address("jorg@example.org", name="Jörg")]
    assert m.date == dt.datetime(2024, 10, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert m.message_id == "charsets@example.org"
    assert m.headers[2] == ("Subject", "Grüße und 😂")
    logo, books, note = m.attachments
    assert (logo.filename, logo.content_type, logo.content_id, logo.inline) == (
        None,
        "image/png",
        "logo@example.org",
        True,
    )
    assert logo.data == b"\x89PNG\r\n\x1a\n"
    assert (books.filename, books.content_type, books.content_id, books.inline) == (
        "Bücher.bin",
        "application/octet-stream",
        None,
        False,
    )
    assert books.data == bytes(range(256)) * 4
    assert (note.filename, note.content_type, note.data) == (
        "note.txt",
        "text/plain",
        b"\xf0\xd2\xc9\xd7\xc5\xd4",
    )
    assert repr(m) == (
        f"Message(subject='Grüße und 😂', from_={m.from_!r}, date={m.date!r}, attachments=3)"
    )
    assert "Address('jorg@example.org'" in repr(m) and "datetime.datetime(2024, 10, 1" in repr(m)
    assert repr(books) == (
        "Attachment(filename='Bücher.bin', content_type='application/octet-stream', "
        "data=<1024 bytes>, content_id=None, inline=False)"
    )
    assert repr(logo) == (
        "Attachment(filename=None, content_type='image/png', data=<8 bytes>, "
        "content_id='logo@example.org', inline=True)"
    )


def test_parse_message_values_are_made_once_and_share_the_input() -> None:
    m = mailwire.parse_message(RAW)
    # The source is the caller's bytes object itself; bodies and attachment contents are
    # converted once and the same objects come back on each access.
    assert m.raw is RAW
    assert m.text is m.text and m.html is m.html
    assert m.attachments[1].data is m.attachments[1].data
    assert m.attachments == m.attachments
    fresh = mailwire.parse_message(RAW).attachments[1]
    assert fresh == fresh and repr(fresh) == repr(m.attachments[1])
    # bytearray and memoryview input are copied once, and parse the same.
    for data in (bytearray(RAW), memoryview(RAW)):
        other = mailwire.parse_message(data)
        assert other.raw == RAW and isinstance(other.raw, bytes)
        assert (other.text, other.html, other.attachments) == (m.text, m.html, m.attachments)
    # Attachments built by hand keep their bytes object too, and compare by value.
    a = mailwire.Attachment("x.bin", "application/octet-stream", RAW)
    assert a.data is RAW
    assert a == mailwire.Attachment("x.bin", "application/octet-stream", bytearray(RAW))
    assert a != mailwire.Attachment("y.bin", "application/octet-stream", RAW)
    # Forwarding a parsed message carries its attachments over.
    f = mailwire.OutgoingMessage.forward(m, "me@example.org", to="x@example.org")
    assert [x.data for x in f.attachments] == [x.data for x in m.attachments]


# conformance: message.parse
def test_parse_message_without_headers_is_a_body_as_email_reads_it() -> None:
    import email

    for raw in (b"", b"just a line of text\n", b"no colon here\n\nsecond paragraph\n"):
        m = mailwire.parse_message(raw)
        py = email.message_from_bytes(raw)
        assert m.subject is None and m.headers == [] and len(py.keys()) == 0
        assert (m.text or "") == py.get_payload()