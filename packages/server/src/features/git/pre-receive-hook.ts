// The pre-receive hook git runs during a push; it asks the Trunkflow server to accept or refuse the updates.
// It is written out as standalone files (git runs it as its own process, wherever the server code lives),
// so it is plain JavaScript that only uses Node's built-in modules and reads its settings from the environment.

import { HOOK_CRASH_TEXT_LIMIT } from '@trunkflow/api';

/** The file git runs (`<hooks>/pre-receive`) and the script it starts (`<hooks>/pre-receive.cjs`). */
export const HOOK_NAME = 'pre-receive';
export const HOOK_SCRIPT_NAME = 'pre-receive.cjs';

/** What the script prints, and nothing else, when TRUNKFLOW_HOOK_SELF_TEST=1: it loaded and can run. */
export const HOOK_SELF_TEST_OUTPUT = 'trunkflow-hook-ok';

/**
 * How the script ends when it decided (a refusal, a crash it reported): the launcher tells any other
 * exit (Node could not load the script, say) apart, and says the push check could not run.
 */
export const HOOK_REFUSED_EXIT = 3;

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
"$TRUNKFLOW_NODE" "$0.cjs"
status=$?
case $status in
  0) exit 0 ;;
  ${HOOK_REFUSED_EXIT}) exit 1 ;;
esac
echo "trunkflow: the push check could not run (exit $status); your push was not applied; the server log has the details — tell your Trunkflow admin" >&2
exit 1
`;

// It uses node:http rather than fetch: fetch's start-up (undici, its WebAssembly parser) cost about
// 120 ms of every push (bench/README.md, events).
// Anything that goes wrong in the script itself (a bug, an answer that is not the server's) is a
// crash: the pusher is told it was not their fault and whom to tell, and the server is sent the
// stack and what the hook printed, so the admin finds it in the log. An unreachable server is not
// a crash: the pusher can simply try again.
export const PRE_RECEIVE_HOOK_SOURCE = `'use strict';
// Trunkflow's pre-receive check, written by the server at every start (edits are overwritten).
const { readFileSync } = require('node:fs');
const http = require('node:http');

const LIMIT = ${HOOK_CRASH_TEXT_LIMIT};
const REFUSED = ${HOOK_REFUSED_EXIT};
const url = process.env.TRUNKFLOW_HOOK_URL;
const crashUrl = process.env.TRUNKFLOW_HOOK_CRASH_URL;
const token = process.env.TRUNKFLOW_HOOK_TOKEN;

// What the hook printed, to send along with a crash report.
let printed = '';
function say(line, then) {
  if (printed.length < LIMIT) printed += line + '\\n';
  process.stderr.write(line + '\\n', then);
}

function post(target, body, timeout) {
  return new Promise((resolve, reject) => {
    const request = http.request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-trunkflow-hook-token': token },
      timeout,
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

let crashed = false;
function crash(error) {
  if (crashed) return;
  crashed = true;
  const stack = String((error && error.stack) || error).slice(0, LIMIT);
  const summary = String((error && error.message) || error).split('\\n')[0].slice(0, 300);
  const told = 'trunkflow: the push check crashed (' + summary + '); your push was not applied; ' +
    'the server log has the details — tell your Trunkflow admin';
  const sent = crashUrl && token
    ? post(crashUrl, JSON.stringify({ error: stack, stderr: (printed + told).slice(0, LIMIT) }), 10000)
        .then((answer) => answer.status === 204, () => false)
    : Promise.resolve(false);
  sent.then((ok) => {
    say(ok
      ? told
      : 'trunkflow: the push check crashed (' + summary + '); your push was not applied; ' +
        'the server could not be told, so tell your Trunkflow admin and show them this:\\n' + stack,
      // Exit once the message is out: a write to a pipe is not synchronous everywhere.
      () => process.exit(REFUSED));
  });
}
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

/** The server's answer, or an error that says what came instead. */
function parseAnswer(status, text) {
  let answer;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new Error('the server answered HTTP ' + status + ' with something that is not JSON: ' + JSON.stringify(text.slice(0, 200)));
  }
  if (answer && answer.error && typeof answer.error.message === 'string') {
    throw new Error('the server answered HTTP ' + status + ': ' + answer.error.message);
  }
  const messages = answer && answer.messages;
  if (!answer || typeof answer.ok !== 'boolean' || !Array.isArray(messages) || !messages.every((m) => typeof m === 'string')) {
    throw new Error('the server answered HTTP ' + status + ' with something that is not a push-check answer: ' + JSON.stringify(text.slice(0, 200)));
  }
  return answer;
}

async function main() {
  if (!url || !token) {
    say('trunkflow: pushes must go through the Trunkflow server (http://…/git/<project>.git)');
    return REFUSED;
  }
  const updates = readFileSync(0, 'utf8')
    .split('\\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [oldSha = '', newSha = '', ref = ''] = line.split(' ');
      return { oldSha, newSha, ref };
    });
  let reply;
  try {
    reply = await post(url, JSON.stringify({ updates }), 60000);
  } catch (error) {
    say('trunkflow: the server did not answer the push check (' + error.message + '); try again');
    return REFUSED;
  }
  const answer = parseAnswer(reply.status, reply.text);
  for (const message of answer.messages) say(message);
  return reply.status === 200 && answer.ok ? 0 : REFUSED;
}

if (process.env.TRUNKFLOW_HOOK_SELF_TEST === '1') {
  // Loaded, and every module it needs is there: that is all the start-up check asks.
  process.stdout.write('${HOOK_SELF_TEST_OUTPUT}\\n');
} else {
  main().then((code) => {
    if (!crashed) process.exitCode = code;
  }, crash);
}
`;
