export { ProcessDriver, type ProcessDriverOptions } from './process-driver.js';
export type { BackoffOptions } from './backoff.js';
export type { PortRange } from './ports.js';
