// Interleaved measuring: every row of a table is measured once per round, in an order that
// rotates from round to round, and each figure reported is a median over the rounds. This
// host's neighbours come and go for tens of seconds at a time; measured one after another, a
// single 10 s run per proxy could put one proxy in a busy spell and the next in a quiet one
// (two full runs minutes apart gave Berth 0.84× and 0.54× nginx). Interleaved, a proxy and its
// reference are measured seconds apart in every round, so their ratio per round holds even
// when the absolute figures move.

/** Rounds per case (env ROUNDS, default 5). */
export const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? 5));

/**
 * Runs `measure(name, round)` for every name in every round; round r starts at the r-th name.
 * Resolves with each name's runs, in round order.
 */
export async function interleaved(names, measure, rounds = ROUNDS) {
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length];
      runs[name].push(await measure(name, round));
    }
  }
  return runs;
}

/** The median of the finite numbers in `xs` (NaN when there are none). */
export const median = (xs) => {
  const sorted = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * One row from its runs: median req/s, p50, p99 and CPU time per request (when the runs carry
 * it); the range of req/s; and the medians of the per-round ratios to the reference's runs
 * (round r against round r), of req/s and of requests per CPU second.
 */
export function summarize(runs, referenceRuns) {
  const rps = runs.map((r) => r.rps);
  const ratios = referenceRuns ? runs.map((r, i) => r.rps / referenceRuns[i]?.rps) : [];
  // Requests per CPU second against the reference's: the reference's CPU time per request over this row's.
  const cpuRatios = referenceRuns ? runs.map((r, i) => referenceRuns[i]?.cpuUsPerReq / r.cpuUsPerReq) : [];
  const notes = {};
  for (const run of runs) {
    for (const key of ['socketErrors', 'non2xx', 'failed']) if (run[key]) notes[key] = run[key];
    if (run.protocol !== undefined && run.protocol !== 'h2') notes.protocol = run.protocol;
  }
  return {
    rps: median(rps),
    minRps: Math.min(...rps),
    maxRps: Math.max(...rps),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    ratio: median(ratios),
    cpuUsPerReq: median(runs.map((r) => r.cpuUsPerReq)),
    cpuRatio: median(cpuRatios),
    notes,
    runs,
  };
}

export const fmtMs = (ms) => (ms < 1 ? `${Math.round(ms * 1000)} µs` : `${ms.toFixed(2)} ms`);

/** The head of a table of summarized rows (Markdown). */
export const TABLE_HEAD = '| proxy | req/s | range over rounds | p50 | p99 | vs nginx req/s | CPU µs per request | vs nginx per CPU second |\n|---|---|---|---|---|---|---|---|';

/** One summarized row of such a table. */
export function tableRow(name, s) {
  const notes = Object.entries(s.notes).map(([key, value]) => `${key}: ${value}`).join('; ');
  return `| ${name} | ${Math.round(s.rps)} | ${Math.round(s.minRps)}–${Math.round(s.maxRps)} | ${fmtMs(s.p50Ms)} | ${fmtMs(s.p99Ms)} | ${s.ratio.toFixed(2)}×${notes ? ` (${notes})` : ''} | ${s.cpuUsPerReq.toFixed(1)} | ${s.cpuRatio.toFixed(2)}× |`;
}
