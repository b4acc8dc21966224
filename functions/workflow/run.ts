/** The run of a command no rule covers, invoked asynchronously instead of the workflow: Execute, then Record (functions/app/command-run.ts). */
import { runCommand } from '../app/command-run';
import { deps } from '../wiring';
import { sessionInput } from './inputs';
import { taskHandler } from './task';

export const handler = taskHandler(sessionInput, ({ sessionId }) => runCommand(deps(), sessionId));
