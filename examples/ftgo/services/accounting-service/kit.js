// What every FTGO Node service needs: a durable state file, a Kafka
// command/reply loop (kafkajs), an HTTP server with /health, a clean SIGTERM.
// Configuration comes from the environment `ftgo run` sets:
// KAFKA_BOOTSTRAP_SERVERS, PORT, FTGO_SERVICE, FTGO_WORKSPACE.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const SERVICE = process.env.FTGO_SERVICE || path.basename(__dirname);
const BOOTSTRAP = (process.env.KAFKA_BOOTSTRAP_SERVERS || '127.0.0.1:9092').split(',');

// Python's json.dumps(value) with its defaults (", " and ": " between items,
// every character past ASCII as a \uXXXX escape), so the Node and the Python
// kits write the same bytes for the same data (numbers aside: JS has no 5.0).
const PY_SEPARATORS = /"[^"\\]*(?:\\.[^"\\]*)*"|[,:]/g;
const NON_ASCII = /[\u0080-\uffff]/g;
function pyJson(value) {
  const compact = JSON.stringify(value);
  if (compact === undefined) throw new Error(`cannot write ${typeof value} as JSON`);
  const spaced = compact.replace(PY_SEPARATORS, (m) => (m.length === 1 ? `${m} ` : m));
  return spaced.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function writeAll(fd, data, what) {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const n = fs.writeSync(fd, buf);
  if (n !== buf.length) throw new Error(`${what}: wrote ${n} of ${buf.length} bytes`);
}

function unlinkQuiet(file) {
  try { fs.unlinkSync(file); } catch { /* already gone */ }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

const LOCK_WAIT_S = 30;
const holders = new Map();  // state.lock path -> the Store of this process holding its flock
const { O_RDWR, O_CREAT, O_APPEND } = fs.constants;

// The service's state: a JSON snapshot plus a journal of changes, the same
// files, format and rules as the Python kit's Store (kit.py).
//
// Lives in $FTGO_WORKSPACE/.ftgo/data/<service>/ (state.json, the snapshot;
// state.journal, one JSON line {"path": [...], "value": ...} per change since
// it), so it survives restarts and deploys. Read and change the data inside
// `store.locked((data) => ...)` (synchronous: no await inside) and say what
// changed with save(path...): save('authorizations', '12') appends that one
// record to the journal, so a saga step costs one short append and fsync
// however many records there are. save() with no path rewrites the snapshot
// and empties the journal; that also happens at start and when the journal
// grows past `compactAt` lines (20,000). A torn last line (a write cut short
// by a crash) is ignored, and dropped by the next snapshot.
//
// During a blue-green deploy the old and the new instance run side by side
// on the same files, each with its own partitions: locked() holds an flock on
// state.lock and first reads what the other instance appended (or the new
// snapshot it wrote). Node has no flock(2), so flock(1) takes it on this
// process's open state.lock (a lock belongs to the open file, so it stays
// after flock exits) and closing that file releases it. One flock(1) costs a
// few ms, so an instance keeps the lock between calls while it is alone: an
// instance that wants it first creates state.lock.<pid>.wait, and the holder
// lets go as soon as it sees that file (fs.watch, or a 100 ms poll), between
// two calls. The kernel drops the lock of an instance that dies.
//
// `store.data` and save() outside locked() still work (each takes the lock),
// but a change made outside it can be lost to the other instance's snapshot.
class Store {
  constructor(initial, { compactAt = Store.COMPACT_AT } = {}) {
    if (!Number.isInteger(compactAt) || compactAt < 1) throw new Error(`Store: compactAt must be a positive integer, not ${compactAt}`);
    const root = process.env.FTGO_WORKSPACE || __dirname;
    this.dir = path.join(root, '.ftgo', 'data', SERVICE);
    this.file = path.join(this.dir, 'state.json');
    this.journalPath = path.join(this.dir, 'state.journal');
    this.lockPath = path.join(this.dir, 'state.lock');
    this.waitPath = path.join(this.dir, `state.lock.${process.pid}.wait`);
    fs.mkdirSync(this.dir, { recursive: true });
    this.compactAt = compactAt;
    this.initial = JSON.stringify(initial);
    this.current = JSON.parse(this.initial);
    this.seen = null;    // inode:mtime:size of the snapshot last read or written
    this.offset = 0;     // bytes of the journal applied to the data
    this.entries = 0;    // lines of the journal applied to the data
    this.lockFd = null;  // state.lock, open and flocked while this instance holds the lock
    this.depth = 0;      // nesting of locked() calls
    this.journalFd = fs.openSync(this.journalPath, O_RDWR | O_CREAT | O_APPEND, 0o644);
    this.watcher = null;
    try {
      this.watcher = fs.watch(this.dir, (event, name) => {
        if (name && String(name).endsWith('.wait')) this.yieldIfAsked();
      });
      this.watcher.on('error', () => {});
      this.watcher.unref();
    } catch { /* no inotify left: the poll below still hands the lock over */ }
    this.timer = setInterval(() => this.yieldIfAsked(), 100);
    this.timer.unref();
    try {
      this.locked(() => this.save());  // fold the journal into the snapshot; drops a torn last line
    } catch (e) {
      this.close();
      throw e;
    }
  }

  get data() {
    return this.depth > 0 ? this.current : this.locked(() => this.current);
  }

  set data(value) {
    this.current = value;
  }

  // Runs fn(data) holding the lock, with the data up to date; returns its result.
  locked(fn) {
    if (this.depth === 0) {
      this.acquire();
      try {
        this.refresh();
      } catch (e) {
        this.release();
        throw e;
      }
    }
    this.depth++;
    try {
      const result = fn(this.current);
      if (result && typeof result.then === 'function') throw new Error('store.locked(fn): fn must be synchronous (it returned a promise)');
      return result;
    } finally {
      this.depth--;
    }
  }

  stamp() {
    const st = fs.statSync(this.file, { bigint: true });
    return `${st.ino}:${st.mtimeNs}:${st.size}`;
  }

  // Brings the data up to date with the files: the snapshot again if another
  // instance rewrote it, then the journal lines not applied yet.
  refresh() {
    let seen = null;
    try {
      seen = this.stamp();
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
    if (seen !== this.seen) {
      this.current = seen === null ? JSON.parse(this.initial) : this.readSnapshot();
      this.seen = seen;
      this.offset = 0;
      this.entries = 0;
    }
    const size = fs.fstatSync(this.journalFd).size;
    if (size < this.offset) {  // emptied by a compaction whose snapshot we already read
      this.offset = 0;
      this.entries = 0;
    }
    if (size === this.offset) return;
    const chunk = Buffer.alloc(size - this.offset);
    for (let got = 0; got < chunk.length;) {
      const n = fs.readSync(this.journalFd, chunk, got, chunk.length - got, this.offset + got);
      if (n === 0) throw new Error(`${this.journalPath}: shrank while being read`);
      got += n;
    }
    const end = chunk.lastIndexOf(0x0a) + 1;  // a line without its newline is a write cut short
    const lines = chunk.toString('utf8', 0, end).split('\n');
    lines.pop();
    for (const line of lines) {
      let entry;
      try {
        entry = JSON.parse(line);
        if (!entry || !Array.isArray(entry.path) || !entry.path.length || !('value' in entry)) {
          throw new Error('not a {"path": [...], "value": ...} entry');
        }
      } catch (e) {
        throw new Error(`${this.journalPath}: line ${this.entries + 1}: ${e.message}`);
      }
      this.apply(entry.path, entry.value);
      this.entries++;
    }
    this.offset += end;
  }

  readSnapshot() {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8'));
    } catch (e) {
      throw new Error(`${this.file}: ${e.message}`);
    }
  }

  apply(keys, value) {
    let node = this.current;
    for (const key of keys.slice(0, -1)) {
      if (key === '__proto__') throw new Error(`${this.journalPath}: bad key ${key}`);
      if (!Object.prototype.hasOwnProperty.call(node, key)) node[key] = {};
      node = node[key];
    }
    const last = keys[keys.length - 1];
    if (last === '__proto__') throw new Error(`${this.journalPath}: bad key ${last}`);
    node[last] = value;
  }

  // save('orders', '12') journals data.orders['12']; save() rewrites the snapshot.
  save(...keys) {
    if (this.depth === 0) return this.locked(() => this.save(...keys));
    if (!keys.length || this.entries >= this.compactAt) return this.snapshot();
    const names = keys.map(String);
    let node = this.current;
    for (const key of names) {
      if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, key)) {
        throw new Error(`store.save(${names.join(', ')}): no such entry`);
      }
      node = node[key];
    }
    const line = Buffer.from(`{"path": ${pyJson(names)}, "value": ${pyJson(node)}}\n`);
    writeAll(this.journalFd, line, this.journalPath);
    fs.fsyncSync(this.journalFd);
    this.offset += line.length;
    this.entries++;
    return undefined;
  }

  snapshot() {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      const fd = fs.openSync(tmp, 'w', 0o644);
      try {
        writeAll(fd, pyJson(this.current), tmp);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, this.file);
    } catch (e) {
      unlinkQuiet(tmp);
      throw e;
    }
    fs.ftruncateSync(this.journalFd, 0);
    fs.fsyncSync(this.journalFd);
    this.seen = this.stamp();
    this.offset = 0;
    this.entries = 0;
  }

  acquire() {
    if (this.lockFd !== null) return;
    const other = holders.get(this.lockPath);
    if (other) {  // another Store of this process on the same files, between two calls
      if (other.depth > 0) throw new Error(`${this.lockPath}: already locked by another Store of this process`);
      other.release();
    }
    fs.writeFileSync(this.waitPath, '');  // asks an instance keeping the lock to let go
    const fd = fs.openSync(this.lockPath, O_RDWR | O_CREAT, 0o644);
    try {
      const r = spawnSync('flock', ['-w', String(LOCK_WAIT_S), '-x', '3'],
                          { stdio: ['ignore', 'ignore', 'pipe', fd], encoding: 'utf8' });
      if (r.error) throw new Error(`${this.lockPath}: cannot run flock(1) to lock it: ${r.error.message}`);
      if (r.status !== 0) {
        const why = r.status === null ? `flock(1) ended by ${r.signal}` : `still locked by another instance after ${LOCK_WAIT_S} s`;
        throw new Error(`${this.lockPath}: ${why}${r.stderr ? `: ${r.stderr.trim()}` : ''}`);
      }
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    } finally {
      unlinkQuiet(this.waitPath);
    }
    this.lockFd = fd;
    holders.set(this.lockPath, this);
  }

  release() {
    if (this.lockFd === null) return;
    fs.closeSync(this.lockFd);  // the last reference to the open file: the flock goes with it
    this.lockFd = null;
    if (holders.get(this.lockPath) === this) holders.delete(this.lockPath);
  }

  // Lets go of the lock kept between calls when another instance waits for it.
  yieldIfAsked() {
    if (this.lockFd === null || this.depth > 0) return;
    let names;
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = /^state\.lock\.(\d+)\.wait$/.exec(name);
      if (!m || Number(m[1]) === process.pid) continue;
      if (alive(Number(m[1]))) {
        this.release();
        return;
      }
      unlinkQuiet(path.join(this.dir, name));  // left by an instance that died waiting
    }
  }

  // Releases the lock and the files (tests; a service just exits).
  close() {
    clearInterval(this.timer);
    if (this.watcher) this.watcher.close();
    this.release();
    if (this.journalFd !== null) fs.closeSync(this.journalFd);
    this.journalFd = null;
  }
}
Store.COMPACT_AT = 20000;

// Consumes `topics` as group SERVICE and calls handle(type, key, value,
// headers) for each message, sending what it returns before the offset is
// committed (at-least-once: handlers are idempotent).
async function startBus(topics, handle) {
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({ clientId: SERVICE, brokers: BOOTSTRAP, logLevel: logLevel.WARN });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  const consumer = kafka.consumer({ groupId: SERVICE, sessionTimeout: 6000, heartbeatInterval: 1000,
                                    maxWaitTimeInMs: 100 });
  await producer.connect();
  await consumer.connect();
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
  const send = async (messages, correlationId) => {
    for (const m of messages) {
      await producer.send({ topic: m.topic, acks: -1, messages: [{
        key: m.key, value: JSON.stringify(m.value),
        headers: { type: m.type, correlation_id: String(correlationId || m.key) } }] });
    }
  };
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers = {};
      for (const [k, v] of Object.entries(message.headers || {})) headers[k] = v === null ? null : v.toString();
      let value;
      try {
        value = JSON.parse(message.value ? message.value.toString() : 'null');
      } catch (e) {
        console.log(`skipping a message that is not JSON: ${e.message}`);
        return;
      }
      const replies = handle(headers.type, message.key ? message.key.toString() : null, value, headers);
      if (replies.length) await send(replies, headers.correlation_id);
    },
  });
  return { send, stop: async () => { await consumer.disconnect(); await producer.disconnect(); } };
}

// Serves HTTP on $PORT. routes maps "METHOD segment" to
// async fn(parts, body) -> [status, json]. GET /health is built in.
function serve(routes, onStop) {
  const server = http.createServer(async (req, res) => {
    const reply = (status, body) => {
      const data = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
      res.end(data);
    };
    const parts = req.url.split('?')[0].split('/').filter(Boolean);
    if (req.method === 'GET' && parts.length === 1 && parts[0] === 'health') {
      return reply(200, { status: 'UP', service: SERVICE });
    }
    const fn = routes[`${req.method} ${parts[0] || ''}`];
    if (!fn) return reply(404, { error: `no route for ${req.method} ${req.url}` });
    let raw = '';
    for await (const chunk of req) raw += chunk;
    let body = null;
    if (raw) {
      try { body = JSON.parse(raw); } catch { return reply(400, { error: 'the body is not JSON' }); }
    }
    try {
      const [status, result] = await fn(parts, body, req);
      reply(status, result);
    } catch (e) {
      reply(500, { error: e.message });
    }
  });
  const port = Number(process.env.PORT || 8080);
  server.listen(port, '127.0.0.1', () => console.log(`${SERVICE} listening on 127.0.0.1:${port}, Kafka at ${BOOTSTRAP}`));
  const stop = async () => {
    server.close();
    if (onStop) await onStop();
    console.log(`${SERVICE} stopped`);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return server;
}

module.exports = { SERVICE, Store, startBus, serve };
