import { EXIT } from '../exit-codes.js';

export type UploadErrorKind = 'config' | 'auth' | 'invalid-report' | 'paths' | 'network' | 'server';

/** A failure `coverwatch upload` explains and maps to its documented exit code. Messages never hold a secret. */
export class UploadError extends Error {
  constructor(
    readonly kind: UploadErrorKind,
    message: string,
    /** The server's machine-readable reason, when it sent one. */
    readonly code?: string,
  ) {
    super(message);
  }

  get exitCode(): number {
    switch (this.kind) {
      case 'config':
        return EXIT.config;
      case 'auth':
        return EXIT.auth;
      case 'invalid-report':
        return EXIT.invalidReport;
      case 'paths':
        return EXIT.paths;
      case 'network':
        return EXIT.network;
      case 'server':
        return EXIT.server;
    }
  }
}
