// The gateway's HTTP plumbing: a JSON server on $PORT with /health and a
// clean SIGTERM. It holds no state and uses no Kafka.
'use strict';
const http = require('node:http');
const path = require('node:path');

const SERVICE = process.env.FTGO_SERVICE || path.basename(__dirname);

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
  server.listen(port, '127.0.0.1', () => console.log(`${SERVICE} listening on 127.0.0.1:${port}`));
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

module.exports = { SERVICE, serve };
