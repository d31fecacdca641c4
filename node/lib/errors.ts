/**
 * `MailError`: every failure of mailwire, with a nodemailer-style `.code` (DESIGN §4) and
 * what the server said. The native layer encodes the core's error in the message (napi-rs
 * async functions cannot set a custom code); {@link fromNative} decodes it.
 */

/** The kind of failure, as the core names it. */
export type ErrorKind =
  | 'connect'
  | 'tls'
  | 'auth'
  | 'timeout'
  | 'not_found'
  | 'already_exists'
  | 'rejected'
  | 'protocol'
  | 'invalid_input'
  | 'closed';

/** The `.code` of a {@link MailError}. */
export type ErrorCode =
  | 'ECONNECTION'
  | 'ETLS'
  | 'EAUTH'
  | 'ETIMEDOUT'
  | 'ENONEXISTENT'
  | 'EEXISTS'
  | 'EREJECTED'
  | 'EPROTOCOL'
  | 'EINVAL'
  | 'ECLOSED';

const CODES: Record<ErrorKind, ErrorCode> = {
  connect: 'ECONNECTION',
  tls: 'ETLS',
  auth: 'EAUTH',
  timeout: 'ETIMEDOUT',
  not_found: 'ENONEXISTENT',
  already_exists: 'EEXISTS',
  rejected: 'EREJECTED',
  protocol: 'EPROTOCOL',
  invalid_input: 'EINVAL',
  closed: 'ECLOSED',
};

/** The fields a {@link MailError} is built from. */
export interface MailErrorInit {
  /** The kind of failure. */
  kind: ErrorKind;
  /** The readable message (description, codes and the server's text). */
  message: string;
  /** The description alone, without the server's text. */
  description?: string;
  /** The server's own text, when it answered. */
  serverText?: string;
  /** The IMAP response code (`NONEXISTENT`, `AUTHENTICATIONFAILED`, …). */
  responseCode?: string;
  /** The SMTP reply code (`550`). */
  smtpCode?: number;
  /** The SMTP enhanced status code (`5.1.1`). */
  enhancedCode?: string;
  /** Retrying later may succeed (SMTP 4xx, a timeout, a lost connection). */
  transient?: boolean;
  /** The server refused for good (SMTP 5xx). */
  permanent?: boolean;
  /** The underlying cause (an I/O or TLS error), as text. */
  cause?: string;
}

/**
 * A mailwire failure. Test `.code` (`'EAUTH'`, `'ETIMEDOUT'`, `'ENONEXISTENT'`, …); the
 * server's text and codes are properties. No message ever contains a password or token.
 */
export class MailError extends Error {
  /** The nodemailer-style code. */
  readonly code: ErrorCode;
  /** The core's kind (`'auth'`, `'not_found'`, …). */
  readonly kind: ErrorKind;
  /** The description alone, without the codes and the server's text (`message` starts with it). */
  readonly description: string;
  /** The server's own text, when it answered. */
  readonly serverText?: string;
  /** The IMAP response code (`NONEXISTENT`, `ALREADYEXISTS`, `AUTHENTICATIONFAILED`, …). */
  readonly responseCode?: string;
  /** The SMTP reply code (`550`, `535`, …). */
  readonly smtpCode?: number;
  /** The SMTP enhanced status code (`5.1.1`). */
  readonly enhancedCode?: string;
  /** Retrying later may succeed. */
  readonly transient: boolean;
  /** The server refused for good. */
  readonly permanent: boolean;

  /** Builds an error from its fields (normally done by mailwire itself). */
  constructor(init: MailErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'MailError';
    this.kind = init.kind;
    this.description = init.description ?? init.message;
    this.code = CODES[init.kind] ?? 'EPROTOCOL';
    this.serverText = init.serverText;
    this.responseCode = init.responseCode;
    this.smtpCode = init.smtpCode;
    this.enhancedCode = init.enhancedCode;
    this.transient = init.transient ?? false;
    this.permanent = init.permanent ?? false;
  }
}

const MARKER = 'MAILWIRE_ERROR';

/** napi-rs statuses for arguments of the wrong type: the caller's mistake. */
const ARGUMENT_STATUSES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
  'DateExpected',
  'ArrayBufferExpected',
  'DetachableArraybufferExpected',
]);

/** Turns an error thrown by the native layer into a {@link MailError}; others pass through. */
export function fromNative(e: unknown): unknown {
  if (!(e instanceof Error) || e instanceof MailError) return e;
  const at = e.message.indexOf(MARKER);
  if (at >= 0) {
    try {
      const init = JSON.parse(e.message.slice(at + MARKER.length)) as MailErrorInit;
      return new MailError(init);
    } catch {
      return e;
    }
  }
  const code = (e as { code?: unknown }).code;
  if ((typeof code === 'string' && ARGUMENT_STATUSES.has(code)) || e instanceof TypeError) {
    return new MailError({ kind: 'invalid_input', message: e.message });
  }
  return e;
}

/** Runs a native call, converting what it throws (synchronously or not). */
export async function call<T>(f: () => Promise<T> | T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw fromNative(e);
  }
}

/** Runs a synchronous native call, converting what it throws. */
export function callSync<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw fromNative(e);
  }
}

/** A {@link MailError} for a bad argument caught in the facade. */
export function invalidInput(message: string): MailError {
  return new MailError({ kind: 'invalid_input', message });
}
