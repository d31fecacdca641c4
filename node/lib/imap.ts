/**
 * `ImapClient`: the imapflow-shaped face of the core's IMAP client. Every method is one
 * native call; `fetch` and `fetchRawMany` are async iterators over native batches; push
 * (IDLE) is both a promise (`idle`) and EventEmitter events (`exists`, `expunge`, `flags`,
 * `overflow`); `watchMany` emits `change` and `reconnected`. UID ranges from the server arrive as {@link UidSet}s, never expanded.
 */
import { EventEmitter } from 'node:events';

import * as native from '../native';
import { CONNECTION_KEYS, ImapConnectionOptions, nativeConnectOptions } from './connection';
import { call, fromNative, invalidInput, MailError } from './errors';
import { bytes, MailOptions, buildMessage } from './message';
import { checkKeys, Keys } from './options';
import { UidSet } from './uidset';

export type { ConnectionOptions } from './connection';

/** Options of {@link ImapClient.connect} (documented on the native `ConnectOptions`). */
export type ImapOptions = ImapConnectionOptions;

const IMAP_KEYS: Keys<ImapOptions> = { ...CONNECTION_KEYS, idleReissue: true, noProgressTimeout: true, maxResponseSize: true, clientId: true };

/**
 * UIDs: a number, an array of numbers, a {@link UidSet} (passed on as ranges), or a string
 * (`'1:*'`, `'*'`, `'100:*'`, `'1:5,7'`).
 */
export type UidInput = number | Iterable<number> | UidSet | string;

/** A date for a search: a `Date` or an ISO string (the UTC date part is used). */
export type DateInput = Date | string;

/** The search keys that take a date. */
const DATE_KEYS = ['since', 'before', 'on', 'sentSince', 'sentBefore', 'sentOn'] as const;

/**
 * An imapflow-like search query: every given key must match (the native `SearchQuery`'s
 * keys, documented there). Flags take a boolean (false means "without"); strings match
 * case-insensitive substrings; dates are a `Date` or an ISO string; `header` maps names to
 * a substring (`true` or `''`: the header is present); `not` is one query.
 */
export type SearchObject = Omit<native.SearchQuery, (typeof DATE_KEYS)[number] | 'uid' | 'header' | 'modseq' | 'or' | 'not' | 'raw'> & {
  [K in (typeof DATE_KEYS)[number]]?: DateInput;
} & {
  uid?: UidInput;
  /** Without the keyword (imapflow's spelling of `unkeyword`). */
  unKeyword?: string;
  header?: Record<string, string | boolean>;
  modseq?: number | bigint;
  or?: SearchObject[];
  not?: SearchObject;
};

/** A search: an object of criteria or raw IMAP search keys (`'OR SEEN FLAGGED'`). */
export type SearchQuery = SearchObject | string;

const SEARCH_KEYS: Keys<SearchObject> = {
  all: true, seen: true, flagged: true, answered: true, deleted: true, draft: true, from: true,
  to: true, cc: true, bcc: true, subject: true, body: true, text: true, since: true, before: true,
  on: true, sentSince: true, sentBefore: true, sentOn: true, larger: true, smaller: true, uid: true,
  keyword: true, unkeyword: true, unKeyword: true, header: true, modseq: true, gmailRaw: true, or: true,
  not: true,
};

/** Options of {@link ImapClient.fetch}. */
export interface FetchOptions {
  /** Fetch the envelope. Default true. */
  envelope?: boolean;
  /** Fetch BODYSTRUCTURE for the attachment list. Default true. */
  attachments?: boolean;
  /** Only messages whose modseq is higher (CONDSTORE). */
  changedSince?: number | bigint;
  /** Items per native batch (default 500). */
  batchSize?: number;
}

const FETCH_KEYS: Keys<FetchOptions> = { envelope: true, attachments: true, changedSince: true, batchSize: true };

/** Options of {@link ImapClient.fetchRawMany}. */
export interface FetchRawOptions {
  /** Messages per native batch (default 64). */
  batchSize?: number;
}

const FETCH_RAW_KEYS: Keys<FetchRawOptions> = { batchSize: true };

/** Options of {@link ImapClient.fetchRange}. */
export interface FetchRangeOptions {
  /** A MIME part (`'2'`, `'1.3'`) instead of the whole message. */
  part?: string;
}

const FETCH_RANGE_KEYS: Keys<FetchRangeOptions> = { part: true };

/** Options of {@link ImapClient.saveAttachment}. */
export interface SaveAttachmentOptions {
  /** Called with the encoded bytes fetched so far and the part's encoded size. */
  onProgress?: (done: number, total: number | null) => void;
}

const SAVE_KEYS: Keys<SaveAttachmentOptions> = { onProgress: true };

/** Options of {@link ImapClient.append}. */
export interface AppendOptions {
  /** Flags and keywords to set (`'\\Seen'`, `'$Label'`). */
  flags?: string | string[];
  /** The internal date; now when absent. */
  date?: Date;
}

const APPEND_KEYS: Keys<AppendOptions> = { flags: true, date: true };

/** Options of {@link ImapClient.rawCommand}. */
export interface RawCommandOptions {
  /** A mailbox to select first (the command then runs inside it). */
  mailbox?: string;
}

const RAW_KEYS: Keys<RawCommandOptions> = { mailbox: true };

/** Options of {@link ImapClient.idle}. */
export interface IdleOptions {
  /**
   * How long to wait in ms; default `DEFAULT_IDLE_TIMEOUT` (the core's 29 minutes, the longest
   * RFC 2177 lets one IDLE stand), after which it resolves to `[]`.
   */
  timeout?: number;
  /** Ends the wait early; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

const IDLE_KEYS: Keys<IdleOptions> = { timeout: true, signal: true };

/** Options of {@link ImapClient.watch}. */
export interface WatchOptions {
  /** Stops the watch when it aborts (as `stop()` does). */
  signal?: AbortSignal;
}

const WATCH_KEYS: Keys<WatchOptions> = { signal: true };

/** Options of {@link ImapClient.watchMany} (the native `WatchManyOptions`, in milliseconds). */
export type WatchManyOptions = native.WatchManyOptions & {
  /** Stops the watch when it aborts (as `stop()` does). */
  signal?: AbortSignal;
};

const WATCH_MANY_KEYS: Keys<WatchManyOptions> = {
  maxConnections: true, pollInterval: true, backoffMin: true, backoffMax: true, useNotify: true, signal: true,
};

/**
 * Something that changed in a mailbox: `exists` (`count`, and `prevCount` just before),
 * `expunge` (`uids` when the server told them, else `seq`), `flags` (`uid`, `seq`, `flags`,
 * `modseq`) or `overflow` (more events arrived than the client keeps between two calls,
 * 10,000: the oldest `dropped` were discarded; resynchronise with `sync`).
 */
export type MailboxEvent = Omit<native.MailboxEvent, 'uids'> & {
  /** The removed UIDs (`expunge`, when the server told them), as ranges. */
  uids?: UidSet;
};

/** What changed in a mailbox since a saved state; store `state` for the next `sync`. */
export type SyncResult = Omit<native.SyncResult, 'vanished'> & {
  /** UIDs that are gone, as ranges (which may include UIDs this client never saw). */
  vanished: UidSet;
};

/** A push event as `exists`/`expunge`/`flags`/`overflow` listeners receive it. */
export type ImapEvent = MailboxEvent & {
  /** The mailbox it happened in. */
  mailbox: string;
  /** The mailbox (imapflow's name). */
  path: string;
};

/**
 * A `change` report of {@link ImapClient.watchMany}: what sync found in `mailbox` since the
 * last report (new UIDs, flag changes, vanished UIDs; `state` is where the watch stands).
 */
export type WatchChange = SyncResult & {
  /** The mailbox. */
  mailbox: string;
  /** The mailbox (imapflow's name). */
  path: string;
};

/**
 * A `reconnected` report of {@link ImapClient.watchMany}: the connection watching `mailbox`
 * was lost and is back after `attempts` tries; what changed meanwhile follows as `change`.
 */
export interface WatchReconnected {
  /** The mailbox. */
  mailbox: string;
  /** The mailbox (imapflow's name). */
  path: string;
  /** Connection attempts it took (1 or more). */
  attempts: number;
}

/** The events of {@link ImapClient}, as imapflow names them. */
export interface ImapClientEvents {
  /** The message count changed (new mail when it grew). */
  exists: [ImapEvent];
  /** Messages were removed. */
  expunge: [ImapEvent];
  /** A message's flags changed. */
  flags: [ImapEvent];
  /** Events were dropped (`dropped` of them): resynchronise with `sync`. */
  overflow: [ImapEvent];
  /** A `watchMany` mailbox changed: what sync found. */
  change: [WatchChange];
  /** A `watchMany` connection was lost and is back. */
  reconnected: [WatchReconnected];
  /** A `watch` or `watchMany` ended at an error (see {@link Watch.ended}). */
  error: [MailError];
  /** The client was logged out. */
  close: [];
}

/** A running {@link ImapClient.watch}. */
export interface Watch {
  /** Stops watching; resolves when IDLE has ended. */
  stop(): Promise<void>;
  /**
   * Resolves when the watch has ended: after `stop()`, `logout()`, or its first error (emitted
   * as `error` first). A watch never retries on its own; watch again to go on.
   */
  ended: Promise<void>;
}

/** A running {@link ImapClient.watchMany}. */
export interface MultiWatch extends Watch {
  /**
   * How many connections are watching now: connected, with their mailboxes synced, so that
   * any later change is reported (at most `maxConnections`).
   */
  readonly connections: number;
}

function uids(v: UidInput): native.Uids {
  if (typeof v === 'string') return v;
  if (v instanceof UidSet) return v.size === 0 ? [] : v.toString();
  if (typeof v === 'number') return [checkUid(v)];
  if (v !== null && typeof v === 'object' && Symbol.iterator in v) {
    const out: number[] = [];
    for (const n of v) {
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw invalidInput(`${n} is not a UID (1 .. 2**32-1)`);
      out.push(n);
    }
    return out;
  }
  throw invalidInput('UIDs are a number, an array of numbers or a string such as "1:*"');
}

function checkUid(v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw invalidInput(`${v} is not a UID (1 .. 2**32-1)`);
  return v;
}

function count(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw invalidInput(`${what} must be a whole number of bytes (0 .. 2**32-1), not ${v}`);
  return v;
}

function date(v: DateInput | undefined, what: string): Date | undefined {
  if (v === undefined) return undefined;
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) throw invalidInput(`${what} is not a date`);
  return d;
}

function num(v: number | bigint | undefined): number | undefined {
  return v === undefined ? undefined : Number(v);
}

function query(q: SearchQuery | undefined): native.SearchQuery {
  if (q === undefined || q === null) return { all: true };
  if (typeof q === 'string') return { raw: q };
  checkKeys(q, SEARCH_KEYS, 'the search query');
  const { unKeyword, uid, header, modseq, or, not, ...rest } = q;
  const out: native.SearchQuery = { ...rest, unkeyword: q.unkeyword ?? unKeyword } as native.SearchQuery;
  for (const k of DATE_KEYS) out[k] = date(q[k], k);
  if (uid !== undefined) out.uid = uids(uid);
  if (header) out.header = Object.entries(header).map(([name, value]) => ({ name, value: value === true ? '' : String(value) }));
  out.modseq = num(modseq);
  out.or = or?.map(query);
  if (not) out.not = [query(not)];
  return out;
}

function event(e: native.MailboxEvent): MailboxEvent {
  const { uids, ...rest } = e;
  return uids == null ? rest : { ...rest, uids: new UidSet(uids) };
}

function flagList(flags: string | string[]): string[] {
  return typeof flags === 'string' ? [flags] : flags;
}

/** Pulls native batches and yields their items; closes the native stream on `break`. */
async function* drain<T>(
  open: () => Promise<{ nextBatch(max: number): Promise<T[]>; close(): Promise<void> }>,
  batchSize: number,
): AsyncGenerator<T, void, undefined> {
  const stream = await call(open);
  let done = false;
  try {
    for (;;) {
      const batch = await call(() => stream.nextBatch(batchSize));
      if (batch.length === 0) {
        done = true;
        return;
      }
      yield* batch;
    }
  } finally {
    if (!done) await stream.close().catch(() => {});
  }
}

/**
 * Yields the summaries of a native stream: each batch arrives as one JSON string (read
 * ahead by the native side while this consumes the previous one); dates come as epoch
 * milliseconds and become `Date`s here. Closes the native stream on `break`.
 */
async function* summaries(open: () => Promise<native.SummaryStream>): AsyncGenerator<native.MessageSummary, void, undefined> {
  const stream = await call(open);
  let done = false;
  try {
    for (;;) {
      const json = await call(() => stream.nextJson());
      if (json === '') {
        done = true;
        return;
      }
      const batch = JSON.parse(json) as Array<Record<string, any>>;
      for (const s of batch) {
        if (s.internalDate !== undefined) s.internalDate = new Date(s.internalDate);
        const e = s.envelope;
        if (e.date !== undefined) e.date = new Date(e.date);
        yield s as native.MessageSummary;
      }
    }
  } finally {
    if (!done) await stream.close().catch(() => {});
  }
}

/**
 * An IMAP client: one authenticated connection; calls are queued, never interleaved. The
 * mailbox is an argument of every call. When the connection breaks, that call rejects
 * (`ECONNECTION`/`ETIMEDOUT`) and the next one reconnects.
 *
 * ```js
 * const client = await ImapClient.connect({ host, auth: { user, pass } });
 * for await (const msg of client.fetch('INBOX', '1:*')) console.log(msg.envelope.subject);
 * await client.logout();
 * ```
 */
export class ImapClient extends EventEmitter {
  readonly #native: native.NativeImapClient;
  #watchers = new Set<native.IdleWatcher>();
  #multi = new Set<native.MultiWatcher>();
  #closed = false;

  private constructor(n: native.NativeImapClient) {
    super();
    this.#native = n;
  }

  /** Connects and logs in. Rejects with `ECONNECTION`, `ETLS`, `EAUTH` or `ETIMEDOUT`. */
  static async connect(options: ImapOptions): Promise<ImapClient> {
    return new ImapClient(await call(() => native.NativeImapClient.connect(nativeConnectOptions(options, IMAP_KEYS, 'ImapClient options'))));
  }

  /** Whether the server announced `capability` (`'IDLE'`, `'MOVE'`), case-insensitive. */
  hasCapability(capability: string): Promise<boolean> {
    return call(() => this.#native.hasCapability(capability));
  }

  /** Every capability the server announced (after login), upper case and sorted. */
  capabilities(): Promise<string[]> {
    return call(() => this.#native.capabilities());
  }

  /**
   * What the server said of itself in answer to the client's ID (RFC 2971): `name`,
   * `vendor`, `version`, …; `null` when it does not offer ID or the client sends none
   * (`clientId: {}`).
   */
  async serverId(): Promise<Record<string, string> | null> {
    return (await call(() => this.#native.serverId())) ?? null;
  }

  /**
   * Sends `command` (one line without tag, e.g. `'GETQUOTAROOT INBOX'`) as it is, with
   * `mailbox` selected first when given, and resolves to the server's answer uninterpreted:
   * `{status, text, untagged, isOk}` (a NO or BAD is a status, not a rejection). Quote
   * arguments yourself. CR, LF, literals and commands the client must manage itself (IDLE,
   * LOGIN, LOGOUT, STARTTLS, APPEND, …) reject with `EINVAL`.
   */
  async rawCommand(command: string, options: RawCommandOptions = {}): Promise<native.RawResponse> {
    const { mailbox } = checkKeys(options, RAW_KEYS, 'rawCommand options') ?? {};
    return call(() => this.#native.rawCommand(command, mailbox));
  }

  /**
   * Takes the events of `mailbox` that arrived during other calls and were not reported
   * yet, oldest first (no round trip); otherwise the next `idle` or `watch` of `mailbox`
   * delivers them first. Each is also emitted, as `idle` does.
   */
  async pendingEvents(mailbox: string): Promise<MailboxEvent[]> {
    const events = (await call(() => this.#native.pendingEvents(mailbox))).map(event);
    this.#emitAll(mailbox, events);
    return events;
  }

  /** Sends NOOP: keeps the connection alive. */
  noop(): Promise<void> {
    return call(() => this.#native.noop());
  }

  /** Every mailbox, with its special-use `role` and subscription. */
  listMailboxes(): Promise<native.Mailbox[]> {
    return call(() => this.#native.listMailboxes());
  }

  /** Counters (messages, unseen, uidNext, …) of a mailbox, without selecting it. */
  mailboxStatus(mailbox: string): Promise<native.MailboxStatus> {
    return call(() => this.#native.mailboxStatus(mailbox));
  }

  /** Creates a mailbox; rejects with `EEXISTS` when it exists. */
  createMailbox(mailbox: string): Promise<void> {
    return call(() => this.#native.createMailbox(mailbox));
  }

  /** Renames a mailbox and its children. */
  renameMailbox(from: string, to: string): Promise<void> {
    return call(() => this.#native.renameMailbox(from, to));
  }

  /** Deletes a mailbox; rejects with `ENONEXISTENT` when it does not exist. */
  deleteMailbox(mailbox: string): Promise<void> {
    return call(() => this.#native.deleteMailbox(mailbox));
  }

  /** Subscribes to a mailbox. */
  subscribe(mailbox: string): Promise<void> {
    return call(() => this.#native.subscribe(mailbox));
  }

  /** Unsubscribes from a mailbox. */
  unsubscribe(mailbox: string): Promise<void> {
    return call(() => this.#native.unsubscribe(mailbox));
  }

  /** UIDs (ascending) of the messages matching `query` (default: all). */
  search(mailbox: string, q?: SearchQuery): Promise<number[]> {
    return call(() => this.#native.search(mailbox, query(q)));
  }

  /**
   * Summaries (UID, flags, size, dates, envelope, attachment list) of `uids`, as they
   * arrive: `for await (const s of client.fetch('INBOX', '1:*'))`. Never sets `\Seen`.
   * The loop holds the connection: do not call this client inside it (collect first).
   */
  fetch(mailbox: string, range: UidInput, options: FetchOptions = {}): AsyncGenerator<native.MessageSummary, void, undefined> {
    const { batchSize = native.DEFAULT_FETCH_BATCH, changedSince, ...rest } = checkKeys(options, FETCH_KEYS, 'fetch options') ?? {};
    return summaries(() =>
      this.#native.fetch(mailbox, uids(range), { ...rest, changedSince: num(changedSince) }, batchSize),
    );
  }

  /** Every summary of `uids` at once (see {@link fetch}). */
  async fetchAll(mailbox: string, range: UidInput, options: FetchOptions = {}): Promise<native.MessageSummary[]> {
    const out: native.MessageSummary[] = [];
    for await (const s of this.fetch(mailbox, range, options)) out.push(s);
    return out;
  }

  /** The whole source of each message of `uids`, many per command: `{uid, data}` items. */
  fetchRawMany(mailbox: string, range: UidInput, options: FetchRawOptions = {}): AsyncGenerator<native.RawMessage, void, undefined> {
    const { batchSize = native.DEFAULT_RAW_FETCH_BATCH } = checkKeys(options, FETCH_RAW_KEYS, 'fetchRawMany options') ?? {};
    return drain(() => this.#native.fetchRawMany(mailbox, uids(range)), batchSize);
  }

  /** The whole message source, without setting `\Seen`. */
  fetchRaw(mailbox: string, uid: number): Promise<Buffer> {
    return call(() => this.#native.fetchRaw(mailbox, checkUid(uid)));
  }

  /** The message, downloaded and parsed (text, HTML, attachments). */
  fetchMessage(mailbox: string, uid: number): Promise<native.Message> {
    return call(() => this.#native.fetchMessage(mailbox, checkUid(uid)));
  }

  /**
   * Bytes `offset .. offset + length` of the message source, or of one MIME `part` (`'2'`,
   * `'1.3'`), as stored (not transfer-decoded), without setting `\Seen`: shorter at the end
   * of the data, empty past it. For a preview, or to resume a large download.
   */
  async fetchRange(mailbox: string, uid: number, offset: number, length: number, options: FetchRangeOptions = {}): Promise<Buffer> {
    const { part } = checkKeys(options, FETCH_RANGE_KEYS, 'fetchRange options') ?? {};
    return call(() => this.#native.fetchRange(mailbox, checkUid(uid), count(offset, 'offset'), count(length, 'length'), part));
  }

  /** One MIME part (`'2'`, `'1.3'` — `AttachmentInfo.part`), transfer-decoded. */
  download(mailbox: string, uid: number, part: string): Promise<Buffer> {
    return call(() => this.#native.download(mailbox, checkUid(uid), part));
  }

  /**
   * Streams one part to the file `path` (memory stays bounded), transfer-decoded; resolves
   * to the bytes written. `onProgress(done, total)` gets the encoded bytes fetched.
   */
  async saveAttachment(
    mailbox: string,
    uid: number,
    part: string,
    path: string,
    options: SaveAttachmentOptions = {},
  ): Promise<number> {
    const { onProgress } = checkKeys(options, SAVE_KEYS, 'saveAttachment options') ?? {};
    return call(() => this.#native.saveAttachment(mailbox, checkUid(uid), part, path, onProgress));
  }

  /** Adds flags or keywords (`'\\Seen'`, `'$Forwarded'`). */
  addFlags(mailbox: string, range: UidInput, flags: string | string[]): Promise<void> {
    return call(() => this.#native.addFlags(mailbox, uids(range), flagList(flags)));
  }

  /** Removes flags or keywords. */
  removeFlags(mailbox: string, range: UidInput, flags: string | string[]): Promise<void> {
    return call(() => this.#native.removeFlags(mailbox, uids(range), flagList(flags)));
  }

  /**
   * Adds Gmail labels (`'\\Important'`, `'\\Starred'`, user labels such as `'Work/2026'`);
   * rejects with `EINVAL` when the server is not Gmail (no `X-GM-EXT-1`). Summaries carry
   * the labels as `gmailLabels`.
   */
  addLabels(mailbox: string, range: UidInput, labels: string | string[]): Promise<void> {
    return call(() => this.#native.addLabels(mailbox, uids(range), flagList(labels)));
  }

  /** Removes Gmail labels (see {@link addLabels}). */
  removeLabels(mailbox: string, range: UidInput, labels: string | string[]): Promise<void> {
    return call(() => this.#native.removeLabels(mailbox, uids(range), flagList(labels)));
  }

  /** Replaces the flags and keywords. */
  setFlags(mailbox: string, range: UidInput, flags: string | string[]): Promise<void> {
    return call(() => this.#native.setFlags(mailbox, uids(range), flagList(flags)));
  }

  /** Copies messages to `destination`; resolves to where they landed. */
  copyMessages(mailbox: string, range: UidInput, destination: string): Promise<native.UidMap> {
    return call(() => this.#native.copyMessages(mailbox, uids(range), destination));
  }

  /** Moves messages to `destination` (MOVE, or copy + delete); resolves to the new UIDs. */
  moveMessages(mailbox: string, range: UidInput, destination: string): Promise<native.UidMap> {
    return call(() => this.#native.moveMessages(mailbox, uids(range), destination));
  }

  /** Deletes messages: `\Deleted` + UID EXPUNGE of exactly these. */
  deleteMessages(mailbox: string, range: UidInput): Promise<void> {
    return call(() => this.#native.deleteMessages(mailbox, uids(range)));
  }

  /** Removes every message flagged `\Deleted`. */
  expunge(mailbox: string): Promise<void> {
    return call(() => this.#native.expunge(mailbox));
  }

  /**
   * Uploads a message (raw bytes, a string, or a nodemailer-shaped object); resolves to its
   * UID when the server reports it (UIDPLUS), else `null`.
   */
  async append(
    mailbox: string,
    content: Buffer | Uint8Array | string | MailOptions,
    options: AppendOptions = {},
  ): Promise<number | null> {
    const { flags, date } = checkKeys(options, APPEND_KEYS, 'append options') ?? {};
    const raw = typeof content === 'string' || content instanceof Uint8Array ? bytes(content) : await buildMessage(content);
    return call(() => this.#native.append(mailbox, raw, flags === undefined ? undefined : flagList(flags), date));
  }

  /**
   * Waits for changes in `mailbox` (IDLE) and resolves to them, empty when `timeout` passed
   * first; changes that arrived during other calls (see {@link pendingEvents}) at once. Each
   * change is also emitted as an `exists`, `expunge`, `flags` or `overflow` event.
   */
  async idle(mailbox: string, options: IdleOptions = {}): Promise<MailboxEvent[]> {
    const { timeout, signal } = checkKeys(options, IDLE_KEYS, 'idle options') ?? {};
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout >= 0)) {
      throw invalidInput(`timeout must be a number of milliseconds >= 0, not ${timeout}`);
    }
    signal?.throwIfAborted();
    const w = this.#native.watch(mailbox);
    this.#watchers.add(w);
    const abort = () => w.cancel();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const events = (await w.next(timeout)).map(event);
      this.#emitAll(mailbox, events);
      return events;
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw fromNative(e);
    } finally {
      signal?.removeEventListener('abort', abort);
      this.#watchers.delete(w);
    }
  }

  /**
   * Keeps `mailbox` in IDLE and emits `exists`, `expunge`, `flags` and `overflow` events until
   * `stop()` (or `logout`). The connection is busy meanwhile: other calls wait, so use a
   * second client for work while watching. An aborted `signal` stops it as `stop()` does.
   * The first error ends the watch (emitted as `error`; see {@link Watch.ended}), as in every
   * face: reconnect or `sync`, then watch again.
   */
  watch(mailbox: string, options: WatchOptions = {}): Watch {
    const { signal } = checkKeys(options, WATCH_KEYS, 'watch options') ?? {};
    // One core watcher for the whole watch: its contract (cancel, the end at the first
    // error, no hidden retries) is every face's.
    const w = this.#native.watch(mailbox);
    this.#watchers.add(w);
    const loop = (async () => {
      try {
        while (!w.cancelled && !this.#closed) {
          this.#emitAll(mailbox, (await w.next()).map(event));
        }
      } catch (e) {
        if (w.cancelled || this.#closed) return;
        const err = fromNative(e);
        // The watch has ended: say why once ('error' listeners), then stop. Reconnect (or
        // `sync`) and watch again to go on.
        if (this.listenerCount('error') > 0) this.emit('error', err);
      } finally {
        this.#watchers.delete(w);
      }
    })();
    const stop = () => w.cancel();
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    loop.finally(() => signal?.removeEventListener('abort', stop)).catch(() => {});
    return {
      stop: async () => {
        stop();
        await loop;
      },
      ended: loop,
    };
  }

  /**
   * Watches several mailboxes at once on connections of the watcher's own (this client's
   * settings; this client stays free for other calls) and emits their changes as sync finds
   * them: `change` ({@link WatchChange}) and, after a lost connection is back, `reconnected`
   * ({@link WatchReconnected}). The current content is the starting point: only later
   * changes are reported.
   *
   * When the server offers NOTIFY (RFC 5465) one connection watches every mailbox
   * (`useNotify: false` forces the managed IDLE connections); otherwise one IDLE connection
   * per mailbox while they fit under `maxConnections` (default 10), the rest polled every
   * `pollInterval` ms on one more. A lost connection is reopened after a
   * back-off doubling from `backoffMin` to `backoffMax` ms, forever. An error a retry cannot
   * mend (credentials refused, a mailbox that does not exist) ends the watch (emitted as
   * `error`; see {@link Watch.ended}); otherwise it runs until `stop()` (or an aborted
   * `signal`) or `logout()`. Rejects with `EINVAL` for an empty list, a mailbox listed twice
   * or `maxConnections` 0.
   */
  async watchMany(mailboxes: string | string[], options: WatchManyOptions = {}): Promise<MultiWatch> {
    const { signal, ...rest } = checkKeys(options, WATCH_MANY_KEYS, 'watchMany options') ?? {};
    signal?.throwIfAborted();
    const list = typeof mailboxes === 'string' ? [mailboxes] : mailboxes;
    const w = await call(() => this.#native.watchMany(list, rest));
    this.#multi.add(w);
    let stopped = false;
    const stop = () => {
      stopped = true;
      w.cancel();
    };
    const loop = (async () => {
      try {
        while (!stopped && !this.#closed) {
          for (const e of await w.next()) {
            if (e.type === 'change' && e.changes) {
              const c = e.changes;
              this.emit('change', { ...c, vanished: new UidSet(c.vanished), mailbox: e.mailbox, path: e.mailbox });
            } else if (e.type === 'reconnected') {
              this.emit('reconnected', { mailbox: e.mailbox, path: e.mailbox, attempts: e.attempts ?? 1 });
            }
          }
        }
      } catch (e) {
        if (stopped || this.#closed) return;
        // The watch has ended: say why once ('error' listeners), then stop.
        if (this.listenerCount('error') > 0) this.emit('error', fromNative(e));
      } finally {
        this.#multi.delete(w);
      }
    })();
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    loop.finally(() => signal?.removeEventListener('abort', stop)).catch(() => {});
    return {
      stop: async () => {
        stop();
        await loop;
      },
      ended: loop,
      get connections() {
        return w.connections;
      },
    };
  }

  #emitAll(mailbox: string, events: MailboxEvent[]): void {
    for (const e of events) this.emit(e.type, { ...e, mailbox, path: mailbox });
  }

  /**
   * What changed in `mailbox` since `state` (the string from an earlier result; omit it
   * the first time): new UIDs, flag changes, vanished UIDs — the same answers whether the
   * server has QRESYNC, CONDSTORE alone or neither (the state string names the mode:
   * `v2:qresync:…`, `v2:condstore:…`, `v2:basic:…`). `fullResync` only without a state or
   * after a UIDVALIDITY change.
   */
  async sync(mailbox: string, state?: string | null): Promise<SyncResult> {
    const r = await call(() => this.#native.sync(mailbox, state ?? undefined));
    return { ...r, vanished: new UidSet(r.vanished) };
  }

  /** Logs out and closes the connection; later calls reject with `ECLOSED`. */
  async logout(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#watchers) w.cancel();
    for (const w of this.#multi) w.cancel();
    await call(() => this.#native.logout());
    this.emit('close');
  }

  /** Same as {@link logout}. */
  close(): Promise<void> {
    return this.logout();
  }

  /** `await using client = await ImapClient.connect(…)` logs out at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.logout();
  }

  /** Typed `on` for the push events. */
  override on<K extends keyof ImapClientEvents>(event: K, listener: (...args: ImapClientEvents[K]) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  /** Typed `once` for the push events. */
  override once<K extends keyof ImapClientEvents>(event: K, listener: (...args: ImapClientEvents[K]) => void): this;
  override once(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.once(event, listener);
  }
}
