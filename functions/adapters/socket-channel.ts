/**
 * Messages to WebSocket clients through API Gateway's management API (PostToConnection). The client's
 * endpoint is the stage's callback URL, from the settings (the local runtime's stand-in serves the same
 * API). A connection that has ended answers 410 GoneException.
 */
import { type ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { SessionChange, SocketChannel } from '../app/push-ports';

export class ApiGatewaySocketChannel implements SocketChannel {
  constructor(private readonly client: ApiGatewayManagementApiClient) {}

  async send(connectionId: string, message: SessionChange): Promise<'sent' | 'gone'> {
    try {
      await this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode(JSON.stringify(message)) }));
      return 'sent';
    } catch (error) {
      if (error instanceof GoneException || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410) return 'gone';
      throw error;
    }
  }
}
