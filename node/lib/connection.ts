/**
 * The connection options shared by `ImapClient.connect` and `SmtpClient.connect`, checked
 * (unknown keys refused, `ca` in every form Node's `tls` takes) before they cross to the
 * native layer.
 */
import * as native from '../native';
import { invalidInput } from './errors';
import { checkKeys, Keys } from './options';

/** A PEM certificate (or bundle): a string or a Buffer. */
export type Pem = string | Buffer;

/** Connection options shared by IMAP and SMTP. */
export interface ConnectionOptions {
  /** Host name or IP address. */
  host: string;
  /** Port; when absent 993 (IMAP) or 465 (SMTP) for `'tls'`, 143 or 587 otherwise. */
  port?: number;
  /**
   * `'tls'` (TLS from the first byte), `'starttls'` (upgrade; never falls back to plaintext)
   * or `'plain'`. When absent the port decides, as in imapflow and nodemailer: `'starttls'`
   * on 143, 587 and 25, `'tls'` on any other port and without one.
   */
  security?: 'tls' | 'starttls' | 'plain';
  /** `{user, pass}` or `{user, accessToken}` (XOAUTH2). */
  auth?: { user: string; pass: string } | { user: string; accessToken: string };
  /**
   * Extra trusted CA certificates, PEM, as Node's `tls` and nodemailer take them: a string,
   * a Buffer, or an array of them (each may hold several certificates).
   */
  ca?: Pem | Pem[];
  /** `rejectUnauthorized: false` accepts any certificate (tests only); `servername` overrides the checked name. */
  tls?: { rejectUnauthorized?: boolean; servername?: string };
  /** Deadline in ms for each command and each read of a streaming response (default 60000). */
  timeout?: number;
  /** Deadline in ms for connect + TLS handshake and the greeting (default 15000, or `timeout`). */
  connectTimeout?: number;
  /**
   * Allow sending the password or token over `security: 'plain'`, unencrypted. Dangerous:
   * anyone on the network path can read it; only for a test server you trust. Default `false`:
   * credentials with `'plain'` fail with `EINVAL`.
   */
  allowPlaintextAuth?: boolean;
}

/** The keys of {@link ConnectionOptions}, for the options of each protocol to extend. */
export const CONNECTION_KEYS: Keys<ConnectionOptions> = {
  host: true, port: true, security: true, auth: true, ca: true, tls: true, timeout: true,
  connectTimeout: true, allowPlaintextAuth: true,
};

const AUTH_KEYS: Keys<NonNullable<ConnectionOptions['auth']>> = { user: true, pass: true, accessToken: true };
const TLS_KEYS: Keys<NonNullable<ConnectionOptions['tls']>> = { rejectUnauthorized: true, servername: true };

/** Every certificate of `ca` as one PEM bundle (`undefined` when none). */
function pemBundle(ca: ConnectionOptions['ca']): Buffer | undefined {
  if (ca === undefined || ca === null) return undefined;
  const list = Array.isArray(ca) ? ca : [ca];
  const parts: Buffer[] = [];
  for (const pem of list) {
    if (typeof pem === 'string') parts.push(Buffer.from(pem, 'utf8'));
    else if (pem instanceof Uint8Array) parts.push(Buffer.from(pem));
    else throw invalidInput('ca is a PEM string or Buffer, or an array of them');
    parts.push(Buffer.from('\n'));
  }
  return parts.length === 0 ? undefined : Buffer.concat(parts);
}

/**
 * `options` checked against `allowed` (and its `auth` and `tls` objects against theirs), in
 * the native form. `what` names it in errors (`'ImapClient options'`).
 */
export function nativeConnectOptions<T extends ConnectionOptions>(options: T, allowed: Keys<T>, what: string): native.ConnectOptions {
  if (options === undefined || options === null) throw invalidInput(`${what} are required ({host, auth, …})`);
  checkKeys(options, allowed, what);
  checkKeys(options.auth, AUTH_KEYS, `${what}.auth`);
  checkKeys(options.tls, TLS_KEYS, `${what}.tls`);
  return { ...(options as native.ConnectOptions), ca: pemBundle(options.ca) };
}
