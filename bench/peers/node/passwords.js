// argon2id through @node-rs/argon2. The async API runs each hash on libuv's
// thread pool (UV_THREADPOOL_SIZE, 4 by default), never on the event loop.
import { hash, verify } from '@node-rs/argon2';

// OWASP's argon2id parameters, as Latchkey uses them: 19 MiB, 2 passes, 1 lane.
// (Algorithm is a TypeScript const enum, absent at run time: 2 = Argon2id.)
const OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const MAX_PASSWORD_BYTES = 1024;

export function hashPassword(password) {
  return hash(password, OPTIONS);
}

// Verified when there is no such account, so that "no account" costs the
// same time as "wrong password". Made once, when the module loads.
const dummyHash = hashPassword('latchkey dummy password');

export async function verifyPassword(password, storedHash) {
  if (storedHash) return verify(storedHash, password);
  await verify(await dummyHash, password);
  return false;
}
