export { SwarmDriver, type SwarmDriverOptions } from './swarm-driver.js';
export type { BuildLimits } from './images.js';
