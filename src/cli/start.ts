import { lifecycleVerb } from './lifecycle.js';

export const start = lifecycleVerb('start', 'Starts apps that were stopped with `berth stop`.');
