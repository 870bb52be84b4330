import { lifecycleVerb } from './lifecycle.js';

export const stop = lifecycleVerb('stop', 'stop an app\'s replicas (kept stopped across restarts)',
  'Stops every replica of the apps gracefully; they stay stopped until `berth start`.');
