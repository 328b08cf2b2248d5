// kit.Store: the snapshot and its journal, across restarts and between the
// two instances of a blue-green deploy (in one process, and in two).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { execFile, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const KIT = path.join(__dirname, 'kit.js');
const kit = require(KIT);

// Each test gets its own workspace; every Store it opens is closed after it.
function workspace(t) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'store-test-'));
  const opened = [];
  t.after(() => {
    for (const s of opened) s.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  process.env.FTGO_WORKSPACE = root;
  return (options) => {
    const s = new kit.Store({ next_id: 1, orders: {} }, options);
    opened.push(s);
    return s;
  };
}

const journal = (s) => fs.readFileSync(s.journalPath, 'utf8');
const journalLines = (s) => journal(s).split('\n').length - 1;

test('a change is one journal line, in the Python kit format, and survives a restart', (t) => {
  const store = workspace(t);
  const a = store();
  a.locked((data) => {
    data.orders['1'] = { id: 1, state: 'APPROVAL_PENDING', name: 'Zoë "x", a:b' };
    a.save('orders', '1');
    data.orders['1'].state = 'APPROVED';
    a.save('orders', 1);
  });
  assert.strictEqual(journalLines(a), 2);
  // What Python's json.dumps({"path": [...], "value": ...}) writes.
  assert.strictEqual(journal(a).split('\n')[1],
                     '{"path": ["orders", "1"], "value": {"id": 1, "state": "APPROVED", "name": "Zo\\u00eb \\"x\\", a:b"}}');
  const b = store();  // a restart replays the journal, then folds it into the snapshot
  assert.strictEqual(b.data.orders['1'].state, 'APPROVED');
  assert.strictEqual(b.data.orders['1'].name, 'Zoë "x", a:b');
  assert.strictEqual(journalLines(b), 0);
  assert.strictEqual(JSON.parse(fs.readFileSync(b.file, 'utf8')).orders['1'].state, 'APPROVED');
});

test('a snapshot is taken and the journal emptied once it reaches compactAt lines', (t) => {
  const store = workspace(t);
  const a = store({ compactAt: 3 });
  const add = (i) => a.locked((data) => { data.orders[i] = { id: i }; a.save('orders', i); });
  for (let i = 0; i < 3; i++) add(i);
  assert.strictEqual(journalLines(a), 3);
  assert.deepStrictEqual(Object.keys(JSON.parse(fs.readFileSync(a.file, 'utf8')).orders), []);
  add(3);  // the fourth change goes into a snapshot instead
  assert.strictEqual(journalLines(a), 0);
  assert.deepStrictEqual(Object.keys(JSON.parse(fs.readFileSync(a.file, 'utf8')).orders), ['0', '1', '2', '3']);
  add(4);
  assert.strictEqual(journalLines(a), 1);
  assert.deepStrictEqual(Object.keys(store().data.orders), ['0', '1', '2', '3', '4']);
  assert.throws(() => store({ compactAt: 0 }), /compactAt must be a positive integer/);
});

test('a torn last journal line is ignored and dropped, the lines before it kept', (t) => {
  const store = workspace(t);
  const a = store();
  a.locked((data) => {
    data.orders['1'] = { id: 1 };
    a.save('orders', '1');
    data.orders['2'] = { id: 2 };
    a.save('orders', '2');
  });
  a.close();
  fs.appendFileSync(a.journalPath, '{"path": ["orders", "3"], "val');  // a write cut short by a crash
  const b = store();
  assert.deepStrictEqual(Object.keys(b.data.orders), ['1', '2']);
  assert.strictEqual(journal(b), '');
  b.locked((data) => { data.orders['4'] = { id: 4 }; b.save('orders', '4'); });
  assert.deepStrictEqual(Object.keys(store().data.orders), ['1', '2', '4']);
});

test('a broken journal line in the middle is an error naming the file and line', (t) => {
  const store = workspace(t);
  const a = store();
  a.close();
  fs.writeFileSync(a.journalPath, '{"path": ["orders", "1"], "value": {}}\nnot json\n{"path": ["orders", "2"], "value": {}}\n');
  assert.throws(() => store(), /state\.journal: line 2: /);
});

test('two instances on one directory see each other\'s changes and compactions', (t) => {
  const store = workspace(t);
  const old = store();
  const neu = store({ compactAt: 2 });
  old.locked((data) => { data.orders['1'] = { id: 1, state: 'CREATE_PENDING' }; old.save('orders', '1'); });
  neu.locked((data) => {
    assert.strictEqual(data.orders['1'].state, 'CREATE_PENDING');
    data.orders['1'].state = 'AWAITING_ACCEPTANCE';
    neu.save('orders', '1');
  });
  assert.strictEqual(old.data.orders['1'].state, 'AWAITING_ACCEPTANCE');
  for (let i = 2; i < 7; i++) neu.locked((data) => { data.orders[i] = { id: i }; neu.save('orders', i); });
  assert.deepStrictEqual(Object.keys(old.data.orders), ['1', '2', '3', '4', '5', '6']);
});

// The other instance of a blue-green swap: another node process on the same files.
function otherInstance(root, id) {
  const script = `const kit = require(${JSON.stringify(KIT)});
    const s = new kit.Store({ next_id: 1, orders: {} });
    const seen = s.locked((data) => { data.orders['${id}'] = { id: ${id} }; s.save('orders', '${id}'); return Object.keys(data.orders); });
    console.log(JSON.stringify(seen));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { env: { ...process.env, FTGO_WORKSPACE: root }, timeout: 20000 },
             (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout))));
  });
}

const canLock = (file) => spawnSync('flock', ['-n', '-x', file, 'true']).status === 0;

test('two processes share the files under an flock on state.lock', async (t) => {
  const store = workspace(t);
  const root = process.env.FTGO_WORKSPACE;
  const a = store();
  a.locked((data) => { data.orders['1'] = { id: 1 }; a.save('orders', '1'); });
  assert.strictEqual(canLock(a.lockPath), false, 'the instance keeps the flock while alone');
  // The other process asks for the lock; this one lets go between two calls.
  assert.deepStrictEqual(await otherInstance(root, 2), ['1', '2']);
  a.locked((data) => { data.orders['3'] = { id: 3 }; a.save('orders', '3'); });
  assert.deepStrictEqual(await otherInstance(root, 4), ['1', '2', '3', '4']);
  assert.deepStrictEqual(Object.keys(a.data.orders), ['1', '2', '3', '4']);
  assert.deepStrictEqual(fs.readdirSync(path.dirname(a.file)).filter((n) => n.endsWith('.wait')), []);
  a.close();
  assert.strictEqual(canLock(a.lockPath), true, 'closing the store releases the flock');
});
