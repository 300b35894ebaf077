import { timingSafeEqual } from 'node:crypto';
import type { HttpRouteRequest } from '../core/http-route.ts';

/** Whether a socket address is the local machine (IPv4 127/8, IPv6 ::1, or IPv4-mapped loopback). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase();
  if (a === '::1') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice('::ffff:'.length) : a;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** The outcome of the /metrics access rule: allowed, or the status and reason to answer with. */
export type MetricsAccess = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/**
 * The /metrics access rule: with a token configured, `Authorization: Bearer <token>` is required (from anywhere);
 * without one, only loopback clients are answered.
 */
export function metricsAccess(req: Pick<HttpRouteRequest, 'headers' | 'remoteAddress'>, token?: string): MetricsAccess {
  if (!token) {
    return isLoopback(req.remoteAddress)
      ? { ok: true }
      : { ok: false, status: 403, reason: 'metrics are served to loopback clients only; set METRICS_TOKEN' };
  }
  const header = req.headers.authorization;
  const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  if (a.length === b.length && timingSafeEqual(a, b)) return { ok: true };
  return { ok: false, status: 401, reason: 'a bearer token is required' };
}
