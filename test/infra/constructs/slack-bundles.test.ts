/**
 * Slack's client and the notification ledger are bundled only into the functions that talk to Slack
 * themselves, and every function the stack gives the bot token takes its dependencies through the Slack
 * side of the composition (functions/slack-wiring.ts). A function given the token without it would
 * never post (its notifier only logs); one that bundles Slack without the token carries ~75 KiB for
 * nothing at every cold start.
 */
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { AccessgateFunction, bundlingOf, PROJECT_ROOT } from '../../../infra/constructs/accessgate-function';
import { logicalId, synth, templateReader } from '../synth';

const { stack, json } = synth({ slackChannel: 'C0123456789' });
const { environmentOf } = templateReader(json);
const functions = stack.node.findAll().filter((c): c is AccessgateFunction => c instanceof AccessgateFunction);

/** The project files and packages in a function's bundle, from esbuild's metafile. */
async function bundledInputs(fn: AccessgateFunction): Promise<string[]> {
  const { external, mainFields } = bundlingOf(fn.readsSql);
  const result = await build({
    entryPoints: [fn.handlerModule],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    outfile: 'index.mjs',
    external: [...external],
    mainFields: [...mainFields],
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

describe('Slack in Lambda bundles', () => {
  it('goes with the bot token: functions given it bundle the Slack side, no other function bundles Slack', async () => {
    const posters: string[] = [];
    const wrong: string[] = [];
    for (const fn of functions) {
      const hasToken = 'SLACK_BOT_TOKEN_SECRET_ARN' in environmentOf(logicalId(fn));
      const inputs = await bundledInputs(fn);
      const slackSide = inputs.includes('functions/slack-wiring.ts');
      const slackClient = inputs.some((input) => input.includes('node_modules/@slack/web-api/'));
      if (hasToken) posters.push(fn.handlerModule);
      if (hasToken !== slackSide || slackSide !== slackClient) wrong.push(`${fn.handlerModule}: token ${hasToken}, Slack side ${slackSide}, Slack client ${slackClient}`);
    }
    expect(wrong).toEqual([]);
    expect(posters.length).toBeGreaterThanOrEqual(4);
    expect(functions.length - posters.length).toBeGreaterThan(10);
  }, 240_000);
});
