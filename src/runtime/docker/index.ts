export { DockerDriver, DEFAULT_SOCKET_PATH, type DockerDriverOptions } from './docker-driver.js';
export { DEFAULT_CONTAINER_PORT } from './container-config.js';
export { BUILD_CPU_PERIOD, BUILD_CPU_QUOTA, BUILD_MEMORY_BYTES } from './build.js';
