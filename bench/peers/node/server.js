#!/usr/bin/env node
// Latchkey's sign-in flows on Express, as a benchmark peer.
//
//   node server.js serve              listen (PORT, PEER_DB, PEER_ORIGIN, HOST)
//   node server.js import < x.jsonl   bulk account import
import { createApp } from './app.js';
import { openDb } from './db.js';
import { importAccounts } from './import.js';

const command = process.argv[2] ?? 'serve';
const dbPath = process.env.PEER_DB ?? './peer.db';

if (command === 'import') {
  const db = openDb(dbPath);
  try {
    const { imported, skipped, orgsCreated } = await importAccounts(db, process.stdin);
    console.log(`imported ${imported} accounts (${skipped} already existed, ${orgsCreated} new orgs)`);
  } catch (err) {
    console.error(`import failed: ${err.message}`);
    process.exitCode = 1;
  } finally {
    db.close();
  }
} else if (command === 'serve') {
  const port = Number(process.env.PORT ?? 3200);
  const host = process.env.HOST ?? '127.0.0.1';
  const origin = new URL(process.env.PEER_ORIGIN ?? `http://localhost:${port}`).origin;
  const db = openDb(dbPath);
  const app = createApp({ db, origin });
  const server = app.listen(port, host, (err) => {
    if (err) throw err;
    console.log(
      `latchkey node peer listening on http://${host}:${port} (origin ${origin}, rp id ${new URL(origin).hostname}, db ${dbPath}, pid ${process.pid})`,
    );
  });
  const shutdown = (signal) => {
    console.log(`${signal}: closing`);
    // Stops accepting, closes idle keep-alive connections, lets requests in flight finish.
    server.close(() => db.close());
    setTimeout(() => server.closeAllConnections(), 5000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
} else {
  console.error('usage: node server.js serve | node server.js import < accounts.jsonl');
  process.exitCode = 2;
}
