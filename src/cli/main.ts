// The `ncf` command: argument dispatch and error reporting. Each command lives in its own module.

import { NCFError } from '../format/errors.js';
import { runCat } from './cat.js';
import { runConvert } from './convert.js';
import { CAT_HELP, CONVERT_HELP, INSPECT_HELP, MAIN_HELP, VALIDATE_HELP } from './help.js';
import { runInspect } from './inspect.js';
import { UsageError } from './args.js';
import { runValidate } from './validate.js';
import { WRITER_VERSION } from '../format/constants.js';

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  convert: { run: runConvert, help: CONVERT_HELP },
  inspect: { run: runInspect, help: INSPECT_HELP },
  cat: { run: runCat, help: CAT_HELP },
  validate: { run: runValidate, help: VALIDATE_HELP },
};

/** Runs the CLI; returns the exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${WRITER_VERSION}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`ncf: unknown command "${name}"\n\n${MAIN_HELP}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.help);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ncf ${name}: ${e.message}\n\n${cmd.help}`);
      return 2;
    }
    if (e instanceof NCFError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    if (e && typeof e === 'object' && 'code' in e && (e as { code: unknown }).code === 'ENOENT') {
      process.stderr.write(`ncf ${name}: ${(e as unknown as Error).message}\n`);
      return 1;
    }
    if (e && typeof e === 'object' && 'code' in e && (e as { code: unknown }).code === 'EPIPE') return 0;
    throw e;
  }
}
