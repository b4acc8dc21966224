/** The reconciler: closes the session of an execution that ended FAILED, TIMED_OUT or ABORTED (EventBridge target). */
import { reconcile } from '../app/workflow-tasks';
import { deps } from '../wiring';
import { executionEndInput } from './inputs';
import { taskHandler } from './task';

export const handler = taskHandler(executionEndInput, ({ detail }) => reconcile(deps(), detail.name, { status: detail.status, ...(detail.error ? { error: detail.error } : {}) }));
