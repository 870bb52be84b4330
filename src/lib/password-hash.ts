/**
 * Password hashes for basic auth; berth.yaml holds these, never plain text. Two formats:
 * bcrypt (`$2a$`/`$2b$`/`$2y$`, what `htpasswd -B` writes) checked with bcryptjs, and
 * scrypt from node:crypto, written `$scrypt$N=16384,r=8,p=1$<salt>$<hash>` (base64, no
 * padding; salt 16 bytes, hash 32 bytes). Both verify asynchronously and in constant time.
 */
import bcrypt from 'bcryptjs';
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const BCRYPT = /^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;
const SCRYPT = /^\$scrypt\$N=(\d{1,8}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{16,})$/;

/** Cost bounds that keep one verification under ~256 MB and a few seconds. */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;
const SCRYPT_DEFAULTS = { N: 16384, r: 8, p: 1 };

interface ScryptHash {
  options: ScryptOptions & { N: number; r: number; p: number };
  salt: Buffer;
  hash: Buffer;
}

function scryptMemory(N: number, r: number, p: number): number {
  return 128 * r * (N + p + 2);
}

function parseScrypt(text: string): ScryptHash | undefined {
  const m = SCRYPT.exec(text);
  if (!m) return undefined;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || r < 1 || p < 1 || scryptMemory(N, r, p) > MAX_SCRYPT_MEMORY) return undefined;
  const salt = Buffer.from(m[4] ?? '', 'base64');
  const hash = Buffer.from(m[5] ?? '', 'base64');
  if (hash.length < 16) return undefined;
  return { options: { N, r, p, maxmem: scryptMemory(N, r, p) + 1024 * 1024 }, salt, hash };
}

/** Whether `text` is a hash Berth can verify (and so not a plain-text password). */
export function isPasswordHash(text: string): boolean {
  return BCRYPT.test(text) || parseScrypt(text) !== undefined;
}

function scryptAsync(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

/** A new scrypt hash of `plain` (N=16384, r=8, p=1, random salt) — for `berth hash-password`. */
export async function hashPassword(plain: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p } = SCRYPT_DEFAULTS;
  const hash = await scryptAsync(plain, salt, 32, { N, r, p, maxmem: scryptMemory(N, r, p) + 1024 * 1024 });
  return `$scrypt$N=${N},r=${r},p=${p}$${b64(salt)}$${b64(hash)}`;
}

/** Whether `plain` matches `hash`; false for a hash in no known format. */
export async function verifyPassword(plain: string, hash: string): Promise<boolean> {
  if (BCRYPT.test(hash)) return bcrypt.compare(plain, hash);
  const parsed = parseScrypt(hash);
  if (!parsed) return false;
  const derived = await scryptAsync(plain, parsed.salt, parsed.hash.length, parsed.options);
  return timingSafeEqual(derived, parsed.hash);
}
