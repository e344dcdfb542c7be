// A real SMTP server for the mail tests (`smtp-server` from npm, the one
// Nodemailer is tested with): it accepts every message and writes it to a
// folder, one `.eml` file each, so tests can count what arrived.
//
//   SMTP_PORT=N (0: any free port)  SMTP_DIR=folder  node smtp/server.mjs
//
// Prints one JSON line when listening: {"port": N}. Recipients at
// `reject.test` are refused with a permanent 550 5.1.1 (a mailbox that
// does not exist). With SMTP_REFUSE_SENDER=1 every sender is refused with
// 530 5.7.0 (authentication required: the server's configuration, not the
// message's fault). With SMTP_EXIT_WITH_STDIN=1 it exits when its standard
// input closes, so it never outlives the test that started it.
import { SMTPServer } from "smtp-server";
import fs from "node:fs";
import path from "node:path";

const dir = process.env.SMTP_DIR;
if (!dir) {
  console.error("set SMTP_DIR");
  process.exit(2);
}
fs.mkdirSync(dir, { recursive: true });
let received = 0;

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  logger: false,
  onMailFrom(_address, _session, callback) {
    if (process.env.SMTP_REFUSE_SENDER === "1") {
      const refused = new Error("5.7.0 Authentication required");
      refused.responseCode = 530;
      return callback(refused);
    }
    callback();
  },
  onRcptTo(address, _session, callback) {
    if (address.address.endsWith("@reject.test")) {
      const refused = new Error("5.1.1 No such mailbox");
      refused.responseCode = 550;
      return callback(refused);
    }
    callback();
  },
  onData(stream, _session, callback) {
    const chunks = [];
    stream.on("data", (chunk) => chunks.push(chunk));
    stream.on("end", () => {
      received += 1;
      const name = `${String(received).padStart(6, "0")}-${process.pid}`;
      const tmp = path.join(dir, `${name}.tmp`);
      fs.writeFileSync(tmp, Buffer.concat(chunks));
      fs.renameSync(tmp, path.join(dir, `${name}.eml`));
      callback();
    });
  },
});

server.listen(Number(process.env.SMTP_PORT ?? 0), "127.0.0.1", () => {
  console.log(JSON.stringify({ port: server.server.address().port }));
});

if (process.env.SMTP_EXIT_WITH_STDIN === "1") {
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}
