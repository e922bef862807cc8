// Where object storage is: `NCF_STORAGE_URL=s3://<bucket>[/<prefix>][?pathStyle=true|false]` plus
// the standard AWS variables. Pure parsing, no I/O, no SDK: the service validates its configuration
// at start-up and reports every problem with the variable it came from.
//
//   NCF_STORAGE_URL          s3://bucket/prefix — table files live at `<prefix>/<tableId>/<fileId>.ncf`
//   AWS_ENDPOINT_URL_S3      endpoint of an S3-compatible store (MinIO, Ceph, R2, an emulator);
//   AWS_ENDPOINT_URL         ...the service-specific variable wins, as in the AWS SDKs and CLI
//   AWS_REGION               region (then AWS_DEFAULT_REGION; default us-east-1)
//   AWS_ACCESS_KEY_ID        static credentials, both or neither (+ AWS_SESSION_TOKEN); with neither,
//   AWS_SECRET_ACCESS_KEY    the SDK's default chain applies (profiles, SSO, container and instance roles)
//
// Path-style addressing (`<endpoint>/<bucket>/<key>` rather than `<bucket>.<endpoint>/<key>`):
// `?pathStyle=true|false` in the URL, else NCF_S3_FORCE_PATH_STYLE=true|false, else on exactly when a
// custom endpoint is set — most S3-compatible stores and emulators address buckets by path, and AWS
// itself prefers virtual hosts. The URL wins because it is the more specific setting.

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3Location {
  bucket: string;
  /** Key prefix of every object: '' (the bucket root) or a path ending in '/'. */
  prefix: string;
  region: string;
  /** Absent: AWS's own endpoint for the region. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** Absent: the SDK's default credential chain. */
  credentials?: S3Credentials;
}

/** Every problem found, each naming its variable; `problems` can join a config error's list. */
export class S3ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid object storage configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'S3ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Bucket names as S3 allows them (3–63 characters; `_` for older buckets and compatible stores). */
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;
/** Prefix segments: S3's "safe" key characters only, so a prefix needs no escaping anywhere. */
const SEGMENT = /^[0-9A-Za-z!_.*'()-]+$/;
const URL_SHAPE = /^s3:\/\/([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i;

export function isS3Url(url: string): boolean {
  return url.trim().toLowerCase().startsWith('s3://');
}

export function parseS3Url(url: string, env: Env = process.env): S3Location {
  const problems: string[] = [];
  const m = URL_SHAPE.exec(url.trim());
  if (m === null) {
    throw new S3ConfigError([`NCF_STORAGE_URL=${JSON.stringify(url)}: expected s3://<bucket>[/<prefix>][?pathStyle=true|false]`]);
  }
  const bucket = m[1]!;
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    problems.push(
      `NCF_STORAGE_URL=${JSON.stringify(url)}: bucket ${JSON.stringify(bucket)} is not a valid bucket name (3-63 lowercase letters, digits, ".", "-", "_")`,
    );
  }
  const prefix = parsePrefix(m[2] ?? '', url, problems);

  let urlPathStyle: boolean | undefined;
  for (const [name, value] of new URLSearchParams(m[3] ?? '')) {
    if (name !== 'pathStyle') {
      problems.push(
        `NCF_STORAGE_URL=${JSON.stringify(url)}: unknown parameter "${name}"; the only one is pathStyle=true|false (endpoint, region and credentials come from the AWS_* variables)`,
      );
      continue;
    }
    urlPathStyle = parseBool(value, `NCF_STORAGE_URL parameter pathStyle`, problems);
  }

  const endpointVar = nonEmpty(env.AWS_ENDPOINT_URL_S3) !== undefined ? 'AWS_ENDPOINT_URL_S3' : 'AWS_ENDPOINT_URL';
  const endpointText = nonEmpty(env[endpointVar]);
  let endpoint: string | undefined;
  if (endpointText !== undefined) {
    endpoint = parseEndpoint(endpointText, endpointVar, problems);
  }

  const region = nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? 'us-east-1';
  if (!/^[a-z0-9-]{1,64}$/.test(region)) {
    problems.push(`AWS_REGION=${JSON.stringify(region)}: expected a region name such as us-east-1`);
  }

  const envPathStyle =
    nonEmpty(env.NCF_S3_FORCE_PATH_STYLE) === undefined
      ? undefined
      : parseBool(env.NCF_S3_FORCE_PATH_STYLE!, 'NCF_S3_FORCE_PATH_STYLE', problems);
  const forcePathStyle = urlPathStyle ?? envPathStyle ?? endpointText !== undefined;

  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  let credentials: S3Credentials | undefined;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    const [set, missing] =
      accessKeyId === undefined ? ['AWS_SECRET_ACCESS_KEY', 'AWS_ACCESS_KEY_ID'] : ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
    problems.push(`${set} is set but ${missing} is not: set both, or neither to use the default credential chain`);
  } else if (accessKeyId !== undefined) {
    credentials = { accessKeyId, secretAccessKey: secretAccessKey! };
    const token = nonEmpty(env.AWS_SESSION_TOKEN);
    if (token !== undefined) credentials.sessionToken = token;
  }

  if (problems.length > 0) throw new S3ConfigError(problems);
  const loc: S3Location = { bucket, prefix, region, forcePathStyle };
  if (endpoint !== undefined) loc.endpoint = endpoint;
  if (credentials !== undefined) loc.credentials = credentials;
  return loc;
}

/** For logs and error messages: where the files are, never the credentials. */
export function describeS3Location(loc: S3Location): string {
  const where = loc.endpoint ?? `AWS ${loc.region}`;
  return `s3://${loc.bucket}/${loc.prefix} at ${where}${loc.forcePathStyle ? ' (path-style)' : ''}`;
}

function parsePrefix(path: string, url: string, problems: string[]): string {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(trimmed);
  } catch {
    problems.push(`NCF_STORAGE_URL=${JSON.stringify(url)}: the prefix is not valid percent-encoding`);
    return '';
  }
  for (const seg of decoded.split('/')) {
    if (seg === '' || seg === '.' || seg === '..' || !SEGMENT.test(seg)) {
      problems.push(
        `NCF_STORAGE_URL=${JSON.stringify(url)}: prefix segment ${JSON.stringify(seg)} is not allowed (letters, digits and !_.*'()- only; no empty, "." or ".." segments)`,
      );
      return '';
    }
  }
  if (decoded.length > 512) {
    problems.push(
      `NCF_STORAGE_URL=${JSON.stringify(url)}: the prefix is ${decoded.length} characters, at most 512 leave room for file keys`,
    );
    return '';
  }
  return `${decoded}/`;
}

function parseEndpoint(text: string, name: string, problems: string[]): string | undefined {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    problems.push(`${name}=${JSON.stringify(text)}: expected an http:// or https:// URL`);
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    problems.push(`${name}=${JSON.stringify(text)}: expected an http:// or https:// URL, got ${u.protocol}`);
    return undefined;
  }
  if (u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '') {
    problems.push(`${name}=${JSON.stringify(text)}: the endpoint must not carry credentials, a query or a fragment`);
    return undefined;
  }
  return text.replace(/\/+$/, '');
}

function parseBool(text: string, name: string, problems: string[]): boolean | undefined {
  const v = text.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  problems.push(`${name}=${JSON.stringify(text)}: expected true or false`);
  return undefined;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}
