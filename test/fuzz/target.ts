// What a fuzz target is (targets.ts lists them; upload-target.ts is one): its own module so a target
// file can name the type without importing the list that imports it.

export interface Target {
  name: string;
  /** What the target exercises, for the report. */
  about: string;
  /** Valid inputs the mutations start from. */
  seeds: Uint8Array[];
  dictionary?: Uint8Array[];
  /** Opening/closing token pairs for the nest mutation. */
  pairs?: (readonly [Uint8Array, Uint8Array])[];
  maxLength: number;
  /** Runs one input; resolves or throws. */
  run(input: Uint8Array): Promise<void>;
  /** Whether a thrown value is the typed refusal this target promises. */
  expected(e: unknown): boolean;
}
