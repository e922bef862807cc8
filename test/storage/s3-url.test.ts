// NCF_STORAGE_URL=s3://bucket/prefix and the AWS variables: what each combination means, and that
// every bad value is reported with the variable it came from.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeS3Location, isS3Url, parseS3Url, S3ConfigError } from '../../storage/s3/url.js';

const KEYS = { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'secret' };

function problems(url: string, env: Record<string, string | undefined> = {}): string[] {
  try {
    parseS3Url(url, env);
  } catch (e) {
    assert.ok(e instanceof S3ConfigError, `expected S3ConfigError, got ${e}`);
    return e.problems;
  }
  assert.fail(`${url} with ${JSON.stringify(env)} was accepted`);
}

describe('parseS3Url', () => {
  it('takes the bucket and prefix from the URL and the rest from the AWS variables', () => {
    assert.deepEqual(
      parseS3Url('s3://my-bucket/tables/prod', {
        AWS_ENDPOINT_URL: 'http://minio:9000',
        AWS_REGION: 'eu-west-1',
        ...KEYS,
        AWS_SESSION_TOKEN: 'tok',
      }),
      {
        bucket: 'my-bucket',
        prefix: 'tables/prod/',
        region: 'eu-west-1',
        endpoint: 'http://minio:9000',
        forcePathStyle: true,
        credentials: { accessKeyId: 'AKIA', secretAccessKey: 'secret', sessionToken: 'tok' },
      },
    );
  });

  it('defaults: bucket root, us-east-1, AWS endpoint with virtual hosts, the default credential chain', () => {
    for (const url of ['s3://bucket', 's3://bucket/', 's3://bucket//']) {
      assert.deepEqual(parseS3Url(url, {}), { bucket: 'bucket', prefix: '', region: 'us-east-1', forcePathStyle: false });
    }
    assert.equal(parseS3Url('s3://bucket', { AWS_DEFAULT_REGION: 'ap-south-1' }).region, 'ap-south-1');
    assert.equal(parseS3Url('s3://bucket', { AWS_DEFAULT_REGION: 'ap-south-1', AWS_REGION: 'us-west-2' }).region, 'us-west-2');
  });

  it('normalises the prefix to end in one slash', () => {
    assert.equal(parseS3Url('s3://bucket/a/b/', {}).prefix, 'a/b/');
    assert.equal(parseS3Url('s3://bucket/a%2Db', {}).prefix, 'a-b/');
  });

  it('path style: the URL wins over NCF_S3_FORCE_PATH_STYLE, which wins over the endpoint default', () => {
    const endpoint = { AWS_ENDPOINT_URL: 'https://s3.example.com' };
    assert.equal(parseS3Url('s3://b-1', endpoint).forcePathStyle, true);
    assert.equal(parseS3Url('s3://b-1', { ...endpoint, NCF_S3_FORCE_PATH_STYLE: 'false' }).forcePathStyle, false);
    assert.equal(parseS3Url('s3://b-1?pathStyle=true', { ...endpoint, NCF_S3_FORCE_PATH_STYLE: 'false' }).forcePathStyle, true);
    assert.equal(parseS3Url('s3://b-1/p?pathStyle=false', endpoint).forcePathStyle, false);
    assert.equal(parseS3Url('s3://b-1', { NCF_S3_FORCE_PATH_STYLE: 'true' }).forcePathStyle, true);
  });

  it('AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL', () => {
    const loc = parseS3Url('s3://bucket', { AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_S3: 'http://b:2/' });
    assert.equal(loc.endpoint, 'http://b:2');
  });

  it('reports every problem with its variable', () => {
    assert.match(problems('http://bucket/x')[0]!, /^NCF_STORAGE_URL=.*expected s3:\/\/<bucket>/);
    assert.match(problems('s3://Bad_Bucket')[0]!, /bucket "Bad_Bucket" is not a valid bucket name/);
    assert.match(problems('s3://ab')[0]!, /not a valid bucket name/);
    assert.match(problems('s3://bucket/../x')[0]!, /prefix segment "\.\."/);
    assert.match(problems('s3://bucket/a//b')[0]!, /prefix segment ""/);
    assert.match(problems('s3://bucket/a b')[0]!, /prefix segment "a b"/);
    assert.match(problems('s3://bucket?region=x')[0]!, /unknown parameter "region"/);
    assert.match(problems('s3://bucket?pathStyle=maybe')[0]!, /pathStyle.*expected true or false/);
    assert.match(problems('s3://bucket', { NCF_S3_FORCE_PATH_STYLE: 'y' })[0]!, /^NCF_S3_FORCE_PATH_STYLE="y"/);
    assert.match(problems('s3://bucket', { AWS_ENDPOINT_URL: 'minio:9000' })[0]!, /^AWS_ENDPOINT_URL=.*http/);
    assert.match(problems('s3://bucket', { AWS_ENDPOINT_URL_S3: 'ftp://x' })[0]!, /^AWS_ENDPOINT_URL_S3=/);
    assert.match(problems('s3://bucket', { AWS_ENDPOINT_URL: 'http://user:pw@x' })[0]!, /must not carry credentials/);
    assert.match(problems('s3://bucket', { AWS_REGION: 'EU WEST' })[0]!, /^AWS_REGION=/);
    assert.match(problems('s3://bucket', { AWS_ACCESS_KEY_ID: 'a' })[0]!, /AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not/);
    assert.match(problems('s3://bucket', { AWS_SECRET_ACCESS_KEY: 'a' })[0]!, /AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not/);
    const all = problems('s3://x?y=1', { AWS_REGION: '!', AWS_ACCESS_KEY_ID: 'a' });
    assert.equal(all.length, 4, all.join('\n'));
  });

  it('isS3Url tells object storage from a folder; descriptions never show credentials', () => {
    assert.equal(isS3Url('s3://bucket'), true);
    assert.equal(isS3Url('S3://bucket'), true);
    assert.equal(isS3Url('./data'), false);
    const loc = parseS3Url('s3://bucket/p', { AWS_ENDPOINT_URL: 'http://minio:9000', ...KEYS });
    const text = describeS3Location(loc);
    assert.equal(text, 's3://bucket/p/ at http://minio:9000 (path-style)');
    assert.ok(!text.includes('secret') && !text.includes('AKIA'));
  });
});
