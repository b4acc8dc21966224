/**
 * Runs the `accessgate` entry point in this process rather than as a child (run-cli.ts), so a test can
 * mock the AWS clients the command builds; stdin is the test's own and is never read by these commands.
 */
import { main } from '../../cli/accessgate';
import type { Io } from '../../cli/lib/command';

export async function runMain(args: readonly string[], env: Io['env']): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: process.stdin,
    env,
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}
