/**
 * The gateway's query phase on the wire, with a scripted governor in place of the API: the parts of
 * the extended protocol that drivers use beyond the `pg` driver's default path (Execute with a row
 * limit and PortalSuspended, statement Describe, binary results, named statements, errors skipped to
 * Sync), byte for byte as a client reads them.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GovernedStatement, Governor, Outcome } from '../../../cli/gateway/governor';
import { type Gateway, startGateway } from '../../../cli/gateway/server';

const statements: GovernedStatement[] = [];
const governor = {
  async run(statement: GovernedStatement): Promise<Outcome> {
    statements.push(statement);
    return { columns: [{ name: 'n', type: 'int4' }, { name: 'd', type: 'date' }], rows: [[1, '2026-01-01'], [2, '2026-01-02'], [3, null]], count: 3 };
  },
} as unknown as Governor;

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ governor, cancelSession: async () => undefined, port: 0 });
});
afterAll(async () => {
  await gateway.close();
});

const message = (type: string, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
};
const cstr = (text: string) => Buffer.from(`${text}\0`, 'utf8');
const i16 = (...values: number[]) => Buffer.concat(values.map((v) => Buffer.from([(v >> 8) & 0xff, v & 0xff])));
const i32 = (...values: number[]) =>
  Buffer.concat(
    values.map((v) => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(v);
      return b;
    }),
  );

/** The frontend messages the cases send, by their names in the protocol. Bind sends text values; result formats are 0 (text) or 1 (binary). */
const parse = (statement: string, sql: string, ...parameterTypes: number[]) => message('P', cstr(statement), cstr(sql), i16(parameterTypes.length), i32(...parameterTypes));
const bind = (portal: string, statement: string, values: string[] = [], resultFormats: number[] = []) =>
  message('B', cstr(portal), cstr(statement), i16(0), i16(values.length), ...values.flatMap((value) => [i32(Buffer.byteLength(value)), Buffer.from(value)]), i16(resultFormats.length), i16(...resultFormats));
const describeStatement = (statement: string) => message('D', Buffer.from('S'), cstr(statement));
const describePortal = (portal: string) => message('D', Buffer.from('P'), cstr(portal));
const execute = (portal: string, maxRows = 0) => message('E', cstr(portal), i32(maxRows));
const sync = () => message('S');
const query = (sql: string) => message('Q', cstr(sql));

/** A raw client: start-up done, then send bytes and read back message types until ReadyForQuery. */
async function rawClient(): Promise<{ socket: Socket; exchange(...messages: Buffer[]): Promise<{ type: string; body: Buffer }[]> }> {
  const socket = connect(gateway.port, '127.0.0.1');
  let buffer = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    waiting?.();
  });
  const untilReady = async () => {
    const messages: { type: string; body: Buffer }[] = [];
    for (;;) {
      while (buffer.length >= 5 && buffer.length >= 1 + buffer.readInt32BE(1)) {
        const length = buffer.readInt32BE(1);
        const entry = { type: String.fromCharCode(buffer[0]), body: buffer.subarray(5, 1 + length) };
        buffer = buffer.subarray(1 + length);
        messages.push(entry);
        if (entry.type === 'Z') return messages;
      }
      await new Promise<void>((resolve) => (waiting = resolve));
    }
  };
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const startup = Buffer.concat([i32(196608), cstr('user'), cstr('me'), cstr('database'), cstr('db'), Buffer.from([0])]);
  socket.write(Buffer.concat([i32(startup.length + 4), startup]));
  const hello = await untilReady();
  expect(hello.map((m) => m.type)).toEqual(['R', ...Array(11).fill('S'), 'K', 'Z']);
  return {
    socket,
    exchange: async (...messages) => {
      socket.write(Buffer.concat(messages));
      return untilReady();
    },
  };
}

describe('the extended protocol on the wire', () => {
  it('streams a portal in pieces with Execute row limits and PortalSuspended', async () => {
    const client = await rawClient();
    const reply = await client.exchange(
      parse('s1', 'select n, d from t where n > $1', 23),
      bind('p1', 's1', ['0']),
      describePortal('p1'),
      execute('p1', 2),
      execute('p1', 2),
      sync(),
    );
    expect(reply.map((m) => m.type)).toEqual(['1', '2', 'T', 'D', 'D', 's', 'D', 'C', 'Z']);
    expect(reply.find((m) => m.type === 'C')?.body.toString()).toBe('SELECT 3\0');
    expect(statements.at(-1)).toEqual({ command: 'select n, d from t where n > CAST(:p1 AS int4)', parameters: [{ name: 'p1', value: { longValue: 0 } }] });
    client.socket.destroy();
  });

  it('answers binary result formats, and describes a named statement only when it returns no rows', async () => {
    const client = await rawClient();
    const reply = await client.exchange(
      parse('ins', 'insert into t values ($1)'),
      describeStatement('ins'),
      parse('sel', 'select n, d from t'),
      bind('', 'sel', [], [1]),
      describePortal(''),
      execute(''),
      sync(),
    );
    expect(reply.map((m) => m.type)).toEqual(['1', 't', 'n', '1', '2', 'T', 'D', 'D', 'D', 'C', 'Z']);
    const parameterTypes = reply[1].body;
    expect([parameterTypes.readInt16BE(0), parameterTypes.readUInt32BE(2)]).toEqual([1, 25]);
    const firstRow = reply[6].body;
    // n as binary int4, d (no binary writer here) as text bytes, described as text.
    expect(firstRow.subarray(2, 10)).toEqual(Buffer.from([0, 0, 0, 4, 0, 0, 0, 1]));
    expect(firstRow.subarray(14).toString()).toBe('2026-01-01');
    client.socket.destroy();
  });

  it('reports an error once and skips the rest up to Sync; the connection stays usable', async () => {
    const client = await rawClient();
    const failed = await client.exchange(parse('', 'select 1; select 2'), bind('', ''), execute(''), sync());
    expect(failed.map((m) => m.type)).toEqual(['E', 'Z']);
    expect(failed[0].body.toString()).toContain('C42601\0');
    const describeFirst = await client.exchange(parse('', 'select n from t'), describeStatement(''), sync());
    expect(describeFirst.map((m) => m.type)).toEqual(['1', 'E', 'Z']);
    expect(describeFirst[1].body.toString()).toContain('C0A000\0');
    const simple = await client.exchange(query('select 1; ; begin'));
    expect(simple.map((m) => m.type)).toEqual(['T', 'D', 'D', 'D', 'C', 'E', 'Z']);
    client.socket.destroy();
  });
});
