// The pre-receive hook git runs during a push; it asks the Trunkflow server to accept or refuse the updates.
// It is written out as standalone files (git runs it as its own process, wherever the server code lives),
// so it is plain JavaScript that only uses Node's built-in modules and reads its settings from the environment.

/** The file git runs (`<hooks>/pre-receive`) and the script it starts (`<hooks>/pre-receive.cjs`). */
export const HOOK_NAME = 'pre-receive';
export const HOOK_SCRIPT_NAME = 'pre-receive.cjs';

/** What the script prints, and nothing else, when TRUNKFLOW_HOOK_SELF_TEST=1: it loaded and can run. */
export const HOOK_SELF_TEST_OUTPUT = 'trunkflow-hook-ok';

/**
 * Why a shell launcher and a `.cjs` file, rather than one `#!…/node` script:
 * - A `#!` line cannot hold a path with spaces on Linux, and the node binary may live in one.
 *   `#!/usr/bin/env node` would run whichever `node` comes first on PATH, which need not be the one
 *   the server runs on (or be called `node` at all). So the server passes its own binary
 *   (process.execPath) in TRUNKFLOW_NODE, and `/bin/sh` runs it quoted: any path works.
 * - An extension-less script is loaded as ESM when the nearest package.json says "type": "module"
 *   (the default data directory `.trunkflow/` lies inside the repository, whose package.json does).
 *   Node always loads a `.cjs` file as CommonJS, whatever package.json lies above it.
 * - The script needs nothing from node_modules, so where (and how read-only) the server is
 *   installed does not matter; the hooks folder in the data directory is all it uses.
 */
export const PRE_RECEIVE_HOOK_LAUNCHER = `#!/bin/sh
# Trunkflow's pre-receive hook, written by the server at every start (edits are overwritten).
# The check is ${HOOK_SCRIPT_NAME} next to this file, run by the node binary the server passes.
if [ -z "\${TRUNKFLOW_NODE:-}" ]; then
  echo 'trunkflow: pushes must go through the Trunkflow server (http://…/git/<project>.git)' >&2
  exit 1
fi
if [ ! -x "$TRUNKFLOW_NODE" ]; then
  echo "trunkflow: the push check could not start ($TRUNKFLOW_NODE is not executable); your push was not applied; tell your Trunkflow admin" >&2
  exit 1
fi
exec "$TRUNKFLOW_NODE" "$0.cjs"
`;

// It uses node:http rather than fetch: fetch's start-up (undici, its WebAssembly parser) cost about
// 120 ms of every push (bench/README.md, events).
export const PRE_RECEIVE_HOOK_SOURCE = `'use strict';
// Trunkflow's pre-receive check, written by the server at every start (edits are overwritten).
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

if (process.env.TRUNKFLOW_HOOK_SELF_TEST === '1') {
  process.stdout.write('${HOOK_SELF_TEST_OUTPUT}\\n');
} else {
  main().then((code) => {
    process.exitCode = code;
  });
}
`;
