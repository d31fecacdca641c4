/**
 * `discover(address)`: the IMAP and SMTP settings of an address, found by the core the way
 * mail apps do (built-in provider table, autoconfig over HTTPS, DNS SRV, MX guess).
 */
import * as native from '../native';
import { ConnectionOptions, pemBundle } from './connection';
import { call } from './errors';
import { checkKeys, Keys } from './options';

/**
 * Options of {@link discover}: the native `DiscoverOptions` (documented there, with every
 * default), except that `ca` also takes an array, as the connection options do.
 */
export type DiscoverOptions = Omit<native.DiscoverOptions, 'ca'> & {
  ca?: ConnectionOptions['ca'];
};

const DISCOVER_KEYS: Keys<DiscoverOptions> = { timeout: true, resolver: true, httpsPort: true, ca: true };

/**
 * Finds the IMAP and SMTP servers of `address`: `{imap, smtp, source}`, each server's
 * `{host, port, security, username}` ready for `ImapClient.connect` / `SmtpClient.connect`.
 * In order: a built-in table of the big providers (no network), autoconfig over HTTPS
 * (`autoconfig.<domain>`, then `<domain>/.well-known/autoconfig/`), DNS SRV records
 * (RFC 6186), then the domain's MX host if it belongs to a provider of the table; all within
 * `timeout` ms (default 15000).
 *
 * Rejects with `EINVAL` for something that is not an address, `ENONEXISTENT` when no method
 * found settings, `ETIMEDOUT` when the deadline passed first.
 *
 * ```js
 * const { imap } = await discover('me@example.com');
 * const client = await ImapClient.connect({ host: imap.host, port: imap.port, security: imap.security, auth: { user: imap.username, pass } });
 * ```
 */
export async function discover(address: string, options: DiscoverOptions = {}): Promise<native.Discovered> {
  const o = checkKeys(options, DISCOVER_KEYS, 'discover options') ?? {};
  return call(() => native.discover(address, { ...o, ca: pemBundle(o.ca) }));
}
