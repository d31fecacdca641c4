// The mailwire quickstart (Node.js): send a message with an attachment over SMTP, see it
// arrive over IMAP, list mailboxes with unread counts, look at it before downloading, fetch
// just the attachment, then flag and move it. Reads the server settings from the
// MAILWIRE_* variables that `devserver/devserver env` prints; MAILWIRE_USER picks the
// account (default alice).
//
//   cd node && npm install && cd .. && node examples/node/quickstart.mjs
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Inside the repository the package is the node/ directory; installed, it is 'mailwire'.
const require = createRequire(import.meta.url);
const { ImapClient, SmtpClient } = require(process.env.MAILWIRE_NODE_PACKAGE ?? '../../node');

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run \`eval "$(devserver/devserver env)"\``);
  return v;
}

const host = need('MAILWIRE_HOST');
const ca = readFileSync(need('MAILWIRE_CA'));
const user = process.env.MAILWIRE_USER ?? 'alice';
const auth = { user, pass: need('MAILWIRE_PASSWORD_PATTERN').replace('{user}', user) };
const me = `${user}@${need('MAILWIRE_DOMAIN')}`;

// Connect to both servers: IMAP over implicit TLS, SMTP submission over STARTTLS.
const imap = await ImapClient.connect({ host, port: Number(need('MAILWIRE_IMAPS_PORT')), auth, ca });
const smtp = await SmtpClient.connect({ host, port: Number(need('MAILWIRE_SMTP_PORT')), security: 'starttls', auth, ca });
try {
  // 1. Send a message with a PDF attachment.
  const subject = `Quarterly report ${process.pid}`;
  const pdf = Buffer.from('%PDF-1.4\n% a tiny pretend PDF\n'.repeat(200));
  const sent = await smtp.send({
    from: `Alice Example <${me}>`,
    to: me,
    subject,
    text: 'Hello! The report is attached.',
    html: '<p>Hello! The report is <b>attached</b>.</p>',
    attachments: [{ filename: 'report.pdf', content: pdf, contentType: 'application/pdf' }],
  });
  console.log(`sent       ${sent.messageId} to ${sent.accepted.join(', ')}: ${sent.response}`);

  // 2. Wait for it to arrive (IDLE wakes up when the server delivers it).
  let uids;
  while ((uids = await imap.search('INBOX', { subject })).length === 0) {
    await imap.idle('INBOX', { timeout: 5000 });
  }
  const uid = uids.at(-1);
  console.log(`arrived    INBOX uid ${uid}`);

  // 3. Mailboxes with unread counts.
  console.log('mailboxes');
  const mailboxes = await imap.listMailboxes();
  for (const mailbox of mailboxes) {
    const status = await imap.mailboxStatus(mailbox.name);
    console.log(`  ${mailbox.name.padEnd(10)} ${(mailbox.role ?? '').padStart(8)} ${String(status.messages).padStart(4)} messages, ${String(status.unseen).padStart(4)} unread`);
  }

  // 4. Look before downloading: envelope, size and the attachment list.
  const [summary] = await imap.fetchAll('INBOX', uid);
  const sender = summary.envelope.from[0]?.address ?? '';
  console.log(`summary    ${JSON.stringify(summary.envelope.subject)} from ${sender} (${summary.size} bytes)`);
  for (const a of summary.attachments) {
    console.log(`  part ${a.part} ${a.filename ?? '-'} ${a.contentType} (${a.size} bytes encoded)`);
  }

  // 5. Download just the attachment: into memory, and streamed to a file.
  const part = summary.attachments[0].part;
  const data = await imap.download('INBOX', uid, part);
  const path = join(tmpdir(), 'mailwire-report.pdf');
  const written = await imap.saveAttachment('INBOX', uid, part, path);
  if (!data.equals(pdf) || !readFileSync(path).equals(pdf)) throw new Error('the attachment differs from what was sent');
  console.log(`saved      ${path} (${written} bytes, identical to what was sent)`);

  // 6. Flag it and move it to the archive.
  await imap.addFlags('INBOX', uid, ['\\Flagged', '\\Seen']);
  const archive = mailboxes.find((m) => m.role === 'archive')?.name ?? 'Archive';
  const moved = await imap.moveMessages('INBOX', uid, archive);
  console.log(`moved      to ${archive} as uid ${moved.pairs[0]?.[1]}`);
} finally {
  await smtp.close();
  await imap.logout();
}
