/**
 * The event log against dynalite (the local DynamoDB): a log chains onto the head it last wrote without
 * reading it again, and writers that each remember a head of their own still build one unbroken chain
 * in the table.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoEventLog } from '../../../functions/adapters/event-log';
import { documentClientOf } from '../../../functions/adapters/dynamodb';
import { verifyChain } from '../../../functions/domain/audit-chain';
import { dynamoPerFile } from '../../support/dynamo';

const dynamo = dynamoPerFile();

/** A log on a client of its own, counting the commands it sends by name. */
function countedLog() {
  const sent: string[] = [];
  const client = new DynamoDBClient({ endpoint: dynamo.client.config.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  client.middlewareStack.add((next, context) => (args) => {
    sent.push(String(context.commandName));
    return next(args);
  }, { step: 'initialize', name: 'countCommands' });
  return { log: new DynamoEventLog(documentClientOf(client), dynamo.tables.EVENTS_TABLE), sent, close: () => client.destroy() };
}

const event = (type: string) => ({ type, actor: { system: 'accessgate' }, details: {}, at: '2026-12-01T06:00:00.000Z' });

describe('DynamoEventLog', () => {
  it('reads a stream\'s head once, then chains each further append onto the head it wrote', async () => {
    // Prepare
    const { log, sent, close } = countedLog();
    // Act
    for (const type of ['session.requested', 'session.running', 'session.done']) await log.append('SESSION#one-reader', event(type));
    close();
    // Assess: one Query for the first append, a Put for each
    expect(sent.filter((name) => name === 'QueryCommand')).toHaveLength(1);
    expect(sent.filter((name) => name === 'PutItemCommand')).toHaveLength(3);
    const stored = await new DynamoEventLog(dynamo.documents, dynamo.tables.EVENTS_TABLE).list('SESSION#one-reader');
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(verifyChain('SESSION#one-reader', stored)).toEqual([]);
  });

  it('chains the first event of a new stream without reading its head', async () => {
    // Prepare
    const { log, sent, close } = countedLog();
    // Act
    await log.append('SESSION#new-one', event('session.requested'), { newStream: true });
    await log.append('SESSION#new-one', event('session.done'));
    close();
    // Assess: no Query at all, in the table a chain of two
    expect(sent).toEqual(['PutItemCommand', 'PutItemCommand']);
    const stored = await new DynamoEventLog(dynamo.documents, dynamo.tables.EVENTS_TABLE).list('SESSION#new-one');
    expect(stored.map((e) => e.seq)).toEqual([1, 2]);
    expect(verifyChain('SESSION#new-one', stored)).toEqual([]);
  });

  it('chains onto the real head when a stream said to be new already holds events', async () => {
    // Prepare: another writer has started the stream
    const other = countedLog();
    await other.log.append('SESSION#not-new', event('session.requested'));
    other.close();
    const { log, sent, close } = countedLog();
    // Act
    await log.append('SESSION#not-new', event('session.requested'), { newStream: true });
    close();
    // Assess: the guess lost its conditional Put, the head was read, the chain is unbroken
    expect(sent).toEqual(['PutItemCommand', 'QueryCommand', 'PutItemCommand']);
    const stored = await new DynamoEventLog(dynamo.documents, dynamo.tables.EVENTS_TABLE).list('SESSION#not-new');
    expect(stored.map((e) => e.seq)).toEqual([1, 2]);
    expect(verifyChain('SESSION#not-new', stored)).toEqual([]);
  });

  it('keeps one unbroken chain when another writer has passed the head a log remembers', async () => {
    // Prepare: two processes, each with its own remembered heads
    const first = countedLog();
    const second = countedLog();
    const stream = 'SESSION#two-writers';
    await first.log.append(stream, event('session.requested'));
    // Act: the second writes behind the first's back, then both go on in turns and at once
    await second.log.append(stream, event('session.approved'));
    await first.log.append(stream, event('session.running'));
    await second.log.append(stream, event('session.cancel_refused'));
    await Promise.all([first.log.append(stream, event('session.done')), second.log.append(stream, event('session.viewed'))]);
    first.close();
    second.close();
    // Assess: in the table, not in either log's memory
    const stored = await new DynamoEventLog(dynamo.documents, dynamo.tables.EVENTS_TABLE).list(stream);
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(verifyChain(stream, stored)).toEqual([]);
    expect(new Set(stored.map((e) => e.type))).toEqual(new Set(['session.requested', 'session.approved', 'session.running', 'session.cancel_refused', 'session.done', 'session.viewed']));
  });
});
