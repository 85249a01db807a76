import { createTransport } from 'nodemailer';
import { isLoopbackHost, type Config } from '../../config/config.schema.js';
import type { Alert } from '../alert.js';

export type SmtpConfig = Config['alerts']['smtp'];

/** The message for one alert: plain text, no links or markup. */
export function alertEmail(alert: Alert): { subject: string; text: string } {
  const subject = `[Coverwatch ${alert.severity}] ${alert.title}`.replace(/[\r\n]+/g, ' ').slice(0, 200);
  const text = [
    alert.title,
    '',
    `rule:       ${alert.rule}`,
    `severity:   ${alert.severity}`,
    `event time: ${alert.eventTime}`,
    `audit seq:  ${alert.triggerSeq}`,
    `alert id:   ${alert.id}`,
    '',
    JSON.stringify(alert.details, null, 2),
    '',
    'List alerts: coverwatch-server admin list-alerts',
  ].join('\n');
  return { subject, text };
}

/**
 * Sends alerts over SMTP. Implicit TLS with `secure` (default); otherwise STARTTLS, required unless
 * the host is this machine. Errors carry nodemailer's code, never the password.
 */
export class EmailSender {
  private readonly transport;

  constructor(
    private readonly smtp: SmtpConfig & { host: string; from: string; to: string },
    timeoutMs: number,
  ) {
    this.transport = createTransport({
      host: smtp.host,
      port: smtp.port ?? (smtp.secure ? 465 : 587),
      secure: smtp.secure,
      requireTLS: !smtp.secure && !isLoopbackHost(smtp.host),
      ...(smtp.user !== undefined && smtp.password !== undefined ? { auth: { user: smtp.user, pass: smtp.password } } : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      logger: false,
      debug: false,
    });
  }

  async send(alert: Alert): Promise<void> {
    const { subject, text } = alertEmail(alert);
    try {
      await this.transport.sendMail({ from: this.smtp.from, to: this.smtp.to.split(',').map((a) => a.trim()), subject, text });
    } catch (e) {
      const code = (e as { code?: unknown; responseCode?: unknown }).code;
      const status = (e as { responseCode?: unknown }).responseCode;
      throw new Error(`smtp ${this.smtp.host}: ${typeof code === 'string' ? code : 'error'}${typeof status === 'number' ? ` ${status}` : ''}`);
    }
  }

  close(): void {
    this.transport.close();
  }
}
