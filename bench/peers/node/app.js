// The HTTP API: password and passkey sign-in, passkey registration, and the
// current session, with Latchkey's paths, bodies, status codes and cookie.
import express from 'express';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { prepare, serverKey } from './db.js';
import { MAX_PASSWORD_BYTES, verifyPassword } from './passwords.js';

const CEREMONY_TTL_SECS = 5 * 60;
const REAUTH_WINDOW_SECS = 5 * 60;
const TOUCH_INTERVAL_SECS = 60;
const WEBAUTHN_TIMEOUT_MS = 300_000;
const MAX_CREDENTIAL_ID_BYTES = 1023;
const ES256 = -7;
const RS256 = -257;

// The `{code, message}` body of every failing request (Latchkey's ApiError).
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const invalidCredentials = () =>
  new ApiError(401, 'invalid_credentials', 'The email, organization or password is not correct.');
const unauthenticated = () =>
  new ApiError(401, 'unauthenticated', 'You are not signed in, or your session has ended. Please sign in.');
const passkeyRefused = () =>
  new ApiError(401, 'passkey_refused', 'The passkey could not be verified. Please try again.');
const ceremonyInvalid = () =>
  new ApiError(400, 'ceremony_invalid', 'This passkey request has expired or was already used. Please try again.');
const reauthRequired = () =>
  new ApiError(403, 'reauth_required', "Please confirm it's you before making this change.");
const badRequest = (message) => new ApiError(400, 'bad_request', message);

const now = () => Math.floor(Date.now() / 1000);
const normalise = (text) => text.trim().toLowerCase();
const b64url = (bytes) => Buffer.from(bytes).toString('base64url');
const randomId = (bytes) => randomBytes(bytes).toString('base64url');
const hashToken = (token) => createHash('sha256').update(token).digest('base64url');

function requireFields(body, fields) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('Invalid request body: expected a JSON object.');
  }
  for (const [name, type] of Object.entries(fields)) {
    if (typeof body[name] !== type) {
      throw badRequest(`Invalid request body: missing or invalid field \`${name}\`.`);
    }
  }
}

function readCookie(req, name) {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

function sessionInfo(s) {
  return {
    email: s.email,
    display_name: s.display_name,
    org: { short_name: s.org_short_name, name: s.org_name },
    auth_method: s.auth_method,
    authenticated_at: s.authenticated_at,
    totp_enabled: false,
    org_requires_2fa: false,
  };
}

export function createApp({ db, origin }) {
  const url = new URL(origin);
  const rpID = url.hostname;
  const secure = url.protocol === 'https:';
  const cookieName = secure ? '__Host-latchkey_session' : 'latchkey_session';
  const q = prepare(db);
  const decoyKey = serverKey(db, 'decoy_credential_ids');

  // The live session of the request's cookie, or null. Expired sessions are
  // deleted on the way; last_seen_at is written at most once a minute.
  function findSession(req) {
    const token = readCookie(req, cookieName);
    if (!token) return null;
    const tokenHash = hashToken(token);
    const s = q.sessionByHash.get(tokenHash);
    if (!s) return null;
    const t = now();
    if (t - s.last_seen_at >= s.idle_timeout_secs || t - s.created_at >= s.max_session_secs) {
      q.deleteSession.run(tokenHash);
      return null;
    }
    if (t - s.last_seen_at >= TOUCH_INTERVAL_SECS) q.touchSession.run(t, tokenHash);
    return s;
  }

  function requireSession(req, res, next) {
    req.session = findSession(req);
    next(req.session ? undefined : unauthenticated());
  }

  function requireFresh(session) {
    if (now() - session.authenticated_at > REAUTH_WINDOW_SECS) throw reauthRequired();
  }

  // A new session (a new token every time; the browser's old one ends),
  // its cookie, and its description.
  function openSession(req, res, account, method) {
    const old = readCookie(req, cookieName);
    if (old) q.deleteSession.run(hashToken(old));
    const token = randomId(32);
    const t = now();
    q.insertSession.run(hashToken(token), account.id, t, t, t, method);
    res.cookie(cookieName, token, {
      httpOnly: true,
      secure,
      sameSite: 'strict',
      path: '/',
      maxAge: account.max_session_secs * 1000,
    });
    return sessionInfo({ ...account, auth_method: method, authenticated_at: t });
  }

  function startCeremony(purpose, challenge, { sessionHash = null, accountId = null } = {}) {
    const t = now();
    q.sweepCeremonies.run(t);
    const id = randomId(16);
    q.insertCeremony.run(id, purpose, sessionHash, accountId, challenge, t + CEREMONY_TTL_SECS);
    return id;
  }

  function takeCeremony(purpose, id) {
    const ceremony = q.takeCeremony.get(id, purpose);
    if (!ceremony || ceremony.expires_at < now()) throw ceremonyInvalid();
    return ceremony;
  }

  // 16 bytes derived from the typed email and org: the one allowed
  // credential of a request for an account that has no passkey (or does not
  // exist), stable across requests, so the answer does not tell which.
  function decoyCredentialId(email, org) {
    const digest = createHash('sha256')
      .update(decoyKey)
      .update(normalise(email))
      .update(Buffer.from([0]))
      .update(normalise(org))
      .digest();
    return b64url(digest.subarray(0, 16));
  }

  const app = express();
  app.disable('x-powered-by');

  // Latchkey's cross-site rule: a state-changing request whose
  // Sec-Fetch-Site is not same-origin, or whose Origin is not ours, is refused.
  app.use((req, res, next) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return next();
    const site = req.get('sec-fetch-site');
    const sentOrigin = req.get('origin');
    const crossSite = site !== undefined ? site !== 'same-origin' : sentOrigin !== undefined && sentOrigin !== url.origin;
    if (!crossSite) return next();
    next(new ApiError(403, 'cross_site_request', 'This request came from another site and was refused.'));
  });
  app.use(express.json());

  app.post('/api/login/password', async (req, res) => {
    requireFields(req.body, { email: 'string', org: 'string', password: 'string' });
    const { email, org: orgName, password } = req.body;
    const org = q.orgByShortName.get(normalise(orgName));
    const account = org && q.accountByEmail.get(org.id, normalise(email));
    const tooLong = Buffer.byteLength(password) > MAX_PASSWORD_BYTES;
    const ok = (await verifyPassword(tooLong ? '' : password, account?.password_hash)) && !tooLong;
    if (!ok || !account) throw invalidCredentials();
    const info = openSession(req, res, {
      ...account,
      org_short_name: org.short_name,
      org_name: org.name,
      max_session_secs: org.max_session_secs,
    }, 'password');
    res.json(info);
  });

  app.get('/api/session', requireSession, (req, res) => {
    res.json(sessionInfo(req.session));
  });

  app.post('/api/login/passkey/start', async (req, res) => {
    requireFields(req.body, {});
    const hint = req.body.account ?? null;
    const options = { rpID, userVerification: 'required', timeout: WEBAUTHN_TIMEOUT_MS, allowCredentials: [] };
    let accountId = null; // any passkey of this site may answer
    if (hint !== null) {
      requireFields(hint, { email: 'string', org: 'string' });
      const org = q.orgByShortName.get(normalise(hint.org));
      const account = org && q.accountByEmail.get(org.id, normalise(hint.email));
      const passkeys = account ? q.passkeysOfAccount.all(account.id) : [];
      if (passkeys.length > 0) {
        accountId = account.id;
        options.allowCredentials = passkeys.map((p) => ({ id: p.credential_id, transports: JSON.parse(p.transports) }));
      } else {
        accountId = ''; // no account: nothing that comes back can match
        options.allowCredentials = [{ id: decoyCredentialId(hint.email, hint.org), transports: ['internal'] }];
      }
    }
    const publicKey = await generateAuthenticationOptions(options);
    const ceremonyId = startCeremony('login', publicKey.challenge, { accountId });
    res.json({ ceremony_id: ceremonyId, options: { publicKey } });
  });

  app.post('/api/login/passkey/finish', async (req, res) => {
    requireFields(req.body, { ceremony_id: 'string', credential: 'object' });
    const { ceremony_id: ceremonyId, credential } = req.body;
    const ceremony = takeCeremony('login', ceremonyId);
    const passkey = typeof credential?.id === 'string' && q.passkeyByCredentialId.get(credential.id);
    if (!passkey) throw passkeyRefused();
    if (ceremony.account_id !== null) {
      // A request for one account's passkeys, answered with another's.
      if (ceremony.account_id !== passkey.account_id) throw passkeyRefused();
    } else if ((credential.response?.userHandle ?? '').replace(/=+$/, '') !== passkey.user_handle) {
      throw passkeyRefused();
    }
    let verification;
    try {
      // Latchkey refuses assertions made in a cross-origin frame; the library
      // only checks those that also carry a topOrigin.
      const clientData = JSON.parse(Buffer.from(credential.response.clientDataJSON, 'base64url'));
      if (clientData.crossOrigin === true) throw new Error('cross-origin assertion');
      verification = await verifyAuthenticationResponse({
        response: credential,
        expectedChallenge: ceremony.challenge,
        expectedOrigin: url.origin,
        expectedRPID: rpID,
        requireUserVerification: true,
        credential: {
          id: passkey.credential_id,
          publicKey: passkey.public_key,
          counter: passkey.counter,
          transports: JSON.parse(passkey.transports),
        },
      });
    } catch {
      throw passkeyRefused();
    }
    const { verified, authenticationInfo: result } = verification;
    if (!verified || !result.userVerified) throw passkeyRefused();
    const used = q.recordPasskeyUse.run({
      id: passkey.id,
      counter: result.newCounter,
      backedUp: result.credentialBackedUp ? 1 : 0,
      now: now(),
    });
    // The counter did not move forward (a race, or a cloned authenticator).
    if (used.changes === 0) throw passkeyRefused();
    const account = q.accountWithOrg.get(passkey.account_id);
    if (!account) throw passkeyRefused();
    res.json(openSession(req, res, account, 'passkey'));
  });

  app.post('/api/passkeys/register/start', requireSession, async (req, res) => {
    const session = req.session;
    requireFresh(session);
    const existing = q.passkeysOfAccount.all(session.account_id);
    const publicKey = await generateRegistrationOptions({
      rpName: 'Latchkey',
      rpID,
      userID: Buffer.from(session.user_handle, 'base64url'),
      userName: session.email,
      userDisplayName: `${session.display_name} · ${session.org_name}`,
      timeout: WEBAUTHN_TIMEOUT_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: JSON.parse(p.transports) })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      supportedAlgorithmIDs: [ES256, RS256],
    });
    const ceremonyId = startCeremony('register', publicKey.challenge, {
      sessionHash: session.token_hash,
      accountId: session.account_id,
    });
    res.json({ ceremony_id: ceremonyId, options: { publicKey } });
  });

  app.post('/api/passkeys/register/finish', requireSession, async (req, res) => {
    const session = req.session;
    requireFresh(session);
    requireFields(req.body, { ceremony_id: 'string', credential: 'object' });
    const { ceremony_id: ceremonyId, credential } = req.body;
    const ceremony = takeCeremony('register', ceremonyId);
    if (ceremony.session_hash !== session.token_hash) throw ceremonyInvalid();
    if (typeof credential?.rawId === 'string' && Buffer.from(credential.rawId, 'base64url').length > MAX_CREDENTIAL_ID_BYTES) {
      throw badRequest("This passkey's credential id is too long.");
    }
    let verification;
    try {
      verification = await verifyRegistrationResponse({
        response: credential,
        expectedChallenge: ceremony.challenge,
        expectedOrigin: url.origin,
        expectedRPID: rpID,
        requireUserVerification: true,
        supportedAlgorithmIDs: [ES256, RS256],
      });
    } catch {
      throw passkeyRefused();
    }
    if (!verification.verified) throw passkeyRefused();
    const info = verification.registrationInfo;
    const backupEligible = info.credentialDeviceType === 'multiDevice';
    const row = {
      id: randomUUID(),
      name: 'Passkey',
      backed_up: info.credentialBackedUp,
      created_at: now(),
    };
    try {
      q.insertPasskey.run(
        row.id,
        session.account_id,
        info.credential.id,
        Buffer.from(info.credential.publicKey),
        info.credential.counter,
        session.user_handle,
        JSON.stringify(info.credential.transports ?? []),
        backupEligible ? 1 : 0,
        info.credentialBackedUp ? 1 : 0,
        info.aaguid,
        row.name,
        row.created_at,
      );
    } catch (err) {
      if (err.code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new ApiError(409, 'conflict', 'This passkey is already registered.');
      }
      throw err;
    }
    // Latchkey's PasskeyInfo, with 200.
    res.json({
      id: row.id,
      name: row.name,
      provider: 'Passkey',
      backed_up: row.backed_up,
      created_at: row.created_at,
      last_used_at: null,
    });
  });

  app.use('/api', (req, res, next) => next(new ApiError(404, 'not_found', 'Not found.')));

  // eslint-disable-next-line no-unused-vars
  app.use((err, req, res, next) => {
    if (err instanceof ApiError) {
      return res.status(err.status).json({ code: err.code, message: err.message });
    }
    if (err.type?.startsWith('entity.') || err.type === 'charset.unsupported') {
      // express.json(): malformed, too large, or an unsupported encoding.
      return res.status(400).json({ code: 'bad_request', message: `Invalid request body: ${err.message}` });
    }
    console.error('request failed:', err);
    res.status(500).json({ code: 'internal', message: 'Something went wrong on our side. Please try again.' });
  });

  return app;
}
