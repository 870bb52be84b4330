import { hashPassword } from '../lib/password-hash.js';
import { parse, UsageError } from './args.js';
import type { Verb } from './verb.js';

const usage = `berth hash-password [--user NAME]

Reads a password from standard input (the first line) and prints its scrypt hash, for
basic_auth in berth.yaml. With --user, prints "NAME: HASH", ready to paste under users:.
  echo -n 'secret' | berth hash-password --user admin
bcrypt hashes from "htpasswd -nB NAME" work too. The password itself is never stored.`;

export const hashPasswordVerb: Verb = {
  name: 'hash-password',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { user: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, usage);
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}": pass the password on standard input, not as an argument (it would stay in your shell history)`, usage);
    if (values.user !== undefined && !/^[^:\s]{1,64}$/.test(values.user)) throw new UsageError('--user must be 1–64 characters without ":" or spaces', usage);
    const password = firstLine(await readStdin());
    if (password === '') throw new UsageError('no password on standard input', usage);
    const hash = await hashPassword(password);
    process.stdout.write(values.user !== undefined ? `${values.user}: "${hash}"\n` : `${hash}\n`);
    return 0;
  },
};

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password (the input is shown; end with Enter): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if (process.stdin.isTTY && chunk.toString().includes('\n')) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}

function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return end === -1 ? text : text.slice(0, end);
}
