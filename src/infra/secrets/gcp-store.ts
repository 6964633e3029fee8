/**
 * Secrets in Google Secret Manager (production). A secret name maps to the secret id with `.` replaced by `_`
 * (Secret Manager ids allow letters, digits, `-` and `_`):
 *
 *   projects/<gcp_project>/secrets/<id>/versions/<version|latest>
 *
 * Versions are Secret Manager's own numbers; `put` adds a version (creating the secret with automatic
 * replication when it does not exist yet). The client is injected (tests use a fake of this small interface;
 * production gets the real `SecretManagerServiceClient`, loaded lazily so other providers never load gRPC).
 *
 * @example
 *   const store = createGcpSecretStore({ project: 'payments-prod' });
 */
import { OperationalError } from '../../domain/failure.ts';
import { withLogMasking } from './log-masking.ts';
import { assertSecretName, type SecretStore, type SecretValue, secretError } from './types.ts';

/** The part of `SecretManagerServiceClient` this store uses. */
export interface GcpSecretClient {
  accessSecretVersion(request: {
    name: string;
  }): Promise<[{ name?: string | null; payload?: { data?: Uint8Array | string | null } | null }, ...unknown[]]>;
  addSecretVersion(request: {
    parent: string;
    payload: { data: Uint8Array };
  }): Promise<[{ name?: string | null }, ...unknown[]]>;
  createSecret(request: {
    parent: string;
    secretId: string;
    secret: { replication: { automatic: Record<string, never> } };
  }): Promise<unknown>;
}

export interface GcpSecretStoreOptions {
  project: string;
  client?: GcpSecretClient;
}

// gRPC status codes (google.rpc.Code).
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const PERMISSION_DENIED = 7;
const FAILED_PRECONDITION = 9;
const UNAUTHENTICATED = 16;

export function gcpSecretId(name: string): string {
  return name.replace(/\./g, '_');
}

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

export function createGcpSecretStore(options: GcpSecretStoreOptions): SecretStore {
  const { project } = options;
  let client: Promise<GcpSecretClient> | undefined = options.client ? Promise.resolve(options.client) : undefined;
  const getClient = () => {
    client ??= import('@google-cloud/secret-manager').then(
      (m) => new m.SecretManagerServiceClient() as unknown as GcpSecretClient,
    );
    return client;
  };

  function classify(name: string, error: unknown, version?: string): OperationalError {
    if (error instanceof OperationalError) return error;
    const details = { name, provider: 'gcp' as const, ...(version ? { version } : {}) };
    const code = grpcCode(error);
    // A destroyed or disabled version answers FAILED_PRECONDITION: for us it is as absent as a missing one.
    if (code === NOT_FOUND || code === FAILED_PRECONDITION) {
      return secretError('secret_missing', `secret "${name}" not found in Secret Manager project ${project}`, details);
    }
    if (code === PERMISSION_DENIED || code === UNAUTHENTICATED) {
      return secretError(
        'secret_denied',
        `access to secret "${name}" denied by Secret Manager (project ${project})`,
        details,
      );
    }
    return secretError(
      'secret_unavailable',
      `Secret Manager unavailable reading "${name}" (project ${project}, gRPC code ${code ?? 'none'})`,
      details,
      error,
    );
  }

  return withLogMasking({
    provider: 'gcp',
    async get(name: string, version?: string): Promise<SecretValue> {
      assertSecretName(name, 'gcp');
      const wanted = version ?? 'latest';
      try {
        const c = await getClient();
        const [response] = await c.accessSecretVersion({
          name: `projects/${project}/secrets/${gcpSecretId(name)}/versions/${wanted}`,
        });
        const data = response.payload?.data;
        if (data === undefined || data === null) throw Object.assign(new Error('empty payload'), { code: NOT_FOUND });
        const value = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
        const resolved = response.name?.split('/').at(-1) ?? wanted;
        return { name, version: resolved, value };
      } catch (error) {
        throw classify(name, error, version);
      }
    },
    async put(name: string, value: string): Promise<SecretValue> {
      assertSecretName(name, 'gcp');
      const parent = `projects/${project}/secrets/${gcpSecretId(name)}`;
      try {
        const c = await getClient();
        const add = () => c.addSecretVersion({ parent, payload: { data: Buffer.from(value, 'utf8') } });
        let added: Awaited<ReturnType<typeof add>>;
        try {
          added = await add();
        } catch (error) {
          if (grpcCode(error) !== NOT_FOUND) throw error;
          try {
            await c.createSecret({
              parent: `projects/${project}`,
              secretId: gcpSecretId(name),
              secret: { replication: { automatic: {} } },
            });
          } catch (createError) {
            if (grpcCode(createError) !== ALREADY_EXISTS) throw createError;
          }
          added = await add();
        }
        const version = added[0].name?.split('/').at(-1) ?? 'latest';
        return { name, version, value };
      } catch (error) {
        throw classify(name, error);
      }
    },
  });
}
