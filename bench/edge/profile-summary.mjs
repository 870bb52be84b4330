#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (from `node --cpu-prof`, e.g. quick.mjs --prof DIR): the functions
// with the most self time, and the most inclusive time, as a share of the sampled time.
// Usage: node bench/edge/profile-summary.mjs FILE.cpuprofile [TOP]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const [file, topArg] = process.argv.slice(2);
const TOP = Number(topArg ?? 40);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const hits = new Map();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const total = profile.samples.length;

const label = (n) => {
  const f = n.callFrame;
  return `${f.functionName || '(anon)'} ${f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
};

const self = new Map();
for (const [id, count] of hits) {
  const key = label(byId.get(id));
  self.set(key, (self.get(key) ?? 0) + count);
}

// Inclusive: each sample counts once for every distinct function on its stack.
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map();
for (const [id, count] of hits) {
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const key = label(byId.get(at));
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + count);
  }
}

const print = (title, map) => {
  console.log(`\n${title} (of ${total} samples)`);
  for (const [key, count] of [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`${((100 * count) / total).toFixed(1).padStart(5)}%  ${key}`);
  }
};
print('self time', self);
print('inclusive time', inclusive);
