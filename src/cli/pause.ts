import { parseDuration } from '../spec/values.js';
import { CLIENT_OPTIONS, parse, UsageError } from './args.js';
import { ApiClient } from './client.js';
import { printJson, type Verb } from './verb.js';

type Mode = 'pause' | 'resume' | 'maintenance';

const DETAIL: Record<Mode, string> = {
  pause: `Holds APP's new requests at the edge, in order, until \`berth resume APP\`; a request held
longer than --max (default 20s; below edge.timeouts.body) gets 503. In-flight requests finish.`,
  resume: 'Releases the requests held by `berth pause` in order, or ends maintenance mode.',
  maintenance: `Answers every request to APP with a 503 maintenance page and Retry-After until
\`berth resume APP\`. Health checks go on; the app keeps running.`,
};

/** `berth pause|resume|maintenance APP`: how the edge treats an app's requests. */
function modeVerb(mode: Mode): Verb {
  const usage = `berth ${mode} APP${mode === 'pause' ? ' [--max 20s]' : ''} [--data-dir DIR] [--json]\n\n${DETAIL[mode]}`;
  return {
    name: mode,
    usage,
    async run(argv) {
      const { values, positionals } = parse(argv, { ...CLIENT_OPTIONS, ...(mode === 'pause' ? { max: { type: 'string' } } : {}) }, usage);
      if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument "${positionals[1]}"` : 'name the app', usage);
      const app = positionals[0] as string;
      const body = mode === 'pause' && typeof values.max === 'string' ? { max_ms: maxMs(values.max, usage) } : {};
      const result = await ApiClient.fromFlags(values).post(`/v1/apps/${encodeURIComponent(app)}/${mode}`, body);
      if (values.json) printJson(result);
      else console.log(`${app}: ${mode === 'pause' ? 'paused (requests are held)' : mode === 'resume' ? 'serving' : 'in maintenance (503 page)'}`);
      return 0;
    },
  };
}

function maxMs(text: string, usage: string): number {
  try {
    const ms = parseDuration(text);
    if (ms < 100 || ms > 3_600_000) throw new Error('between 100ms and 1h');
    return ms;
  } catch (err) {
    throw new UsageError(`--max: ${(err as Error).message}`, usage);
  }
}

export const pause = modeVerb('pause');
export const resume = modeVerb('resume');
export const maintenance = modeVerb('maintenance');
