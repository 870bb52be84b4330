/** A CLI verb: one file each under src/cli/. `run` returns the exit code. */
export interface Verb {
  name: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
