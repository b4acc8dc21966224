/**
 * The reconciler: closes the session of an execution that ended FAILED, TIMED_OUT or ABORTED (EventBridge
 * target), and of a run Lambda gave up on (the run function's failure destination).
 */
import { closeAbandonedRun } from '../app/command-run';
import { reconcile } from '../app/workflow-tasks';
import { deps } from '../wiring';
import { reconcilerInput } from './inputs';
import { taskHandler } from './task';

export const handler = taskHandler(reconcilerInput, (input) =>
  input.from === 'execution' ? reconcile(deps(), input.sessionId, input.end) : closeAbandonedRun(deps(), input.sessionId, input.abandoned),
);
