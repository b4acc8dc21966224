/**
 * `accessgate connect`: runs the native-client gateway for one resource until Ctrl-C, so psql, GUI
 * clients and drivers work through the approval flow. The gateway acts as the signed-in user; the user
 * name and database a client sends are not credentials and are ignored.
 */
import { intOption, parseOptionsOnly } from '../lib/args';
import { clientFor } from '../lib/api';
import type { Io } from '../lib/command';
import { resolveApi } from '../lib/config';
import { CliError, EXIT, usageError } from '../lib/errors';
import { Governor } from '../gateway/governor';
import { isLoopbackHost, startGateway } from '../gateway/server';

export const help = `Usage: accessgate connect --resource R [--port 5433] [--host 127.0.0.1] [--password P] [--reason TEXT]

Starts a local server that speaks the PostgreSQL protocol for one resource. Connect any client to it:

  psql "host=127.0.0.1 port=5433 dbname=postgres-demo user=me"
  node: new pg.Client({ host: '127.0.0.1', port: 5433, user: 'me', database: 'postgres-demo' })

Every statement the client sends becomes a governed session through the accessgate API, as you (the
signed-in user): if the resource's rule requires review, the client gets a NOTICE
"waiting for approval: <link>" and then its rows once an approver approves. A denial, an expired
review or a SQL error comes back as a PostgreSQL error with a SQLSTATE (denied 42501, expired or
cancelled 57014, SQL errors with the database's own code) and the connection stays usable. Ctrl-C in
psql while a statement waits for review cancels that request.

What this means for clients:
- Every statement is reviewed on its own and committed on its own: BEGIN/COMMIT are refused, and
  SET does not outlast its statement (application_name, extra_float_digits, client_encoding UTF8 and
  DateStyle ISO are acknowledged, since they change nothing).
- Catalogue queries are statements like any other: psql's \\d, and the schema browsers GUI clients
  (DBeaver, DataGrip, pgAdmin) run on connect, each wait for approval on a resource with a review rule.
  Turn off the GUI's automatic metadata loading, or use a resource without a rule for browsing.
- Parameters of the extended protocol ($1, $2 …) are sent as Data API parameters, never pasted into
  the SQL; untyped parameters are inferred from their text (integers, decimals, true/false, else text):
  write $1::type where a comparison needs another type.
- Describing a prepared statement before it is bound cannot report its columns (it has not run yet):
  drivers that describe the portal after Bind (as pg and psql do) work.

Options:
  -r, --resource R    the resource (a postgres one: accessgate resources lists yours)
  -p, --port N        port to listen on (default 5433; 0 picks a free one)
      --host H        address to bind (default 127.0.0.1; anything but loopback needs --password)
      --password P    require this password (MD5 challenge) instead of trusting local clients
                      (or ACCESSGATE_GATEWAY_PASSWORD)
      --reason TEXT   the reason recorded on every statement (rules may require one)`;

const OPTIONS = {
  resource: { type: 'string', short: 'r' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  password: { type: 'string' },
  reason: { type: 'string' },
} as const;

export async function run(args: readonly string[], io: Io): Promise<number> {
  const values = parseOptionsOnly(args, OPTIONS, 'connect');
  if (!values.resource) throw usageError('--resource is required.', 'Name a postgres resource; accessgate resources lists yours.');
  const port = intOption(values.port, 'port', { min: 0, max: 65535 }) ?? 5433;
  const host = values.host ?? '127.0.0.1';
  const password = values.password ?? io.env.ACCESSGATE_GATEWAY_PASSWORD;
  if (!isLoopbackHost(host) && !password) {
    throw usageError(`Binding to ${host} would let other machines in without a password.`, 'Add --password, or keep the default --host 127.0.0.1.');
  }

  // Check sign-in and the resource up front, so a mistake shows here and not in the first query.
  const api = resolveApi(values.api, io.env);
  const client = clientFor(api, io.env);
  const resources = await client.resources();
  const resource = resources.find((candidate) => candidate.id === values.resource);
  if (!resource) {
    throw new CliError(`You may not use a resource "${values.resource}" (or it does not exist).`, `Yours: ${resources.map((r) => r.id).join(', ') || 'none'}.`, EXIT.refused);
  }
  if (resource.type !== 'postgres') {
    throw new CliError(`${resource.id} is a ${resource.type} database; connect speaks the PostgreSQL protocol.`, `Use accessgate exec -r ${resource.id} for it.`, EXIT.usage);
  }

  const governor = new Governor({
    resource: resource.id,
    client: () => clientFor(api, io.env),
    ...(values.reason ? { reason: values.reason } : {}),
    ...(io.env.ACCESSGATE_WEB_URL ? { webUrl: io.env.ACCESSGATE_WEB_URL } : {}),
  });
  let gateway;
  try {
    gateway = await startGateway({
      governor,
      cancelSession: async (id) => {
        await clientFor(api, io.env).cancel(id);
      },
      host,
      port,
      ...(password ? { password } : {}),
      onConnection: ({ user, remote }) => io.stderr.write(`client connected from ${remote} (user "${user}")\n`),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`Port ${port} on ${host} is already in use.`, 'Pick another with --port (e.g. --port 5434, or 0 for any free port).', EXIT.usage);
    throw error;
  }

  const rule = resource.rule ? `every statement waits for approval by ${resource.rule.approvalGroups.join(', ')}` : 'no rule: statements run at once, still recorded';
  io.stderr.write(
    `accessgate gateway for ${resource.id} (${rule})\n` +
      `listening on ${gateway.host}:${gateway.port}${password ? ' (password required)' : ' (trusting local clients)'}\n` +
      `  psql "host=${gateway.host} port=${gateway.port} dbname=${resource.id} user=${process.env.USER ?? 'me'}${password ? '' : ' sslmode=disable'}"\n` +
      'Ctrl-C stops it.\n',
  );
  // The machine-readable line tests and scripts wait for.
  io.stdout.write(`${JSON.stringify({ listening: { host: gateway.host, port: gateway.port, resource: resource.id } })}\n`);

  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await gateway.close();
  io.stderr.write('gateway stopped\n');
  return EXIT.done;
}
