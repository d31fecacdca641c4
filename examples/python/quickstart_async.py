"""The mailwire quickstart with asyncio: the same steps as quickstart.py (send with an
attachment, see it arrive, mailboxes with unread counts, list and download the attachment,
flag and move) on `AsyncImapClient` and `AsyncSmtpClient`.
"""

import asyncio
import os
import tempfile
from pathlib import Path

from mailwire import AsyncImapClient, AsyncSmtpClient, Attachment, Flag, OutgoingMessage


def var(name: str) -> str:
    try:
        return os.environ[name]
    except KeyError:
        raise SystemExit(f'{name} is not set: run `eval "$(devserver/devserver env)"`') from None


async def main() -> None:
    host, ca = var("MAILWIRE_HOST"), var("MAILWIRE_CA")
    user = os.environ.get("MAILWIRE_USER", "alice")
    password = var("MAILWIRE_PASSWORD_PATTERN").replace("{user}", user)
    me = f"{user}@{var('MAILWIRE_DOMAIN')}"

    async with AsyncImapClient(
        host, int(var("MAILWIRE_IMAPS_PORT")), username=user, password=password, ca_pem=ca
    ) as imap, AsyncSmtpClient(
        host,
        int(var("MAILWIRE_SMTP_PORT")),
        security="starttls",
        username=user,
        password=password,
        ca_pem=ca,
    ) as smtp:
        # 1. Send a message with a PDF attachment.
        subject = f"Quarterly report {os.getpid()} (async)"
        pdf = b"%PDF-1.4\n% a tiny pretend PDF\n" * 200
        sent = await smtp.send(
            OutgoingMessage(
                from_=f"Alice Example <{me}>",
                to=me,
                subject=subject,
                text="Hello! The report is attached.",
                html="<p>Hello! The report is <b>attached</b>.</p>",
                attachments=[Attachment("report.pdf", "application/pdf", pdf)],
            )
        )
        print(f"sent       {sent.message_id} to {sent.accepted}")

        # 2. Wait for it to arrive: watch() yields as soon as the server announces new mail.
        while not (uids := await imap.search("INBOX", subject=subject)):
            try:
                async with asyncio.timeout(5):
                    async for _event in imap.watch("INBOX"):
                        break
            except TimeoutError:
                pass
        uid = uids[-1]
        print(f"arrived    INBOX uid {uid}")

        # 3. Mailboxes with unread counts, asked for all at once.
        print("mailboxes")
        mailboxes = await imap.list_mailboxes()
        statuses = await asyncio.gather(*(imap.mailbox_status(m.name) for m in mailboxes))
        for mailbox, status in zip(mailboxes, statuses):
            print(
                f"  {mailbox.name:<10} {mailbox.role or '':>8} {status.messages:>4} messages, "
                f"{status.unseen:>4} unread"
            )

        # 4. Look before downloading.
        async for summary in imap.fetch("INBOX", uid):
            sender = summary.envelope.from_[0] if summary.envelope.from_ else ""
            print(f"summary    {summary.envelope.subject!r} from {sender} ({summary.size} bytes)")
            for a in summary.attachments:
                print(f"  part {a.part} {a.filename or '-'} {a.content_type} ({a.size} bytes encoded)")

        # 5. Download just the attachment.
        path = Path(tempfile.gettempdir()) / "mailwire-report-async.pdf"
        written = await imap.save_attachment("INBOX", uid, summary.attachments[0].part, path)
        assert path.read_bytes() == pdf
        print(f"saved      {path} ({written} bytes, identical to what was sent)")

        # 6. Flag it and move it to the archive.
        await imap.add_flags("INBOX", uid, [Flag.FLAGGED, Flag.SEEN])
        archive = next((m.name for m in mailboxes if m.role == "archive"), "Archive")
        moved = await imap.move_messages("INBOX", uid, archive)
        print(f"moved      to {archive} as uid {moved.get(uid)}")


if __name__ == "__main__":
    asyncio.run(main())
