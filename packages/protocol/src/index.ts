/**
 * Version of the upload envelope and HTTP API schemas. The schemas themselves land with the server
 * (issue 3) and the uploader (issue 4); the package exists now so the dependency direction is fixed.
 */
export const PROTOCOL_VERSION = 1 as const;
