// Disk faults for the upload spool of a real server process, preloaded into it by the test
// (NODE_OPTIONS=--import=<this file>): no test-only code in the service. The fault acts at the
// fs layer, as the kernel would, on the spool's temp files only (<dataDir>/tmp/upload-*.part).
// NCF_TEST_SPOOL_FAULTS names a JSON file, read when each temp file is opened (so a test can
// change the fault between requests; missing or `null`: no fault):
//
//   {"op":"write","code":"ENOSPC","atByte":N}
//       the disk fills up at byte N of the temp file: the write that crosses N writes only up to N
//       and returns that short count (as write(2) does), every later write fails with ENOSPC;
//       atByte 0 is a disk already 100 % full;
//   {"op":"sync","code":"EIO"}
//       fsync of the temp file fails with EIO (the write-back found a bad block).

import { readFileSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';

const configFile = process.env.NCF_TEST_SPOOL_FAULTS;

if (configFile) {
  /** FileHandle → { fault, bytes written so far }, for the spool's temp files. */
  const tracked = new WeakMap();
  const isSpoolFile = (p) => /[\\/]tmp[\\/]upload-[^\\/]*\.part$/.test(String(p));
  const currentFault = () => {
    try {
      return JSON.parse(readFileSync(configFile, 'utf8'));
    } catch {
      return null;
    }
  };
  const failure = (code, syscall) => Object.assign(new Error(`${code}: injected by spool-faults.mjs, ${syscall}`), { code, syscall });

  const probe = await fsp.open(process.execPath, 'r');
  const proto = Object.getPrototypeOf(probe);
  await probe.close();

  const open = fsp.open;
  fsp.open = async function (path, ...rest) {
    const fh = await open.call(this, path, ...rest);
    const fault = isSpoolFile(path) ? currentFault() : null;
    if (fault !== null) tracked.set(fh, { fault, bytes: 0 });
    return fh;
  };

  const write = proto.write;
  proto.write = async function (...args) {
    const [buffer, offset, length, position] = args;
    const st = tracked.get(this);
    if (st === undefined || st.fault.op !== 'write' || typeof buffer === 'string') return write.apply(this, args);
    const off = offset ?? 0;
    const len = length ?? buffer.length - off;
    const room = st.fault.atByte - st.bytes;
    if (room <= 0) throw failure(st.fault.code, 'write');
    const r = await write.call(this, buffer, off, Math.min(len, room), position);
    st.bytes += r.bytesWritten;
    return r;
  };

  const sync = proto.sync;
  proto.sync = async function (...args) {
    const st = tracked.get(this);
    if (st !== undefined && st.fault.op === 'sync') throw failure(st.fault.code, 'fsync');
    return sync.apply(this, args);
  };

  // Modules that import { open } from 'node:fs/promises' see the wrapper too.
  syncBuiltinESMExports();
}
