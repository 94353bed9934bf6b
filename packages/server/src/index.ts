// @trunkflow/server: the service, built by one composition root.
export { createTrunkflow, type Trunkflow } from './app.js';
export { ConfigError, loadServerConfig, type ServerConfig } from './platform/config.js';
