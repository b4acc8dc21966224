/**
 * Where a session's workflow goes next. The policy decision is frozen at submission, so the route is
 * known then and travels as the execution's input: the workflow needs no Task to look it up. Only an
 * execution started without one (a re-drive after the local runtime restarts) asks Evaluate for it.
 */
import { reviewSecondsLeft, type Session } from './session';

/** `window` on a review: once approved the session opens an access window instead of running a command. */
export type Route = { readonly next: 'review'; readonly reviewSeconds: number; readonly window?: true } | { readonly next: 'execute' | 'window' | 'record' };

/** Where an approved session goes: a command runs, a window opens. */
export const approvedRoute = (session: Session): Route => ({ next: session.kind === 'window' ? 'window' : 'execute' });

/**
 * The route of a session in the state it is in: review while pending, run or open once approved (an
 * active window is met only by a re-driven execution: it waits for the same end again), else record.
 */
export function routeOf(session: Session, now: Date): Route {
  switch (session.status) {
    case 'pending_review':
      return { next: 'review', reviewSeconds: reviewSecondsLeft(session, now), ...(session.kind === 'window' ? { window: true as const } : {}) };
    case 'approved':
    case 'active':
      return approvedRoute(session);
    default:
      return { next: 'record' };
  }
}

/** The two state machines a session's workflow runs on (statemachines/*.asl.json). */
export type WorkflowMachine = 'session' | 'command-review';

/**
 * The machine a route starts: a command waiting for its review, the route nearly every reviewed command
 * takes, has one of its own whose StartAt is the wait (statemachines/command-review.asl.json: two state
 * transitions instead of three); every other route, and a re-drive started without one, takes the
 * session machine, which routes itself.
 */
export const machineFor = (route?: Route): WorkflowMachine => (route?.next === 'review' && !route.window ? 'command-review' : 'session');
