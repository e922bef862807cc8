// The service's entry point: reads the configuration (exit 2 on a bad value), opens the storage
// (exit 1 naming the dependency that failed: PostgreSQL, object storage or the data directory),
// listens, and logs one line with the URL. On SIGTERM or SIGINT it stops accepting connections,
// lets in-flight requests finish (aborting them after a grace period), then closes the catalog.

import { dataDirError, StorageOpenError } from '../storage/open.js';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { clearTemp } from './upload/spool.js';

/** How long in-flight requests may run after a shutdown signal before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`ncf: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    await clearTemp(config.dataDir).catch((e: unknown) => {
      throw dataDirError(config.dataDir, e);
    });
    app = await buildApp(config);
  } catch (e) {
    // StorageOpenError names the dependency that failed (PostgreSQL, object storage, the data
    // directory), where, and what to check; anything else happened while building the app.
    const detail =
      e instanceof StorageOpenError
        ? e.message
        : `cannot open the storage in ${config.dataDir}: ${e instanceof Error ? e.message : String(e)}`;
    process.stderr.write(`ncf: cannot start: ${detail}\n`);
    process.exit(1);
  }
  try {
    await app.listen({
      host: config.host,
      port: config.port,
      listenTextResolver: (address) => `ncf service listening on ${address}`,
    });
  } catch (e) {
    app.log.fatal({ err: e }, `cannot listen on ${config.host}:${config.port}`);
    await app.close().catch(() => {});
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      app.log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    app.log.info(`${signal}: shutting down (in-flight requests get ${SHUTDOWN_GRACE_MS / 1000} s)`);
    const force = setTimeout(() => {
      app.log.warn('grace period over: closing the remaining connections');
      app.server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    app.close().then(
      () => {
        clearTimeout(force);
        app.log.info('stopped');
        process.exit(0);
      },
      (e: unknown) => {
        app.log.error({ err: e }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
