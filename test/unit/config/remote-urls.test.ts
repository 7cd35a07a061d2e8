// Issue 19: remote URLs are https unless they name this machine (loopback) in local mode; in AWS Lambda
// plain http is refused even for loopback.
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../support/thrown.js';
import { ConfigError, isLoopbackHost, loadConfig, REMOTE_URL_VARIABLES } from '../../../lib/config/index.js';

const problemsOf = (run: () => unknown): string[] => thrownBy(ConfigError, run).problems;

const LAMBDA = { AWS_LAMBDA_FUNCTION_NAME: 'bitbucket-governance-sync' };

describe('remote URLs', () => {
  it.each(REMOTE_URL_VARIABLES)(
    '%s refuses plain http to a remote host, naming the variable and why',
    (name) => {
      expect(problemsOf(() => loadConfig({ [name]: 'http://api.example.com' }))).toEqual([
        `${name}: expected an https URL (http only for a loopback host in local mode), got "http://api.example.com"`,
      ]);
    },
  );

  it.each(REMOTE_URL_VARIABLES)('%s accepts https anywhere and http to loopback in local mode', (name) => {
    expect(() => loadConfig({ [name]: 'https://api.example.com' })).not.toThrow();
    expect(() => loadConfig({ ...LAMBDA, [name]: 'https://api.example.com' })).not.toThrow();
    for (const url of [
      'http://127.0.0.1:8000',
      'http://127.8.9.10',
      'http://localhost:4010',
      'http://[::1]:8000',
    ])
      expect(() => loadConfig({ [name]: url }), url).not.toThrow();
  });

  it.each(REMOTE_URL_VARIABLES)('%s reads the scheme as a URL does: HTTP:// and Http:// are http', (name) => {
    for (const url of ['HTTP://evil.example.com', 'Http://evil.example.com']) {
      expect(problemsOf(() => loadConfig({ [name]: url }))[0], url).toMatch(
        new RegExp(`^${name}: expected an https URL`),
      );
      expect(problemsOf(() => loadConfig({ ...LAMBDA, [name]: url }))[0], url).toMatch(
        new RegExp(`^${name}: expected an https URL`),
      );
    }
    expect(problemsOf(() => loadConfig({ ...LAMBDA, [name]: 'HTTP://127.0.0.1:8000' }))[0]).toMatch(
      /this is AWS Lambda/,
    );
  });

  it.each(REMOTE_URL_VARIABLES)('%s refuses a user name or password in the URL', (name) => {
    expect(
      problemsOf(() => loadConfig({ [name]: 'https://proxyuser:s3cretPass@proxy.example.com' })),
    ).toEqual([`${name}: expected a URL without a user name or password, got "https://…@proxy.example.com"`]);
  });

  it.each(REMOTE_URL_VARIABLES)('%s refuses http even to loopback in AWS Lambda', (name) => {
    expect(problemsOf(() => loadConfig({ ...LAMBDA, [name]: 'http://127.0.0.1:8000' }))).toEqual([
      `${name}: expected an https URL (http only for a loopback host in local mode; this is AWS Lambda), got "http://127.0.0.1:8000"`,
    ]);
  });

  it('keeps the simulator and DynamoDB Local working locally, trailing slash trimmed', () => {
    const config = loadConfig({
      BITBUCKET_API_URL: 'http://127.0.0.1:4010/',
      BITBUCKET_OAUTH_URL: 'http://127.0.0.1:4010',
      ATLASSIAN_ADMIN_API_URL: 'http://localhost:4010',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
    });
    expect(config.bitbucket).toMatchObject({
      apiUrl: 'http://127.0.0.1:4010',
      oauthUrl: 'http://127.0.0.1:4010',
    });
    expect(config.organization.apiUrl).toBe('http://localhost:4010');
    expect(config.store.endpoint).toBe('http://127.0.0.1:8000');
  });

  it('counts only hosts that can only be this machine as loopback', () => {
    for (const host of ['localhost', '127.0.0.1', '127.255.255.254', '[::1]'])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of [
      'localhost.example.com',
      '127.0.0.1.nip.io',
      '128.0.0.1',
      '10.0.0.1',
      '[::2]',
      '0.0.0.0',
    ])
      expect(isLoopbackHost(host), host).toBe(false);
    // Spellings the URL parser normalises to 127.0.0.1 are loopback; a name resolving there is not.
    expect(() => loadConfig({ BITBUCKET_API_URL: 'http://127.1:4010' })).not.toThrow();
    expect(problemsOf(() => loadConfig({ BITBUCKET_API_URL: 'http://localtest.me:4010' }))).toHaveLength(1);
  });
});
