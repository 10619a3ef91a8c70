// A user's service, loaded after docs/diagnostics.md's tracing.ts (node --import ./tracing.ts server.cjs):
// CommonJS, so the http instrumentation's require hook patches node:http. Prints its port, answers every request.
const http = require('node:http');

const server = http.createServer((request, response) => {
  response.end('ok');
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.once('SIGTERM', () => server.close());
