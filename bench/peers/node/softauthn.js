// A minimal software passkey authenticator (ES256 on P-256, "none"
// attestation) built on node:crypto, for the smoke test. It answers with the
// same JSON as Latchkey's Rust softauthn crate, and can leave out user
// verification to check that the server refuses it.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

const sha256 = (data) => createHash('sha256').update(data).digest();
const b64url = (bytes) => Buffer.from(bytes).toString('base64url');

// CBOR (RFC 8949), only what an attestation object needs: unsigned and
// negative integers, byte and text strings, and maps.
function head(major, n) {
  const type = major << 5;
  if (n < 24) return Buffer.from([type | n]);
  if (n < 0x100) return Buffer.from([type | 24, n]);
  if (n < 0x10000) return Buffer.from([type | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = type | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

export function cbor(value) {
  if (Number.isInteger(value)) return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, text.length), text]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (value instanceof Map) {
    const parts = [head(5, value.size)];
    for (const [k, v] of value) parts.push(cbor(k), cbor(v));
    return Buffer.concat(parts);
  }
  throw new TypeError(`cbor: unsupported value ${value}`);
}

function clientData(type, challenge, origin, crossOrigin = false) {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin }));
}

export class SoftPasskey {
  constructor(privateKey, credentialId, userHandle, origin) {
    this.privateKey = privateKey;
    this.credentialId = credentialId;
    this.userHandle = userHandle;
    this.origin = origin;
  }

  // Answers navigator.credentials.create for `options` ({publicKey: ...}).
  // Returns the passkey and the credential JSON to send to register/finish.
  static register(options, origin, { credentialIdLength = 32, userVerified = true } = {}) {
    const { publicKey: request } = options;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const credentialId = randomBytes(credentialIdLength);
    const cose = new Map([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x, 'base64url')],
      [-3, Buffer.from(jwk.y, 'base64url')],
    ]);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([
      sha256(request.rp.id),
      Buffer.from([userVerified ? UP | UV | AT : UP | AT]),
      Buffer.alloc(4), // counter 0
      Buffer.alloc(16), // AAGUID: undisclosed
      idLength,
      credentialId,
      cbor(cose),
    ]);
    const attestation = new Map([
      ['fmt', 'none'],
      ['attStmt', new Map()],
      ['authData', authData],
    ]);
    const passkey = new SoftPasskey(privateKey, credentialId, Buffer.from(request.user.id, 'base64url'), origin);
    const credential = {
      id: b64url(credentialId),
      rawId: b64url(credentialId),
      type: 'public-key',
      response: {
        attestationObject: b64url(cbor(attestation)),
        clientDataJSON: b64url(clientData('webauthn.create', request.challenge, origin)),
        transports: ['internal'],
      },
      extensions: {},
    };
    return { passkey, credential };
  }

  // Answers navigator.credentials.get for `options` with this credential.
  assert(options, counter, { userVerified = true, crossOrigin = false } = {}) {
    const { publicKey: request } = options;
    const data = clientData('webauthn.get', request.challenge, this.origin, crossOrigin);
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(counter);
    const authData = Buffer.concat([
      sha256(request.rpId),
      Buffer.from([userVerified ? UP | UV : UP]),
      counterBytes,
    ]);
    // ES256: ECDSA over authData || SHA-256(clientDataJSON), DER-encoded.
    const signature = sign('sha256', Buffer.concat([authData, sha256(data)]), this.privateKey);
    return {
      id: b64url(this.credentialId),
      rawId: b64url(this.credentialId),
      type: 'public-key',
      response: {
        authenticatorData: b64url(authData),
        clientDataJSON: b64url(data),
        signature: b64url(signature),
        userHandle: b64url(this.userHandle),
      },
      extensions: {},
    };
  }
}
