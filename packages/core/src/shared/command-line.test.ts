import { describe, expect, it } from 'vitest';
import { checkCommandArgs, splitCommand } from './command-line.js';

describe('splitCommand', () => {
  it.each([
    ['npm ci', ['npm', 'ci']],
    ['  npm   run  build  ', ['npm', 'run', 'build']],
    ['node server.js --port 3000', ['node', 'server.js', '--port', '3000']],
    [`echo "two words" 'single $HOME' plain\\ space`, ['echo', 'two words', 'single $HOME', 'plain space']],
    [`printf '%s|%s' a b`, ['printf', '%s|%s', 'a', 'b']],
    ['grep "a && b" log', ['grep', 'a && b', 'log']],
    [`echo "it's"`, ['echo', "it's"]],
    ['echo \\$HOME', ['echo', '$HOME']],
    ['echo "\\$HOME"', ['echo', '$HOME']],
    ['node --env=production x', ['node', '--env=production', 'x']],
    ['echo ""', ['echo', '']],
    ['cost 5$', ['cost', '5$']],
  ])('splits %j', (text, args) => {
    expect(splitCommand(text)).toEqual({ ok: true, args });
  });

  it.each([
    ['npm test | tee out', '`|` is a shell operator'],
    ['npm test > out', '`>` is a shell operator'],
    ['npm ci && npm start', '`&&` is a shell operator'],
    ['a || b', '`||` is a shell operator'],
    ['a; b', '`;` is a shell operator'],
    ['a & b', '`&` is a shell operator'],
    ['a 2>&1', '`>&` is a shell operator'],
    ['(a)', '`(` is a shell operator'],
    ['a < in', '`<` is a shell operator'],
    ['rm *.log', '`*.log` is a pattern only a shell expands'],
    ['curl http://x/?a=b', '`http://x/?a=b` is a pattern only a shell expands'],
    ['npm start # the app', '`#` starts a shell comment'],
    ['curl $TRUNKFLOW_URL/healthz', '`$TRUNKFLOW_URL` would be expanded only by a shell'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell syntax under test
    ['curl "${TRUNKFLOW_URL}/healthz"', '`${TRUNKFLOW_URL}` would be expanded only by a shell'],
    ['echo $(date)', '`$(…)` is command substitution'],
    ['echo "$(date)"', '`$(…)` is command substitution'],
    ['echo `date`', 'backquotes are command substitution'],
    ['NODE_ENV=production npm start', '`NODE_ENV=production` sets a variable only in a shell'],
    ['npm ci\nnpm start', 'holds several lines'],
    [`echo "unclosed`, 'has a " quote that is never closed'],
    [`don't`, "has a ' quote that is never closed"],
    ['', 'is empty'],
    ['   ', 'is empty'],
  ])('refuses %j: %s', (text, start) => {
    const result = splitCommand(text);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.message.startsWith(start), JSON.stringify(result)).toBe(true);
  });

  it('says why and what to do instead of a shell', () => {
    expect(splitCommand('npm test | tee out')).toEqual({
      ok: false,
      message:
        '`|` is a shell operator, and commands do not run through a shell: run one program, or put the shell part in a script file in the repository and run that, like ./scripts/deploy.sh',
    });
    expect(splitCommand('curl $TRUNKFLOW_URL')).toEqual({
      ok: false,
      message:
        "`$TRUNKFLOW_URL` would be expanded only by a shell, and commands do not run through a shell: read TRUNKFLOW_URL from the environment in the program, or write '$TRUNKFLOW_URL' in single quotes to pass it as text",
    });
  });
});

describe('checkCommandArgs', () => {
  it.each([
    [['npm', 'ci'], null],
    [['sh', '-c', 'a | b'], null],
    [[], 'is an empty list: write the program and its arguments, like [npm, start]'],
    [['', 'x'], 'names no program: its first item is empty; write one, like [npm, start]'],
  ])('%j → %j', (args, problem) => {
    expect(checkCommandArgs(args)).toBe(problem);
  });
});
