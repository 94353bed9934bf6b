// A command in trunkflow.yml is an argument array, or one line split into one: never a shell, so shell syntax is refused by name.
import { parse as parseShellWords } from 'shell-quote';

/** A program and its arguments, as `spawn(args[0], args.slice(1))` takes them. */
export type CommandArgs = string[];

export type SplitCommandResult = { ok: true; args: CommandArgs } | { ok: false; message: string };

const NO_SHELL = 'commands do not run through a shell';
const SCRIPT = 'put the shell part in a script file in the repository and run that, like ./scripts/deploy.sh';

/** What only a shell would do with `text` outside single quotes (expansions, several lines), or an open quote. */
function shellOnlySyntax(text: string): string | null {
  let quote: "'" | '"' | null = null;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quote === "'") {
      if (char === "'") quote = null;
      continue;
    }
    if (char === '\\') {
      index += 1;
      continue;
    }
    if (char === '$' || char === '`') {
      const rest = text.slice(index);
      const variable = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/.exec(rest);
      if (variable !== null) {
        return `\`${variable[0]}\` would be expanded only by a shell, and ${NO_SHELL}: read ${variable[1]} from the environment in the program, or write '${variable[0]}' in single quotes to pass it as text`;
      }
      if (char === '`' || rest.startsWith('$(')) {
        const what = char === '`' ? 'backquotes are' : '`$(…)` is';
        return `${what} command substitution, which needs a shell, and ${NO_SHELL}: ${SCRIPT}`;
      }
      continue;
    }
    if (quote === '"') {
      if (char === '"') quote = null;
      continue;
    }
    if (char === "'" || char === '"') quote = char;
    else if (char === '\n' || char === '\r') {
      return `holds several lines, and ${NO_SHELL}: write one command, or ${SCRIPT}`;
    }
  }
  if (quote !== null) return `has a ${quote} quote that is never closed: close it, or escape it as \\${quote}`;
  return null;
}

/** Splits one command line into arguments with shell-like quoting, refusing what only a shell understands. */
export function splitCommand(text: string): SplitCommandResult {
  const syntax = shellOnlySyntax(text);
  if (syntax !== null) return { ok: false, message: syntax };
  // Expansions were refused above; the callback keeps shell-quote from silently dropping any it still sees.
  const tokens = parseShellWords(text, (name) => `$${name}`);
  const args: CommandArgs = [];
  for (const token of tokens) {
    if (typeof token === 'string') {
      args.push(token);
    } else if ('comment' in token) {
      return { ok: false, message: `\`#\` starts a shell comment, and ${NO_SHELL}: remove it, or quote it as '#'` };
    } else if (token.op === 'glob') {
      return {
        ok: false,
        message: `\`${token.pattern}\` is a pattern only a shell expands (* ? [), and ${NO_SHELL}: name the files, or quote it to pass it as text`,
      };
    } else {
      return {
        ok: false,
        message: `\`${token.op}\` is a shell operator, and ${NO_SHELL}: run one program, or ${SCRIPT}`,
      };
    }
  }
  const [program] = args;
  if (program === undefined) return { ok: false, message: 'is empty: write a command, like npm start' };
  if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(program)) {
    return {
      ok: false,
      message: `\`${program}\` sets a variable only in a shell, and ${NO_SHELL}: put it under \`variables\``,
    };
  }
  return { ok: true, args };
}

/** Checks an argument array: it needs a program, and takes every argument as it is, shell characters included. */
export function checkCommandArgs(args: readonly string[]): string | null {
  const [program] = args;
  if (program === undefined) return 'is an empty list: write the program and its arguments, like [npm, start]';
  if (program.trim() === '') return 'names no program: its first item is empty; write one, like [npm, start]';
  return null;
}
