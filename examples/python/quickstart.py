"""The mailwire quickstart (blocking): send a message with an attachment over SMTP, watch it
arrive over IMAP, look at it before downloading, fetch just the attachment, then flag and
move it. Reads the server settings from the ``MAILWIRE_*`` variables that
``devserver/devserver env`` prints; ``MAILWIRE_USER`` picks the account (default alice).
"""

import os
import tempfile
from pathlib import Path

from mailwire import Attachment, Flag, ImapClient, OutgoingMessage, SmtpClient


def var(name: str) -> str:
    try:
        return os.environ[name]
    except KeyError:
        raise SystemExit(f'{name} is not set: run `eval "$(devserver/devserver env)"`') from None


def main() -> None:
    host, ca = var("MAILWIRE_HOST"), var("MAILWIRE_CA")
    user = os.environ.get("MAILWIRE_USER", "alice")
    password = var("MAILWIRE_PASSWORD_PATTERN").replace("{user}", user)
    me = f"{user}@{var('MAILWIRE_DOMAIN')}"

    # Connect to both servers: IMAP over implicit TLS, SMTP submission over STARTTLS.
    with ImapClient(
        host, int(var("MAILWIRE_IMAPS_PORT")), username=user, password=password, ca_pem=ca
    ) as imap, SmtpClient(
        host,
        int(var("MAILWIRE_SMTP_PORT")),
        security="starttls",
        username=user,
        password=password,
        ca_pem=ca,
    ) as smtp:
        # 1. Send a message with a PDF attachment.
        subject = f"Quarterly report {os.getpid()}"
        pdf = b"%PDF-1.4\n% a tiny pretend PDF\n" * 200
        sent = smtp.send(
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

        # 2. Wait for it to arrive (IDLE wakes up when the server delivers it).
        while not (uids := imap.search("INBOX", subject=subject)):
            imap.idle("INBOX", 5)
        uid = uids[-1]
        print(f"arrived    INBOX uid {uid}")

        # 3. Mailboxes with unread counts.
        print("mailboxes")
        mailboxes = imap.list_mailboxes()
        for mailbox in mailboxes:
            status = imap.mailbox_status(mailbox.name)
            print(
                f"  {mailbox.name:<10} {mailbox.role or '':>8} {status.messages:>4} messages, "
                f"{status.unseen:>4} unread"
            )

        # 4. Look before downloading: envelope, size and the attachment list.
        (summary,) = imap.fetch_all("INBOX", uid)
        sender = summary.envelope.from_[0] if summary.envelope.from_ else ""
        print(f"summary    {summary.envelope.subject!r} from {sender} ({summary.size} bytes)")
        for a in summary.attachments:
            print(f"  part {a.part} {a.filename or '-'} {a.content_type} ({a.size} bytes encoded)")

        # 5. Download just the attachment.
        path = Path(tempfile.gettempdir()) / "mailwire-report.pdf"
        written = imap.save_attachment("INBOX", uid, summary.attachments[0].part, path)
        assert path.read_bytes() == pdf
        print(f"saved      {path} ({written} bytes, identical to what was sent)")

        # 6. Flag it and move it to the archive.
        imap.add_flags("INBOX", uid, [Flag.FLAGGED, Flag.SEEN])
        archive = next((m.name for m in mailboxes if m.role == "archive"), "Archive")
        moved = imap.move_messages("INBOX", uid, archive)
        print(f"moved      to {archive} as uid {moved.get(uid)}")


if __name__ == "__main__":
    main()
