/**
 * PostgreSQL protocol v3 messages after start-up: framing of what the client sends and builders for
 * what the gateway answers. pg-gateway handles the start-up and authentication messages; this file
 * covers the query phase (simple and extended protocol), which the gateway runs itself.
 */

/** One frontend message: its type byte and its body (without type and length). */
export interface FrontendMessage {
  readonly type: string;
  readonly body: Buffer;
}

/** Accumulates socket data and yields whole messages, however TCP split or joined them. */
export class MessageReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): FrontendMessage[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const messages: FrontendMessage[] = [];
    while (this.buffer.length >= 5) {
      const length = this.buffer.readInt32BE(1);
      if (length < 4) throw new Error(`invalid message length ${length}`);
      if (this.buffer.length < 1 + length) break;
      messages.push({ type: String.fromCharCode(this.buffer[0]), body: this.buffer.subarray(5, 1 + length) });
      this.buffer = this.buffer.subarray(1 + length);
    }
    return messages;
  }
}

/** Sequential reads from a message body. */
export class BodyReader {
  private offset = 0;
  constructor(private readonly body: Buffer) {}

  cstring(): string {
    const end = this.body.indexOf(0, this.offset);
    if (end < 0) throw new Error('unterminated string in message');
    const text = this.body.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return text;
  }

  int16(): number {
    const value = this.body.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    const value = this.body.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  uint32(): number {
    const value = this.body.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  bytes(length: number): Buffer {
    const value = this.body.subarray(this.offset, this.offset + length);
    if (value.length !== length) throw new Error('message shorter than its fields');
    this.offset += length;
    return value;
  }

  byte(): string {
    return String.fromCharCode(this.bytes(1)[0]);
  }
}

/** Builds one backend message: type byte, length, body. */
class MessageWriter {
  private parts: Buffer[] = [];

  int16(value: number): this {
    return this.fixed(2, (field) => field.writeInt16BE(value));
  }

  int32(value: number): this {
    return this.fixed(4, (field) => field.writeInt32BE(value));
  }

  uint32(value: number): this {
    return this.fixed(4, (field) => field.writeUInt32BE(value));
  }

  /** A big-endian field of `size` bytes, filled by `write`. */
  private fixed(size: number, write: (field: Buffer) => unknown): this {
    const field = Buffer.alloc(size);
    write(field);
    this.parts.push(field);
    return this;
  }

  cstring(value: string): this {
    this.parts.push(Buffer.from(value, 'utf8'), Buffer.from([0]));
    return this;
  }

  bytes(value: Buffer): this {
    this.parts.push(value);
    return this;
  }

  build(type: string): Buffer {
    const body = Buffer.concat(this.parts);
    const head = Buffer.alloc(5);
    head.write(type, 0, 'latin1');
    head.writeInt32BE(body.length + 4, 1);
    return Buffer.concat([head, body]);
  }
}

export interface FieldDescription {
  readonly name: string;
  readonly typeOid: number;
  readonly typeSize: number;
  readonly format: 0 | 1;
}

export const rowDescription = (fields: readonly FieldDescription[]): Buffer => {
  const writer = new MessageWriter().int16(fields.length);
  for (const field of fields) writer.cstring(field.name).uint32(0).int16(0).uint32(field.typeOid).int16(field.typeSize).int32(-1).int16(field.format);
  return writer.build('T');
};

export const dataRow = (values: readonly (Buffer | null)[]): Buffer => {
  const writer = new MessageWriter().int16(values.length);
  for (const value of values) {
    if (value === null) writer.int32(-1);
    else writer.int32(value.length).bytes(value);
  }
  return writer.build('D');
};

export const commandComplete = (tag: string): Buffer => new MessageWriter().cstring(tag).build('C');
export const emptyQueryResponse = (): Buffer => new MessageWriter().build('I');
export const parseComplete = (): Buffer => new MessageWriter().build('1');
export const bindComplete = (): Buffer => new MessageWriter().build('2');
export const closeComplete = (): Buffer => new MessageWriter().build('3');
export const noData = (): Buffer => new MessageWriter().build('n');
export const portalSuspended = (): Buffer => new MessageWriter().build('s');
export const readyForQuery = (status: 'I' | 'T' | 'E' = 'I'): Buffer => new MessageWriter().bytes(Buffer.from(status, 'latin1')).build('Z');
export const backendKeyData = (pid: number, secret: number): Buffer => new MessageWriter().int32(pid).int32(secret).build('K');

export const parameterDescription = (oids: readonly number[]): Buffer => {
  const writer = new MessageWriter().int16(oids.length);
  for (const oid of oids) writer.uint32(oid);
  return writer.build('t');
};

export interface Diagnostic {
  readonly severity: 'ERROR' | 'FATAL' | 'NOTICE' | 'WARNING' | 'INFO';
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly position?: string;
}

function fields(diagnostic: Diagnostic): MessageWriter {
  const writer = new MessageWriter();
  const add = (code: string, value: string | undefined) => {
    if (value !== undefined) writer.bytes(Buffer.from(code, 'latin1')).cstring(value);
  };
  add('S', diagnostic.severity);
  add('V', diagnostic.severity);
  add('C', diagnostic.code);
  add('M', diagnostic.message);
  add('D', diagnostic.detail);
  add('H', diagnostic.hint);
  add('P', diagnostic.position);
  writer.bytes(Buffer.from([0]));
  return writer;
}

export const errorResponse = (diagnostic: Diagnostic): Buffer => fields(diagnostic).build('E');
export const noticeResponse = (diagnostic: Diagnostic): Buffer => fields(diagnostic).build('N');

/** Start-up packet codes that are not a StartupMessage (they have no type byte). */
export const CANCEL_REQUEST_CODE = 80877102;
export const GSSENC_REQUEST_CODE = 80877104;
