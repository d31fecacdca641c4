'use strict';
// Settings of the real devserver (Dovecot + Postfix) from the MAILWIRE_* variables that
// `devserver/devserver env` prints (or from running it), and small helpers shared by the
// test files. The Node suite uses only the users t65 … t79, t81, user9 and user10; other
// suites run against the same servers at the same time.
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const tls = require('node:tls');

const ROOT = path.resolve(__dirname, '..', '..');

function loadEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('MAILWIRE_')) env[k] = v;
  if (!env.MAILWIRE_HOST) {
    const out = execFileSync(path.join(ROOT, 'devserver', 'devserver'), ['env'], { encoding: 'utf8' });
    for (const line of out.split('\n')) {
      const m = /^export (MAILWIRE_\w+)=(.*)$/.exec(line);
      if (m) env[m[1]] = m[2].replace(/^'|'$/g, '');
    }
  }
  if (!env.MAILWIRE_HOST) throw new Error('devserver not configured: run devserver/devserver start');
  return env;
}

const vars = loadEnv();
const host = vars.MAILWIRE_HOST;
const ca = fs.readFileSync(vars.MAILWIRE_CA);
const domain = vars.MAILWIRE_DOMAIN;
const port = {
  imap: Number(vars.MAILWIRE_IMAP_PORT),
  imaps: Number(vars.MAILWIRE_IMAPS_PORT),
  smtp: Number(vars.MAILWIRE_SMTP_PORT),
  smtps: Number(vars.MAILWIRE_SMTPS_PORT),
};

const password = (user) => vars.MAILWIRE_PASSWORD_PATTERN.replace('{user}', user);
const token = (user) => vars.MAILWIRE_OAUTH_TOKEN_PATTERN.replace('{user}', user);
const address = (user) => `${user}@${domain}`;
const unique = (prefix = 't') => `${prefix}-${crypto.randomBytes(5).toString('hex')}`;

/** Connect options for `user` over implicit TLS. */
function imapOptions(user, extra = {}) {
  return { host, port: port.imaps, security: 'tls', auth: { user, pass: password(user) }, ca, ...extra };
}

/** Submission over STARTTLS for `user`. */
function smtpOptions(user, extra = {}) {
  return { host, port: port.smtp, security: 'starttls', auth: { user, pass: password(user) }, ca, ...extra };
}

/** Ends the user's IMAP sessions on the server: KILL as if it crashed, TERM as if it shut down. */
function killSessions(user, signal = 'KILL') {
  const script = vars.MAILWIRE_DEVSERVER || path.join(ROOT, 'devserver', 'devserver');
  execFileSync(script, ['kill-sessions', user, signal], { stdio: 'ignore' });
}

/** A small RFC 5322 message. */
function sampleMessage(subject, { from = 'Sender <sender@example.org>', to = 'rcpt@example.org', body = 'Hello from the mailwire Node tests.' } = {}) {
  return Buffer.from(`From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${unique('id')}@example.org>\r\n\r\n${body}\r\n`);
}

/**
 * An independent IMAP client (a raw TLS socket, not mailwire) to check server state:
 * runs `commands` after LOGIN and returns the untagged lines of each.
 */
function independentImap(user, commands) {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host, port: port.imaps, ca, servername: 'localhost' });
    const all = [`LOGIN ${user} ${password(user)}`, ...commands, 'LOGOUT'];
    const results = [];
    let buf = '';
    let i = -1;
    let lines = [];
    const next = () => {
      i++;
      lines = [];
      if (i < all.length) sock.write(`x${i} ${all[i]}\r\n`);
    };
    sock.setEncoding('utf8');
    sock.on('data', (d) => {
      buf += d;
      let at;
      while ((at = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, at);
        buf = buf.slice(at + 2);
        if (i < 0) {
          next();
          continue;
        }
        if (line.startsWith(`x${i} `)) {
          if (!line.startsWith(`x${i} OK`)) return reject(new Error(`${all[i].split(' ')[0]}: ${line}`));
          if (i > 0 && i < all.length - 1) results.push(lines);
          next();
        } else {
          lines.push(line);
        }
      }
    });
    sock.on('error', reject);
    sock.on('close', () => resolve(results));
  });
}

/** Waits until `user`'s INBOX holds `count` messages with `subject`; returns their UIDs. */
async function waitFor(client, subject, count = 1, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const uids = await client.search('INBOX', { subject });
    if (uids.length >= count || Date.now() > deadline) return uids;
    await client.idle('INBOX', { timeout: 1000 });
  }
}

module.exports = {
  ROOT, vars, host, ca, domain, port, password, token, address, unique,
  imapOptions, smtpOptions, killSessions, sampleMessage, independentImap, waitFor,
};
