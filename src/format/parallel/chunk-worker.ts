// Worker thread entry: runs encode/decode jobs posted by the pool and posts back the result (or the
// error's code, message and details, so an NCFError keeps its type across the thread boundary).

import { parentPort } from 'node:worker_threads';
import { NCFError } from '../errors.js';
import { buffersOf, runJob, type Job } from './jobs.js';

parentPort!.on('message', (msg: { id: number; job: Job }) => {
  try {
    const result = runJob(msg.job);
    parentPort!.postMessage({ id: msg.id, result }, buffersOf(result));
  } catch (e) {
    const err =
      e instanceof NCFError
        ? { ncf: true, code: e.code, message: e.message, details: e.details }
        : { ncf: false, code: 'INTERNAL', message: (e as Error)?.message ?? String(e), details: {} };
    parentPort!.postMessage({ id: msg.id, error: err });
  }
});
