// Preloaded into the CLI under test (`node --import <this> coverwatch.mjs ...`): appends every
// outgoing connection and DNS lookup to the file named by CW_TEST_CONNECTION_LOG, so a test can
// prove the uploader contacted no host but the configured one. Test harness only; never shipped.
import dns from 'node:dns';
import { appendFileSync } from 'node:fs';
import net from 'node:net';

const log = process.env.CW_TEST_CONNECTION_LOG;
const record = (entry) => log && appendFileSync(log, JSON.stringify(entry) + '\n');

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof first === 'object' && first !== null) record({ kind: 'connect', host: first.host ?? null, port: first.port ?? null, path: first.path ?? null });
  else if (typeof first === 'number' || /^\d+$/.test(String(first))) record({ kind: 'connect', host: typeof args[1] === 'string' ? args[1] : 'localhost', port: Number(first), path: null });
  else record({ kind: 'connect', host: null, port: null, path: String(first) });
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function (hostname, ...rest) {
  record({ kind: 'dns', host: hostname });
  return lookup.call(this, hostname, ...rest);
};
const plookup = dns.promises.lookup;
dns.promises.lookup = function (hostname, ...rest) {
  record({ kind: 'dns', host: hostname });
  return plookup.call(this, hostname, ...rest);
};
