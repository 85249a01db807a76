import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64url = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

/** Where a ceremony claims to happen: a phishing page gives another origin, a confused client another RP id. */
export interface Ceremony {
  readonly origin?: string;
  readonly rpId?: string;
}

/**
 * A software authenticator for tests, written from the WebAuthn spec (no browser): a P-256 key from
 * node:crypto, `none` attestation encoded in CBOR with @simplewebauthn/server's own encoder, and
 * the authenticator data laid out by hand (rpIdHash, flags, big-endian signature counter, attested
 * credential data with the COSE key). Each assertion increments the counter unless told otherwise.
 */
export class SoftwareAuthenticator {
  readonly credentialId = randomBytes(16);
  private readonly privateKey: KeyObject;
  private readonly cosePublicKey: Uint8Array;
  counter = 0;

  constructor(
    private readonly rpId: string,
    private readonly origin: string,
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    // COSE_Key (RFC 9053): kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.
    this.cosePublicKey = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
        [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
      ]),
    );
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  /** The RegistrationResponseJSON a browser would send for these creation options. */
  register(options: { challenge: string }, at: Ceremony = {}) {
    const clientDataJSON = JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin: at.origin ?? this.origin, crossOrigin: false });
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    // Flags: user present (0x01), attested credential data included (0x40).
    const authData = Buffer.concat([this.rpIdHash(at), Buffer.from([0x41]), this.counterBytes(), Buffer.alloc(16), idLength, this.credentialId, this.cosePublicKey]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key' as const,
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['internal' as const] },
      clientExtensionResults: {},
    };
  }

  /** The AuthenticationResponseJSON for these request options; `counter` overrides the next counter value. */
  assert(options: { challenge: string }, at: Ceremony & { counter?: number } = {}) {
    this.counter = at.counter ?? this.counter + 1;
    const clientDataJSON = JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: at.origin ?? this.origin, crossOrigin: false });
    const authData = Buffer.concat([this.rpIdHash(at), Buffer.from([0x01]), this.counterBytes()]);
    // ECDSA over authenticatorData || SHA-256(clientDataJSON), DER-encoded (node's default), as WebAuthn specifies for ES256.
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), this.privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key' as const,
      response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authData), signature: b64url(signature) },
      clientExtensionResults: {},
    };
  }

  private rpIdHash(at: Ceremony): Buffer {
    return sha256(at.rpId ?? this.rpId);
  }

  private counterBytes(): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(this.counter);
    return b;
  }
}
