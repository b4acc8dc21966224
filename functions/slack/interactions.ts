/**
 * POST /slack/interactions: Slack's interactivity requests (button clicks, modal submissions). No JWT:
 * Slack signs each request, and one that fails verification is answered 401 without being read; the
 * refusal is a security event (functions/app/slack-rejections.ts: bounded, and never in the way of
 * the 401). Slack waits 3 seconds for the acknowledgement, counted here from API Gateway's
 * `requestContext.timeEpoch`; an Approve is handed to the notify Lambda (functions/slack/notify.ts)
 * before any Slack call, and a Deny opens its modal within that deadline.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { recordRejectedRequest, type RejectedRequest, type RejectionRecord } from '../app/slack-rejections';
import { handleInteraction } from '../app/slack-reviews';
import { parseInteraction } from '../domain/slack-interaction';
import { verifySlackSignature } from '../domain/slack-signature';
import { EDGE_HEADERS, errorResult, json } from '../api/http';
import { slackDeps } from '../slack-wiring';
import { secrets, settings } from '../wiring';

/** The bytes Slack signed: API Gateway may hand them over base64-encoded. */
const rawBody = (event: APIGatewayProxyEventV2): Buffer =>
  Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');

/** Whatever happens to the record, the answer is the same 401. */
async function recordRejection(request: RejectedRequest): Promise<RejectionRecord> {
  try {
    return await recordRejectedRequest(slackDeps(), request);
  } catch (error) {
    slackDeps().log.error('security event not recorded', { error: (error as Error)?.message ?? String(error) });
    return 'failed';
  }
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>().handler(async (event) => {
  // Slack's 3 seconds started when API Gateway received the request, before a cold start.
  const receivedAt = event.requestContext?.timeEpoch ?? Date.now();
  try {
    const secretId = settings().SLACK_SIGNING_SECRET_ARN;
    if (!secretId) throw new Error('Slack is not configured: SLACK_SIGNING_SECRET_ARN is not set.');
    const body = rawBody(event);
    const timestamp = event.headers?.['x-slack-request-timestamp'];
    const check = verifySlackSignature({
      signingSecret: await secrets().string(secretId),
      timestamp,
      signature: event.headers?.['x-slack-signature'],
      body,
      now: new Date(),
    });
    if (!check.ok) {
      const sourceIp = event.requestContext?.http?.sourceIp;
      const recorded = await recordRejection({ reason: check.reason, sourceIp, timestamp });
      slackDeps().log.warn('Slack request refused', { reason: check.reason, sourceIp, recorded });
      return json(401, { error: { code: 'invalid_signature', message: 'The request is not signed by Slack with this app\'s signing secret.' } });
    }
    const answer = await handleInteraction(slackDeps(), parseInteraction(body.toString('utf8')), { receivedAt });
    return answer ? json(200, answer) : { statusCode: 200, headers: { ...EDGE_HEADERS }, body: '' };
  } catch (error) {
    return errorResult(error);
  }
});
