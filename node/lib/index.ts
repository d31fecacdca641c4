/**
 * mailwire for Node.js: async IMAP and SMTP and MIME parsing/building, on a native Rust
 * core. Shaped like imapflow (IMAP) and nodemailer (SMTP); every failure is a
 * {@link MailError} with a `.code`.
 */
import * as native from '../native';
import { call, callSync } from './errors';

export { MailError } from './errors';

/**
 * The version of mailwire: the one in the workspace's Cargo.toml, compiled into the native
 * library (the npm package's own version is checked against it when it is packed).
 */
export const version: string = native.VERSION;
export type { ErrorCode, ErrorKind, MailErrorInit } from './errors';
export { ImapClient } from './imap';
export { discover } from './discover';
export type { DiscoverOptions } from './discover';
export type { ConnectionOptions, ImapConnectionOptions, Pem, SmtpConnectionOptions } from './connection';
export type {
  AppendOptions,
  DateInput,
  FetchOptions,
  FetchRangeOptions,
  FetchRawOptions,
  IdleOptions,
  ImapClientEvents,
  ImapEvent,
  ImapOptions,
  MailboxEvent,
  MultiWatch,
  RawCommandOptions,
  SearchObject,
  SaveAttachmentOptions,
  SearchQuery,
  SyncResult,
  UidInput,
  Watch,
  WatchChange,
  WatchManyOptions,
  WatchOptions,
  WatchReconnected,
} from './imap';
export { UidSet } from './uidset';
export type { UidRange } from './uidset';
export { SmtpClient } from './smtp';
export type { SendOptions, SmtpOptions } from './smtp';
export { buildMessage, forward, parseMessage, reply } from './message';
export type { AddressLike, ForwardOptions, MailAttachmentInput, MailOptions, ReplyOptions } from './message';
export type {
  Address,
  Attachment,
  AttachmentInfo,
  AuthOptions,
  ConnectOptions,
  Discovered,
  Envelope,
  FlagChange,
  Header,
  Mailbox,
  MailboxStatus,
  Message,
  MessageSummary,
  RawMessage,
  RawResponse,
  RecipientError,
  SendEnvelope,
  SearchQuery as NativeSearchQuery,
  SendResult,
  ServerSettings,
  TlsSettings,
  UidMap,
  Uids,
} from '../native';

/**
 * Sends protocol traces to `hook(target, line)` (`target` is `mailwire.imap` or
 * `mailwire.smtp`; passwords and tokens are redacted), or stops them with `null`. The hook
 * does not keep the process alive.
 */
export function setTraceHook(hook: ((target: string, line: string) => void) | null): void {
  callSync(() => native.setTraceHook(hook));
}

/**
 * Test-only: panics inside the native layer, to prove that a panic (a bug) throws a
 * {@link MailError} with code `EPROTOCOL` carrying its text and never ends the process.
 * @internal
 */
export function _debugPanic(msg: string): void {
  callSync(() => native._debugPanic(msg));
}

/**
 * Test-only: the async counterpart of {@link _debugPanic}; rejects with a
 * {@link MailError} with code `EPROTOCOL`.
 * @internal
 */
export async function _debugPanicAsync(msg: string): Promise<void> {
  await call(() => native._debugPanicAsync(msg));
}
