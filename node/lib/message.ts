/**
 * Messages: parse received mail, build mail from a nodemailer-shaped object, reply and
 * forward. All parsing and MIME building happens in the Rust core; this file only
 * normalises the object (reads attachment `path`s, turns strings into Buffers).
 */
import { readFile } from 'node:fs/promises';

import * as native from '../native';
import { call, callSync, invalidInput } from './errors';
import { checkKeys, Keys } from './options';

/** An address: `'a@b'`, `'Jane <a@b>'`, a comma-separated list, or `{name, address}`. */
export type AddressLike = string | { name?: string; address: string };

/** An attachment to send, as nodemailer takes it. */
export interface MailAttachmentInput {
  /** The file name shown to the recipient (default: the base name of `path`). */
  filename?: string;
  /** The content: a Buffer, or a string (decoded with `encoding`, default UTF-8). */
  content?: string | Buffer | Uint8Array;
  /** Read the content from this file instead. */
  path?: string;
  /** The MIME type; guessed from the file name when absent. */
  contentType?: string;
  /** A Content-ID (with or without `<>`): an inline part for `<img src="cid:…">`. */
  cid?: string;
  /** How a string `content` is encoded (`'base64'`, `'hex'`, `'utf8'`). */
  encoding?: BufferEncoding;
}

/** A message to send, shaped like nodemailer's message object. */
export interface MailOptions {
  /** The author. */
  from?: AddressLike;
  /** Recipients. */
  to?: AddressLike | AddressLike[];
  /** Copy recipients. */
  cc?: AddressLike | AddressLike[];
  /** Blind copy recipients (never written into the headers). */
  bcc?: AddressLike | AddressLike[];
  /** Where replies should go. */
  replyTo?: AddressLike | AddressLike[];
  /** The subject. */
  subject?: string;
  /** The plain-text body. */
  text?: string | Buffer;
  /** The HTML body. */
  html?: string | Buffer;
  /** Attachments and inline images. */
  attachments?: MailAttachmentInput[];
  /** Extra headers: `{name: value}` or `[{key, value}]`. */
  headers?: Record<string, string | string[]> | Array<{ key: string; value: string }>;
  /** The Message-ID (with or without `<>`); generated when absent. */
  messageId?: string;
  /** The Message-ID this answers. */
  inReplyTo?: string;
  /** The thread's Message-IDs. */
  references?: string | string[];
  /** The Date header; now when absent. */
  date?: Date | string;
  /** A complete RFC 5322 message to send as it is (the other fields are ignored). */
  raw?: string | Buffer;
  /** An explicit SMTP envelope instead of the one from the headers. */
  envelope?: { from: string; to: string | string[] };
}

const MAIL_KEYS: Keys<MailOptions> = {
  from: true, to: true, cc: true, bcc: true, replyTo: true, subject: true, text: true, html: true,
  attachments: true, headers: true, messageId: true, inReplyTo: true, references: true, date: true,
  raw: true, envelope: true,
};
const ATTACHMENT_KEYS: Keys<MailAttachmentInput> = { filename: true, content: true, path: true, contentType: true, cid: true, encoding: true };
const ENVELOPE_KEYS: Keys<NonNullable<MailOptions['envelope']>> = { from: true, to: true };
const ADDRESS_KEYS: Keys<Exclude<AddressLike, string>> = { name: true, address: true };
const HEADER_KEYS: Keys<{ key: string; value: string }> = { key: true, value: true };

/**
 * `m` checked as a message object: unknown keys, here and in its `envelope`, attachments,
 * address objects and header entries, are `EINVAL` naming them.
 */
export function checkMail(m: MailOptions): MailOptions {
  if (m === null || typeof m !== 'object') throw invalidInput('a message is an object');
  checkKeys(m, MAIL_KEYS, 'the message');
  checkKeys(m.envelope, ENVELOPE_KEYS, 'the message envelope');
  if (m.attachments !== undefined && m.attachments !== null) {
    if (!Array.isArray(m.attachments)) throw invalidInput('attachments is an array');
    m.attachments.forEach((a, i) => checkKeys(a, ATTACHMENT_KEYS, `attachment ${i}`));
  }
  for (const field of ['from', 'to', 'cc', 'bcc', 'replyTo'] as const) {
    const v = m[field];
    for (const a of Array.isArray(v) ? v : [v]) {
      if (a !== null && typeof a === 'object') checkKeys(a, ADDRESS_KEYS, `an address in ${field}`);
    }
  }
  if (Array.isArray(m.headers)) m.headers.forEach((h, i) => checkKeys(h, HEADER_KEYS, `header ${i}`));
  return m;
}

const TYPES: Record<string, string> = {
  txt: 'text/plain',
  html: 'text/html',
  htm: 'text/html',
  csv: 'text/csv',
  json: 'application/json',
  pdf: 'application/pdf',
  zip: 'application/zip',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  ics: 'text/calendar',
  eml: 'message/rfc822',
};

function guessType(filename: string | undefined, fromString: boolean): string {
  const ext = filename?.split('.').pop()?.toLowerCase();
  if (ext && TYPES[ext]) return TYPES[ext];
  return fromString ? 'text/plain' : 'application/octet-stream';
}

function list(v: AddressLike | AddressLike[] | undefined): native.AddressInput[] | undefined {
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? v : [v];
}

function bare(id: string | undefined): string | undefined {
  return id?.trim().replace(/^<|>$/g, '');
}

function text(v: string | Buffer | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

function headers(h: MailOptions['headers']): native.Header[] | undefined {
  if (!h) return undefined;
  if (Array.isArray(h)) return h.map(({ key, value }) => ({ name: key, value: String(value) }));
  const out: native.Header[] = [];
  for (const [name, value] of Object.entries(h)) {
    for (const v of Array.isArray(value) ? value : [value]) out.push({ name, value: String(v) });
  }
  return out;
}

async function attachment(a: MailAttachmentInput): Promise<native.MailAttachment> {
  let content: Buffer;
  let fromString = false;
  let filename = a.filename;
  if (a.content !== undefined && a.content !== null) {
    if (typeof a.content === 'string') {
      content = Buffer.from(a.content, a.encoding ?? 'utf8');
      fromString = a.encoding === undefined;
    } else {
      content = Buffer.from(a.content);
    }
  } else if (a.path) {
    content = await readFile(a.path);
    filename ??= a.path.split(/[\\/]/).pop();
  } else {
    throw invalidInput(`attachment ${JSON.stringify(a.filename ?? '')} has neither content nor path`);
  }
  return {
    filename,
    content,
    contentType: a.contentType ?? guessType(filename, fromString),
    cid: bare(a.cid),
  };
}

/** The native form of a nodemailer-shaped message. */
export async function toNative(m: MailOptions): Promise<native.MailOptions> {
  checkMail(m);
  return {
    from: m.from,
    to: list(m.to),
    cc: list(m.cc),
    bcc: list(m.bcc),
    replyTo: list(m.replyTo),
    subject: m.subject,
    text: text(m.text),
    html: text(m.html),
    attachments: m.attachments ? await Promise.all(m.attachments.map(attachment)) : undefined,
    headers: headers(m.headers),
    messageId: bare(m.messageId),
    inReplyTo: bare(m.inReplyTo),
    references: m.references === undefined ? undefined : (Array.isArray(m.references) ? m.references : m.references.split(/\s+/)).map((r) => bare(r) as string).filter(Boolean),
    date: m.date === undefined ? undefined : new Date(m.date),
  };
}

/** Bytes from a Buffer, typed array or string. */
export function bytes(v: string | Buffer | Uint8Array): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (v instanceof Uint8Array) return Buffer.isBuffer(v) ? v : Buffer.from(v);
  throw invalidInput('expected a Buffer or a string');
}

/**
 * Parses a complete RFC 5322 message (headers decoded, text and HTML bodies, attachments
 * with their data). Throws a `MailError` with code `EINVAL` for empty input.
 */
export function parseMessage(raw: Buffer | Uint8Array | string): native.Message {
  return callSync(() => native.parseMessage(bytes(raw)));
}

/** The message as RFC 5322 bytes (Bcc left out), exactly as `send` would transmit it. */
export async function buildMessage(message: MailOptions): Promise<Buffer> {
  const { raw } = checkMail(message);
  if (raw !== undefined) return bytes(raw);
  const m = await toNative(message);
  return callSync(() => native.buildMessage(m));
}

/** Options of {@link reply}. */
export interface ReplyOptions {
  /** Who answers. */
  from: AddressLike;
  /** Also answer the original's To and Cc (as Cc). Default false. */
  replyAll?: boolean;
  /** Your answer, placed above the quoted original. */
  text?: string;
}

const REPLY_KEYS: Keys<ReplyOptions> = { from: true, replyAll: true, text: true };

/**
 * A reply to `original` (from `fetchMessage` or `parseMessage`) as a message object to
 * pass to `send`: To is its Reply-To (or From), `Re:` subject, In-Reply-To and References
 * continue the thread, and the text quotes the original.
 */
export function reply(original: native.Message, options: ReplyOptions): MailOptions {
  if (options === undefined || options === null) throw invalidInput('reply needs options ({from})');
  checkKeys(options, REPLY_KEYS, 'reply options');
  return fromNativeMail(
    callSync(() => native.replyTo(original, options.from, options.replyAll ?? false, options.text)),
  );
}

/** The facade's shape of a message the core composed. */
function fromNativeMail(m: native.MailOptions): MailOptions {
  const { headers: h, ...rest } = m;
  const out: MailOptions = { ...rest } as MailOptions;
  if (h && h.length) out.headers = h.map(({ name, value }) => ({ key: name, value }));
  return out;
}

/** Options of {@link forward}. */
export interface ForwardOptions {
  /** Who forwards. */
  from: AddressLike;
  /** The new recipients. */
  to: AddressLike | AddressLike[];
  /** A note placed above the forwarded message. */
  text?: string;
}

const FORWARD_KEYS: Keys<ForwardOptions> = { from: true, to: true, text: true };

/**
 * A forward of `original` as a message object to pass to `send`: `Fwd:` subject, a
 * forwarded-message block, every attachment carried over.
 */
export function forward(original: native.Message, options: ForwardOptions): MailOptions {
  if (options === undefined || options === null) throw invalidInput('forward needs options ({from, to})');
  checkKeys(options, FORWARD_KEYS, 'forward options');
  return fromNativeMail(
    callSync(() => native.forwardTo(original, options.from, list(options.to) ?? [], options.text)),
  );
}

export { call };
