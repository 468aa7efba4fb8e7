// The settings: what every layer imports (`./config.js`). The table of variables is
// config/settings.ts, the generic parsers config/parsers.ts, loadConfig and the rules that join
// several variables config/load.ts (docs/architecture.md, "Settings").
export { ConfigError } from './config/config-error.js'
export { loadConfig } from './config/load.js'
export { parseDuration } from './config/parsers.js'
export type { AccessTokenFormat, Config, JweAlgorithm, JwtAlgorithm, LogLevel, MfaPolicy, RateRule, WebAuthnSettings } from './config/types.js'
