// The AWS runtime's shared objects every function uses, built once per execution environment and only when
// first used: configuration and the governance table's stores. What only some functions use lives beside
// them (bitbucket.ts, access-request-events.ts, event-queue.ts), so a function's bundle
// holds only the clients it calls.
import { loadConfig } from '../../lib/config/index.js';
import { governanceStores, governanceTableFromConfig } from '../../lib/store/index.js';
import { once } from './once.js';

/** The validated configuration (throws ConfigError on the first invocation when it is wrong). */
export const config = once(() => loadConfig());

/** Every store over the configured table. */
export const stores = once(() => governanceStores(governanceTableFromConfig(config())));
