/** Version of the upload envelope and HTTP API schemas. */
export const PROTOCOL_VERSION = 1 as const;

export * from './upload-envelope.js';
export * from './api.js';
