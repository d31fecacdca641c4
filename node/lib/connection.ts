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

/** The options only one protocol has (each client's options add its own back). */
type ImapOnly = 'idleReissue' | 'noProgressTimeout' | 'maxResponseSize' | 'clientId';
type SmtpOnly = 'maxConnections' | 'name' | 'poolIdleTimeout';

/**
 * Connection options shared by IMAP and SMTP: the native `ConnectOptions` (documented
 * there, with every default), except that `ca` also takes an array, as Node's `tls` and
 * nodemailer do (each entry may hold several certificates).
 */
export type ConnectionOptions = Omit<native.ConnectOptions, ImapOnly | SmtpOnly | 'ca' | 'security'> & {
  ca?: Pem | Pem[];
  security?: 'tls' | 'starttls' | 'plain';
};

/** IMAP's connection options. */
export type ImapConnectionOptions = ConnectionOptions & Pick<native.ConnectOptions, ImapOnly>;

/** SMTP's connection options. */
export type SmtpConnectionOptions = ConnectionOptions & Pick<native.ConnectOptions, SmtpOnly>;

/** The keys of {@link ConnectionOptions}, for the options of each protocol to extend. */
export const CONNECTION_KEYS: Keys<ConnectionOptions> = {
  host: true, port: true, security: true, auth: true, ca: true, tls: true, timeout: true,
  connectTimeout: true, allowPlaintextAuth: true,
};

const AUTH_KEYS: Keys<NonNullable<ConnectionOptions['auth']>> = { user: true, pass: true, accessToken: true };
const TLS_KEYS: Keys<NonNullable<ConnectionOptions['tls']>> = { rejectUnauthorized: true, servername: true };

/** Every certificate of `ca` as one PEM bundle (`undefined` when none). */
export function pemBundle(ca: ConnectionOptions['ca']): Buffer | undefined {
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
