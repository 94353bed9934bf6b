// The pre-receive hook git runs during a push; it asks the Trunkflow server to accept or refuse the updates.
// It is written out as a standalone script (git runs it as its own process, wherever the server code lives),
// so it is plain JavaScript that only uses Node's globals and reads its settings from the environment.

// It uses node:http rather than fetch: fetch's start-up (undici, its WebAssembly parser) cost about
// 120 ms of every push (bench/README.md, events).
export const PRE_RECEIVE_HOOK_SOURCE = `
'use strict';
const { readFileSync } = require('node:fs');
const http = require('node:http');

function post(url, token, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-trunkflow-hook-token': token },
      timeout: 60000,
    }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve({ status: response.statusCode || 0, text }));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end(body);
  });
}

async function main() {
  const url = process.env.TRUNKFLOW_HOOK_URL;
  const token = process.env.TRUNKFLOW_HOOK_TOKEN;
  if (!url || !token) {
    process.stderr.write('trunkflow: pushes must go through the Trunkflow server (http://…/git/<project>.git)\\n');
    return 1;
  }
  const updates = readFileSync(0, 'utf8')
    .split('\\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [oldSha = '', newSha = '', ref = ''] = line.split(' ');
      return { oldSha, newSha, ref };
    });
  try {
    const { status, text } = await post(url, token, JSON.stringify({ updates }));
    const answer = JSON.parse(text);
    for (const message of answer.messages || []) process.stderr.write(message + '\\n');
    return status === 200 && answer.ok === true ? 0 : 1;
  } catch (error) {
    process.stderr.write('trunkflow: the server did not answer the push check (' + error.message + '); try again\\n');
    return 1;
  }
}

main().then((code) => {
  process.exitCode = code;
});
`;
