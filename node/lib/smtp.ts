/**
 * `SmtpClient`: the nodemailer-shaped face of the core's pooled SMTP client.
 */
import * as native from '../native';
import { CONNECTION_KEYS, nativeConnectOptions, SmtpConnectionOptions } from './connection';
import { call, callSync } from './errors';
import { buildMessage, bytes, checkMail, MailOptions, toNative } from './message';
import { checkKeys, Keys } from './options';

/** Options of {@link SmtpClient.connect} (documented on the native `ConnectOptions`). */
export type SmtpOptions = SmtpConnectionOptions;

const SMTP_KEYS: Keys<SmtpOptions> = { ...CONNECTION_KEYS, maxConnections: true, name: true, poolIdleTimeout: true };

/** Options of {@link SmtpClient.send}. */
export interface SendOptions {
  /** Called with the bytes written and the message size, at a bounded rate. */
  onProgress?: (done: number, total: number | null) => void;
}

const SEND_KEYS: Keys<SendOptions> = { onProgress: true };

/**
 * A pool of SMTP submission connections. Each recipient is judged on its own: refused ones
 * are listed in `rejected` (their reasons in `rejectedErrors`) while the others get the
 * message; only when every recipient is refused does `send` reject (`EREJECTED`).
 *
 * ```js
 * const smtp = await SmtpClient.connect({ host, port: 587, security: 'starttls', auth: { user, pass } });
 * const { messageId, accepted, rejected, response } = await smtp.send({ from, to, subject: 'Hi', text: 'Hello' });
 * ```
 */
export class SmtpClient {
  readonly #native: native.NativeSmtpClient;

  private constructor(n: native.NativeSmtpClient) {
    this.#native = n;
  }

  /** Opens and authenticates the first connection (so bad settings fail here). */
  static async connect(options: SmtpOptions): Promise<SmtpClient> {
    return new SmtpClient(await call(() => native.NativeSmtpClient.connect(nativeConnectOptions(options, SMTP_KEYS, 'SmtpClient options'))));
  }

  /**
   * Sends a nodemailer-shaped message (`{from, to, cc, bcc, subject, text, html,
   * attachments}`), or `raw` bytes, or with an explicit `envelope`. Resolves to nodemailer's
   * `info` shape: `{messageId: '<…>', accepted, rejected, rejectedErrors, response,
   * envelope}`. `onProgress` is called on every path.
   */
  async send(message: MailOptions, options: SendOptions = {}): Promise<native.SendResult> {
    checkMail(message);
    const { onProgress } = checkKeys(options, SEND_KEYS, 'send options') ?? {};
    if (message.envelope) {
      const { envelope, ...rest } = message;
      const raw = rest.raw !== undefined ? bytes(rest.raw) : await call(() => buildMessage(rest));
      const to = Array.isArray(envelope.to) ? envelope.to : [envelope.to];
      return call(() => this.#native.sendRaw(envelope.from ?? '', to, raw, onProgress));
    }
    if (message.raw !== undefined) {
      const raw = bytes(message.raw);
      return call(() => this.#native.sendMime(raw, onProgress));
    }
    const m = await call(() => toNative(message));
    return call(() => this.#native.send(m, onProgress));
  }

  /** nodemailer's name for {@link send}. */
  sendMail(message: MailOptions, options: SendOptions = {}): Promise<native.SendResult> {
    return this.send(message, options);
  }

  /**
   * The extensions the server announced in its EHLO reply (of the connection opened last),
   * one per line as sent, keyword upper case: `['PIPELINING', 'SIZE 10240000', …]`.
   */
  extensions(): string[] {
    return callSync(() => this.#native.extensions());
  }

  /** The SASL mechanisms the server offers (`['PLAIN', 'LOGIN']`), upper case. */
  authMechanisms(): string[] {
    return callSync(() => this.#native.authMechanisms());
  }

  /** Quits every pooled connection; later sends reject with `ECLOSED`. */
  close(): Promise<void> {
    return call(() => this.#native.close());
  }

  /** `await using smtp = await SmtpClient.connect(…)` closes the pool at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
