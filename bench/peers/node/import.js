// Bulk account import: JSON lines {"org","email","display_name","password"}.
// Orgs are created on first sight (short name and name = org); an account
// that already exists in its org is left as it is and counted as skipped.
import { randomBytes, randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { hashPassword } from './passwords.js';

const BATCH = 64; // hashed in parallel (on libuv's pool), then stored in one transaction

const normalise = (text) => text.trim().toLowerCase();

function parseLine(line, lineNo) {
  let row;
  try {
    row = JSON.parse(line);
  } catch {
    throw new Error(`line ${lineNo}: not valid JSON`);
  }
  for (const field of ['org', 'email', 'display_name', 'password']) {
    if (typeof row?.[field] !== 'string' || row[field].trim() === '') {
      throw new Error(`line ${lineNo}: \`${field}\` must be a non-empty string`);
    }
  }
  if (!row.email.includes('@')) throw new Error(`line ${lineNo}: '${row.email}' is not an email address`);
  return row;
}

export async function importAccounts(db, input) {
  const insertOrg = db.prepare(
    'INSERT INTO orgs (id, short_name, name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (short_name) DO NOTHING',
  );
  const orgId = db.prepare('SELECT id FROM orgs WHERE short_name = ?').pluck();
  const insertAccount = db.prepare(
    `INSERT INTO accounts (id, org_id, email, display_name, password_hash, user_handle, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, email) DO NOTHING`,
  );
  const totals = { imported: 0, skipped: 0, orgsCreated: 0 };
  const store = db.transaction((rows, hashes) => {
    const now = Math.floor(Date.now() / 1000);
    rows.forEach((row, i) => {
      const shortName = normalise(row.org);
      totals.orgsCreated += insertOrg.run(randomUUID(), shortName, row.org.trim(), now).changes;
      const added = insertAccount.run(
        randomUUID(),
        orgId.get(shortName),
        normalise(row.email),
        row.display_name.trim(),
        hashes[i],
        randomBytes(16).toString('base64url'),
        now,
      ).changes;
      totals.imported += added;
      totals.skipped += 1 - added;
    });
  });

  let batch = [];
  const flush = async () => {
    const hashes = await Promise.all(batch.map((row) => hashPassword(row.password)));
    store(batch, hashes);
    batch = [];
  };
  let lineNo = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNo += 1;
    if (line.trim() === '') continue;
    batch.push(parseLine(line, lineNo));
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return totals;
}
