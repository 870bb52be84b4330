import { lifecycleVerb } from './lifecycle.js';

export const stop = lifecycleVerb('stop', 'Stops every replica of the apps gracefully; they stay stopped until `berth start`.');
