// A real SMTP server (npm smtp-server, which maildev is built on) that closes idle sessions after a short time,
// the way every mail server does after a longer one, so tests can reach a pooled session the server has closed.
//
//   node idle-smtp-server.cjs <idle-ms> <421|eof|reset>
//
// 421: "421 Timeout - closing connection", then FIN (smtp-server's own behaviour, maildev's too);
// eof: FIN without a word; reset: RST (a NAT or load balancer that dropped the flow).
// A message to a recipient whose address contains "reset-after-data" is taken in full, recorded, and then the
// connection is reset before the final reply: the server has the message, the client cannot know.
//
// Writes one JSON line per event to stdout: listening (with the port), connect, idle-close, message, close.
"use strict";

const { SMTPServer } = require("smtp-server");
const { SMTPConnection } = require("smtp-server/lib/smtp-connection");

const [idleMs, mode] = [Number(process.argv[2] || 2000), process.argv[3] || "421"];
if (!["421", "eof", "reset"].includes(mode)) throw new Error(`unknown close mode '${mode}'`);

const emit = (event) => process.stdout.write(JSON.stringify({ at: Date.now(), ...event }) + "\n");

const onTimeout = SMTPConnection.prototype._onTimeout;
SMTPConnection.prototype._onTimeout = function () {
  // Only a session waiting for its client is idle; anything else keeps smtp-server's own handling.
  if (this._closing || this._handlerPending || this._dataStream) return onTimeout.call(this);
  emit({ event: "idle-close", id: this.id, mode });
  if (mode === "421") return onTimeout.call(this);
  if (mode === "eof") return this.close();
  this._socket.resetAndDestroy();
};

const server = new SMTPServer({
  authOptional: true,
  disableReverseLookup: true,
  socketTimeout: idleMs,
  logger: false,
  onConnect(session, callback) {
    emit({ event: "connect", id: session.id });
    callback();
  },
  onClose(session) {
    emit({ event: "close", id: session.id });
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on("data", (chunk) => chunks.push(chunk));
    stream.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const header = (name) => (raw.match(new RegExp(`^${name}:\\s*(.*)$`, "im")) || [])[1] || null;
      const to = session.envelope.rcptTo.map((r) => r.address);
      emit({ event: "message", id: session.id, to, subject: header("Subject"), job: header("X-Offload-Job") });
      if (to.some((address) => address.includes("reset-after-data"))) {
        const connection = [...server.connections].find((c) => c.id === session.id);
        if (connection) return connection._socket.resetAndDestroy();
      }
      callback();
    });
  },
});

server.on("error", (err) => emit({ event: "error", message: err.message }));
server.listen(0, "127.0.0.1", () => emit({ event: "listening", port: server.server.address().port }));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
