/**
 * Test helper: runs testssl.sh against a TLS server on loopback and returns its findings and
 * its SSL Labs-style rating (overall grade, grade cap reasons, grade warnings). Only the
 * checks a valid rating needs run (no client simulation, no server-preference or GREASE
 * checks), which takes about 35 s against a node server on this kind of machine.
 * The rating exists from testssl 3.1 on; Debian bookworm ships 3.0.8, which has none, so
 * `TESTSSL` (and, for an unpacked copy, `TESTSSL_INSTALL_DIR`) may point at a newer one.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { z } from 'zod';

/** The testssl command: `TESTSSL` from the environment, else Debian's `testssl`. */
export const TESTSSL = process.env.TESTSSL ?? 'testssl';

/**
 * The checks testssl 3.1+ needs before it rates (its set_rating_state): protocols, cipher
 * categories, forward secrecy, server defaults (certificate), headers (HSTS) and the
 * vulnerabilities that cap grades. testssl rates without a cipher scan too, but then scores
 * cipher strength from no cipher at all (60 instead of 90 here), so the per-protocol cipher
 * scan runs as well. Long option names, which 3.0 and 3.2 both accept.
 */
const RATING_CHECKS = [
  '--protocols', '--std', '--fs', '--server-defaults', '--headers', '--cipher-per-proto',
  '--heartbleed', '--ccs-injection', '--ticketbleed', '--robot', '--renegotiation', '--crime',
  '--poodle', '--tls-fallback', '--drown', '--beast', '--rc4', '--logjam',
];

/**
 * testssl sleeps 0.1 s after every socket send and 0.2 s before every read to pace remote
 * servers; on loopback that only costs time (a third of the run), the findings are the same.
 */
const LOOPBACK_PACING = { USLEEP_SND: '0', USLEEP_REC: '0' };

export interface TestsslOptions {
  /** The address to connect to (default 127.0.0.1); no DNS lookups are made. */
  host?: string;
  port: number;
  /** Sent as SNI and Host, and checked against the certificate. */
  serverName: string;
  /** A CA (PEM file) to trust in addition to testssl's bundled stores. */
  caFile: string;
  timeoutMs?: number;
  /** Default: the `TESTSSL` constant. */
  command?: string;
}

export interface TestsslFinding {
  id: string;
  /** OK, INFO, LOW, MEDIUM, HIGH, CRITICAL, or WARN (a problem on the scanning side). */
  severity: string;
  finding: string;
}

export interface TestsslReport {
  version: string;
  /** `A+`, `A`, `A-`, `B` … `F`, `T` (trust) or `M` (name mismatch). */
  grade: string;
  /** Why the grade is capped, as testssl words it (`Grade capped to A. HSTS is not offered`). */
  caps: string[];
  /** Grade warnings (any one turns an A+ into A-). */
  warnings: string[];
  findings: TestsslFinding[];
}

const Findings = z.array(z.object({ id: z.string(), severity: z.string(), finding: z.string() }).loose());

/** Which testssl `command` is, and whether it rates (3.1 and later). */
export async function testsslVersion(command = TESTSSL): Promise<{ version: string; rates: boolean }> {
  const { output } = await run(command, ['--banner'], 30_000);
  const version = /testssl\S*\s+(?:version\s+)?(\d+\.\d+(?:\.\d+)?)/.exec(stripVTControlCharacters(output))?.[1];
  if (!version) throw new Error(`cannot tell the version of ${command} from its banner:\n${output}`);
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return { version, rates: major > 3 || (major === 3 && minor >= 1) };
}

/** Runs the rating checks against `https://serverName:port` at `host`; throws when no grade comes out. */
export async function runTestssl(options: TestsslOptions): Promise<TestsslReport> {
  const command = options.command ?? TESTSSL;
  const { version, rates } = await testsslVersion(command);
  if (!rates) {
    throw new Error(`testssl ${version} (${command}) has no rating — the grade needs testssl.sh 3.1 or later: install it (Debian bookworm-backports has 3.2) or set TESTSSL to one`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'berth-testssl-'));
  try {
    const jsonFile = join(dir, 'findings.json');
    const { code, output } = await run(command, testsslArgs(options, jsonFile), options.timeoutMs ?? 300_000, LOOPBACK_PACING);
    let findings: TestsslFinding[];
    try {
      findings = Findings.parse(JSON.parse(readFileSync(jsonFile, 'utf8'))).map(({ id, severity, finding }) => ({ id, severity, finding }));
    } catch (err) {
      throw new Error(`testssl (exit ${code}) wrote no readable findings (${(err as Error).message}):\n${output}`);
    }
    return { version, ...rating(findings, output), findings };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function testsslArgs(o: TestsslOptions, jsonFile: string): string[] {
  return [
    '--quiet', '--warnings', 'off', '--color', '0', '--nodns', 'none', '--ip', o.host ?? '127.0.0.1',
    '--add-ca', o.caFile, '--connect-timeout', '10', '--openssl-timeout', '10',
    '--jsonfile', jsonFile, ...RATING_CHECKS, `https://${o.serverName}:${o.port}`,
  ];
}

function rating(findings: TestsslFinding[], output: string): Pick<TestsslReport, 'grade' | 'caps' | 'warnings'> {
  const grade = findings.find((f) => f.id === 'overall_grade')?.finding;
  if (!grade) throw new Error(`testssl gave no overall_grade (a rating check did not run, or the connection failed):\n${output}`);
  const texts = (prefix: string): string[] => findings.filter((f) => f.id.startsWith(prefix)).map((f) => f.finding);
  return { grade, caps: texts('grade_cap_reason_'), warnings: texts('grade_cap_warning_') };
}

/**
 * Runs `command` (argument array, no shell) in its own process group, so a timeout ends
 * testssl and the openssl processes it started (by that group's id).
 */
function run(command: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TERM_WIDTH: '200', ...env } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
      reject(new Error(`${command} did not finish within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command} (${err.message}) — install testssl.sh or set TESTSSL`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
