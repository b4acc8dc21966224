/**
 * The WebSocket API's authorizer on `$connect`: the connection opens only for a token the HTTP API's
 * JWT authorizer would accept (functions/adapters/jwt-verifier.ts). A browser cannot set headers on a
 * WebSocket, so the token comes as the `token` query parameter. The verified claims become the
 * authorizer context API Gateway hands to every later message of the connection, in the form the HTTP
 * API hands them on, so both read a person with the same code (functions/api/http.ts identityOfClaims).
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { pushDeps } from '../push-wiring';

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const token = event.queryStringParameters?.token;
  const claims = token ? await pushDeps().tokens.verify(token) : undefined;
  // API Gateway answers the handshake with 401 when an authorizer fails with exactly this message.
  if (!claims || typeof claims.sub !== 'string' || !claims.sub) throw new Error('Unauthorized');
  return {
    principalId: claims.sub,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
    context: { ...claims },
  };
};
