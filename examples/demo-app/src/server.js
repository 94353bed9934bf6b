// The demo web app: a home page and a health check, served with node:http.
import { createServer as createHttpServer } from 'node:http';
import { fileURLToPath } from 'node:url';

// Static on purpose: a clock-dependent page would make the demo's coverage vary by time of day.
const HOME_PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Trunkflow demo</title></head>
  <body>
    <h1>Trunkflow demo</h1>
    <p>A small app that Trunkflow builds, checks and deploys.</p>
  </body>
</html>
`;

/** Builds the server without listening, so tests can pick their own port. */
export function createServer() {
  return createHttpServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET' && url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(HOME_PAGE);
      return;
    }
    if (request.method === 'GET' && url.pathname === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: true }));
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    response.end('Not found\n');
  });
}

// Listen only when run as `node src/server.js`, not when a test imports the module.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT || 3000);
  createServer().listen(port, () => {
    console.log(`demo-app listening on http://localhost:${port}`);
  });
}
