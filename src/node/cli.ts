#!/usr/bin/env node
/**
 * hmac-kms serve [--host 127.0.0.1] [--port 4599] [--region us-east-1] [--account 111122223333] [--seed FILE]
 *                [--credentials FILE]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startServer } from './server.js';

const USAGE = `usage: hmac-kms serve [--host 127.0.0.1] [--port 4599] [--region us-east-1] [--account 111122223333]
                      [--seed FILE] [--credentials FILE]

  --seed FILE         a JSON list of keys to create first: {"KeySpec":"HMAC_256","KeyMaterial":"<hex or base64>",
                      "KeyId":"<uuid>","Description":"...","Tags":[...],"Policy":"...","MultiRegion":false}
  --credentials FILE  a JSON object {"<access key id>": {"secretAccessKey": "...", "principal": "<IAM ARN>"}};
                      when given, every request must be SigV4-signed by one of them and runs as its principal.
                      Without it, any signature is accepted and requests run as the account's root.`;

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read ${what} file ${file}: ${(e as Error).message}`);
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'serve') {
    console.error(command === undefined || command === '--help' || command === '-h' ? USAGE : `unknown command ${command}\n${USAGE}`);
    return command === '--help' || command === '-h' ? 0 : 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '4599' },
      region: { type: 'string', default: 'us-east-1' },
      account: { type: 'string', default: '111122223333' },
      seed: { type: 'string' },
      credentials: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535 (got ${values.port})`);
  const seed = values.seed ? readJson(values.seed, 'seed') : undefined;
  if (seed !== undefined && !Array.isArray(seed)) throw new Error('--seed: the file must hold a JSON list');
  const credentials = values.credentials ? (readJson(values.credentials, 'credentials') as never) : undefined;
  const server = await startServer({
    host: values.host!,
    port,
    kmsOptions: { region: values.region!, accountId: values.account! },
    ...(seed ? { seed: seed as never } : {}),
    ...(credentials ? { credentials } : {}),
  });
  console.log(`hmac-kms: KMS endpoint ${server.url} (region ${values.region}, account ${values.account}${credentials ? ', SigV4 required' : ''})`);
  console.log(`try: aws kms create-key --key-spec HMAC_256 --key-usage GENERATE_VERIFY_MAC --region ${values.region} --endpoint-url ${server.url}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`hmac-kms: ${signal}, closing`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return -1; // keep running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: Error) => {
    console.error(`hmac-kms: ${e.message}`);
    process.exit(1);
  },
);
