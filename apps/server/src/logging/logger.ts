import { pino, type Logger } from 'pino';

/**
 * The server's logger: JSON lines (pino). Requests are logged by method, path and status only: no
 * query string (a misplaced token would sit there), no headers (Authorization). Redaction is the
 * second line of defence for anything that still carries a secret-looking field.
 */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stdout): Logger {
  return pino(
    {
      level,
      redact: { paths: ['authorization', 'token', '*.authorization', '*.token', 'req.headers', 'databaseUrl', '*.databaseUrl', 'secretAccessKey', '*.secretAccessKey', '*.*.secretAccessKey'], censor: '[redacted]' },
      serializers: {
        req: (req: { method?: string; url?: string; id?: unknown }) => ({ id: req.id, method: req.method, path: (req.url ?? '').split('?')[0] }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
    },
    destination as pino.DestinationStream,
  );
}
