/**
 * POST /slack/interactions: Slack's interactivity requests (button clicks, modal submissions). No JWT:
 * Slack signs each request, and one that fails verification is answered 401 with nothing recorded.
 * Slack waits 3 seconds for the acknowledgement; the use case does only fast work before answering and
 * leaves the rest to the notify Lambda (functions/slack/notify.ts).
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { secretString } from '../adapters/secrets';
import { handleInteraction } from '../app/slack-reviews';
import { parseInteraction } from '../domain/slack-interaction';
import { verifySlackSignature } from '../domain/slack-signature';
import { errorResult, json } from '../api/http';
import { config } from '../config';
import { deps } from '../wiring';

/** The bytes Slack signed: API Gateway may hand them over base64-encoded. */
const rawBody = (event: APIGatewayProxyEventV2): Buffer =>
  Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>().handler(async (event) => {
  try {
    const secretId = config().SLACK_SIGNING_SECRET_ARN;
    if (!secretId) throw new Error('Slack is not configured: SLACK_SIGNING_SECRET_ARN is not set.');
    const body = rawBody(event);
    const check = verifySlackSignature({
      signingSecret: await secretString(secretId),
      timestamp: event.headers?.['x-slack-request-timestamp'],
      signature: event.headers?.['x-slack-signature'],
      body,
      now: new Date(),
    });
    if (!check.ok) {
      console.warn(JSON.stringify({ message: 'Slack request refused', reason: check.reason, sourceIp: event.requestContext?.http?.sourceIp }));
      return json(401, { error: { code: 'invalid_signature', message: 'The request is not signed by Slack with this app\'s signing secret.' } });
    }
    const answer = await handleInteraction(deps(), parseInteraction(body.toString('utf8')));
    return answer ? json(200, answer) : { statusCode: 200, body: '' };
  } catch (error) {
    return errorResult(error);
  }
});
