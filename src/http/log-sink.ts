// Where the service's log lines go: stdout, written once per turn of the event loop. pino's default
// destination makes one write(2) per line, which under load is a system call per request; here every
// line logged during one turn (all the requests that finished in it) goes out in one write when the
// turn ends (setImmediate), so nothing waits longer than the current turn, and lines keep their
// order. Lines still held when the process exits (process.exit after a fatal line included) are
// written synchronously on 'exit'.

import pino from 'pino';

export interface LogSink {
  write(line: string): void;
  /** Writes every held line now (pino calls it from logger.flush()). */
  flushSync(): void;
}

let stdoutSink: LogSink | undefined;

/** The one sink over stdout (every app of the process shares it, and its 'exit' hook). */
export function stdoutLogSink(): LogSink {
  stdoutSink ??= batchedSink(1);
  return stdoutSink;
}

/** A sink over the file descriptor `fd`. */
export function batchedSink(fd: number): LogSink {
  // sonic-boom, synchronous: it retries EAGAIN on a non-blocking pipe and partial writes.
  const out = pino.destination({ fd, sync: true });
  let held: string[] = [];
  let scheduled = false;
  const flushSync = (): void => {
    scheduled = false;
    if (held.length === 0) return;
    const text = held.join('');
    held = [];
    out.write(text);
  };
  process.on('exit', flushSync);
  return {
    write(line: string): void {
      held.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flushSync);
      }
    },
    flushSync,
  };
}
