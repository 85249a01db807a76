import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Alert } from '../alert.js';

export const SIGNATURE_HEADER = 'coverwatch-signature';
export const TIMESTAMP_HEADER = 'coverwatch-timestamp';
/** A receiver refuses a timestamp further than this from its clock (replay protection). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** `v1=` and the hex HMAC-SHA256, keyed by the webhook's secret, of `<timestamp>.<body>`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * What a receiver does (docs/security.md has the same in a snippet): recompute the signature over
 * the timestamp header, a dot and the raw body; compare in constant time; refuse a timestamp more
 * than `toleranceSeconds` away. Remembering alert ids seen within the tolerance also stops a replay
 * inside it.
 */
export function verifyWebhook(secret: string, headers: { timestamp?: string | undefined; signature?: string | undefined }, body: string, nowSeconds = Math.floor(Date.now() / 1000), toleranceSeconds = DEFAULT_TOLERANCE_SECONDS): boolean {
  const ts = Number(headers.timestamp);
  if (headers.timestamp === undefined || !/^\d{1,12}$/.test(headers.timestamp) || Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body));
  const given = Buffer.from(headers.signature ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The JSON body of a webhook delivery. */
export function webhookBody(alert: Alert): string {
  return JSON.stringify({ type: 'coverwatch.alert', alert: { id: alert.id, rule: alert.rule, severity: alert.severity, title: alert.title, eventTime: alert.eventTime, createdAt: alert.createdAt, auditSeq: alert.triggerSeq, details: alert.details } });
}

export interface WebhookTarget {
  readonly url: string;
  readonly secret: string;
}

/** POSTs the alert, signed; throws unless the answer is 2xx. Redirects are not followed. Errors name the host only. */
export async function sendWebhook(target: WebhookTarget, alert: Alert, timeoutMs: number, now: () => Date = () => new Date()): Promise<void> {
  const body = webhookBody(alert);
  const timestamp = Math.floor(now().getTime() / 1000);
  const host = new URL(target.url).host;
  let res: Response;
  try {
    res = await fetch(target.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { 'content-type': 'application/json', 'user-agent': 'coverwatch-alerts', [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signWebhook(target.secret, timestamp, body), 'coverwatch-alert-id': alert.id },
      body,
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? cause.code : e instanceof Error ? e.name : 'error';
    throw new Error(`webhook ${host}: ${code}`);
  }
  await res.body?.cancel().catch(() => undefined);
  if (res.status < 200 || res.status > 299) throw new Error(`webhook ${host}: HTTP ${res.status}`);
}
