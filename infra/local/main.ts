/**
 * `npm start`: the whole product on this machine, with demo data, state kept under .accessgate/ (or
 * ACCESSGATE_DATA_DIR) so a restart loses nothing.
 */
import { resolve } from 'node:path';
import { DEMO_USERS } from './identity';
import { startLocalStack } from './stack';

const dataDir = resolve(process.env.ACCESSGATE_DATA_DIR ?? '.accessgate');
const port = Number(process.env.PORT ?? 8787);

const stack = await startLocalStack({
  dataDir,
  port,
  // The product settings a deployed function reads from its environment (WEB_URL, GROUPS_CLAIM...).
  settings: process.env,
  ...(process.env.ACCESSGATE_DIGEST_SECONDS ? { digestSeconds: Number(process.env.ACCESSGATE_DIGEST_SECONDS) } : {}),
  ...(process.env.ACCESSGATE_POSTGRES_URL ? { postgresUrl: process.env.ACCESSGATE_POSTGRES_URL } : {}),
  ...(process.env.ACCESSGATE_MYSQL_URL ? { mysqlUrl: process.env.ACCESSGATE_MYSQL_URL } : {}),
});

console.log(`
accessgate is running at ${stack.url}   (data in ${dataDir})

  web UI           ${stack.url}/            pick a demo user, run SQL, review, read the sessions log
  Slack stand-in   ${stack.url}/local/slack  the approvers' channel: click Approve / Deny
  CLI              ACCESSGATE_API=${stack.url} npx accessgate login --email alice@example.com

Or get a token for a demo user and call the API:
  TOKEN=$(curl -s -X POST ${stack.url}/dev/token -d '{"email":"alice@example.com"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')
  curl -s -X POST '${stack.url}/sessions?wait=5' -H "authorization: Bearer $TOKEN" \\
       -d '{"resource":"postgres-demo","command":"select id, name, country from customers order by id limit 5"}'

Demo users: ${DEMO_USERS.map((user) => `${user.email} (${user.groups.join(', ')})`).join('; ')}
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('stopping accessgate…');
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
