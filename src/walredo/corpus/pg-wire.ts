/**
 * A minimal PostgreSQL frontend/backend protocol (v3) client: startup with trust authentication
 * and the simple query protocol over a Unix socket. Enough to run a workload script against a
 * private server without psql or libpq.
 */
import { connect, Socket } from 'node:net';

export class PgServerError extends Error {
  constructor(
    readonly fields: Record<string, string>,
    readonly sql?: string,
  ) {
    super(
      `${fields.S ?? 'ERROR'}: ${fields.M ?? 'unknown error'}${fields.D ? ` (${fields.D})` : ''}${sql ? `\n  in: ${sql.slice(0, 200)}` : ''}`,
    );
    this.name = 'PgServerError';
  }
}

export interface QueryResult {
  /** Rows of the last result set, as text (null for SQL NULL). */
  rows: (string | null)[][];
  /** CommandComplete tags, one per statement. */
  commands: string[];
}

/** Splits a stream of backend messages: 1 type byte, u32 length (counting itself), payload. */
export class MessageSplitter {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): { type: string; body: Buffer }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: { type: string; body: Buffer }[] = [];
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(1);
      if (this.buf.length < 1 + len) break;
      out.push({ type: String.fromCharCode(this.buf[0]), body: this.buf.subarray(5, 1 + len) });
      this.buf = this.buf.subarray(1 + len);
    }
    return out;
  }
}

export function startupMessage(user: string, database: string): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0client_encoding\0UTF8\0\0`, 'utf8');
  const b = Buffer.alloc(8 + params.length);
  b.writeUInt32BE(b.length, 0);
  b.writeUInt32BE(196608, 4); // protocol 3.0
  params.copy(b, 8);
  return b;
}

export function queryMessage(sql: string): Buffer {
  const text = Buffer.from(sql + '\0', 'utf8');
  const b = Buffer.alloc(5 + text.length);
  b.write('Q', 0, 'latin1');
  b.writeUInt32BE(4 + text.length, 1);
  text.copy(b, 5);
  return b;
}

export function parseErrorFields(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const code = String.fromCharCode(body[i]);
    const end = body.indexOf(0, i + 1);
    fields[code] = body.toString('utf8', i + 1, end);
    i = end + 1;
  }
  return fields;
}

export function parseDataRow(body: Buffer): (string | null)[] {
  const n = body.readUInt16BE(0);
  const row: (string | null)[] = [];
  let p = 2;
  for (let i = 0; i < n; i++) {
    const len = body.readInt32BE(p);
    p += 4;
    if (len < 0) row.push(null);
    else {
      row.push(body.toString('utf8', p, p + len));
      p += len;
    }
  }
  return row;
}

export class PgConnection {
  private readonly splitter = new MessageSplitter();
  private waiter?: (m: { type: string; body: Buffer }) => void;
  private queue: { type: string; body: Buffer }[] = [];
  private failure?: Error;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => {
      for (const m of this.splitter.push(chunk)) this.deliver(m);
    });
    const fail = (e: Error) => {
      this.failure = e;
      this.deliver({ type: '\0', body: Buffer.alloc(0) });
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the server closed the connection')));
  }

  private deliver(m: { type: string; body: Buffer }): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(m);
    } else this.queue.push(m);
  }

  private next(): Promise<{ type: string; body: Buffer }> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = (msg) => (msg.type === '\0' ? reject(this.failure) : resolve(msg));
    });
  }

  static async connect(socketPath: string, user: string, database: string): Promise<PgConnection> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(socketPath);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    const c = new PgConnection(socket);
    socket.write(startupMessage(user, database));
    for (;;) {
      const m = await c.next();
      if (m.type === 'R') {
        const code = m.body.readUInt32BE(0);
        if (code !== 0) {
          socket.destroy();
          throw new Error(
            `the server asks for authentication method ${code}; only trust authentication is supported`,
          );
        }
      } else if (m.type === 'E') {
        socket.destroy();
        throw new PgServerError(parseErrorFields(m.body));
      } else if (m.type === 'Z') return c;
    }
  }

  /** Runs one or more statements with the simple query protocol; rejects with the first error. */
  async query(sql: string): Promise<QueryResult> {
    this.socket.write(queryMessage(sql));
    const result: QueryResult = { rows: [], commands: [] };
    let error: PgServerError | undefined;
    for (;;) {
      const m = await this.next();
      switch (m.type) {
        case 'T':
          result.rows = [];
          break;
        case 'D':
          result.rows.push(parseDataRow(m.body));
          break;
        case 'C':
          result.commands.push(m.body.toString('utf8', 0, m.body.length - 1));
          break;
        case 'E':
          error = new PgServerError(parseErrorFields(m.body), sql);
          break;
        case 'Z':
          if (error) throw error;
          return result;
        default:
          break; // notices, parameter status, empty query
      }
    }
  }

  async close(): Promise<void> {
    const x = Buffer.from([0x58, 0, 0, 0, 4]); // Terminate
    await new Promise<void>((resolve) => this.socket.end(x, () => resolve()));
    this.socket.destroy();
  }
}
