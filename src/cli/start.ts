import { lifecycleVerb } from './lifecycle.js';

export const start = lifecycleVerb('start', 'start apps stopped with `berth stop`',
  'Starts apps that were stopped with `berth stop`.');
