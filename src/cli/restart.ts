import { lifecycleVerb } from './lifecycle.js';

export const restart = lifecycleVerb('restart', 'Starts fresh replicas beside the running ones and stops the old ones once the new are healthy\n(apps on a fixed port are stopped first: give them $PORT to restart without downtime).');
