// Argument parsing helpers shared by the commands: usage errors that name the option.

export class UsageError extends Error {}

/** Runs node's parseArgs, turning its errors into usage errors. */
export function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function expectPositionals(positionals: string[], n: number): void {
  if (positionals.length !== n) {
    throw new UsageError(`expected ${n} argument${n === 1 ? '' : 's'}, got ${positionals.length}`);
  }
}

export function intOption(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value) || Number(value) < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${value}"`);
  return Number(value);
}
