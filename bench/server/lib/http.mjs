// The HTTP calls the benchmarks make: uploads (docs/server.md "Uploading") and the read API.
import { performance } from 'node:perf_hooks';

/** POSTs an upload body; resolves at the 202 with the upload id and the moment it arrived. */
export async function postUpload(server, body, idempotencyKey) {
  const started = performance.now();
  const res = await fetch(`${server.base}/api/v1/uploads`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${server.uploadToken}`,
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body,
  });
  const text = await res.text();
  const accepted = performance.now();
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${text.slice(0, 500)}`);
  const json = JSON.parse(text);
  return { id: json.id, statusUrl: json.statusUrl, postMs: accepted - started, acceptedAt: accepted };
}

export async function getJson(server, urlPath, token = server.readToken) {
  const res = await fetch(`${server.base}${urlPath}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

export const totalsPath = (server, commitSha) => `/api/v1/repos/${server.repo}/commits/${commitSha}/totals`;

/**
 * Polls GET commit totals every `intervalMs` until `done(body)` holds (e.g. the new totals are
 * there); resolves with the moment it first did. Throws after `timeoutMs`.
 */
export async function pollTotals(server, commitSha, done, { intervalMs = 20, timeoutMs = 600_000 } = {}) {
  const end = performance.now() + timeoutMs;
  let last = null;
  for (;;) {
    const r = await getJson(server, totalsPath(server, commitSha));
    const now = performance.now();
    if (r.status === 200 && done(r.body)) return { at: now, body: r.body };
    if (r.status !== 200 && r.status !== 404) throw new Error(`totals answered ${r.status}: ${JSON.stringify(r.body)}`);
    last = r;
    if (now > end) throw new Error(`commit ${commitSha}: totals not final after ${timeoutMs} ms (last: ${JSON.stringify(last.body).slice(0, 300)})`);
    // A failed upload would never make the totals final: check the commit's uploads now and then.
    await new Promise((res) => setTimeout(res, intervalMs));
  }
}

/** Polls an upload until it is processed (or failed, which throws). */
export async function waitProcessed(server, id, { intervalMs = 20, timeoutMs = 600_000 } = {}) {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const r = await getJson(server, `/api/v1/uploads/${id}`, server.uploadToken);
    if (r.body?.state === 'processed') return { at: performance.now(), body: r.body };
    if (r.body?.state === 'failed') throw new Error(`upload ${id} failed: ${JSON.stringify(r.body.error)} ${JSON.stringify(r.body.diagnostics)?.slice(0, 500)}`);
    if (performance.now() > end) throw new Error(`upload ${id} still ${r.body?.state} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, intervalMs));
  }
}

/** The uploads of a commit (state, error) from the read API. */
export async function commitUploads(server, commitSha) {
  return (await getJson(server, `/api/v1/repos/${server.repo}/commits/${commitSha}/uploads`)).body?.uploads ?? [];
}
