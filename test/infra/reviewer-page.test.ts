// The reviewer page in AWS: deployed only with an OpenID Connect issuer and audience (synth warns
// otherwise); its files public, its data routes under a JWT authorizer, all integrated with the API
// function, which finds the page built at synth beside its bundle; cdk-nag stays clean.
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDeploymentContext } from '../../infra/deployment-context.js';
import { ROUTES } from '../../lib/api/routes.js';
import {
  buildStack,
  BUILD_TIMEOUT_MS,
  TEST_AUTHORIZATION_POLICY,
  type BuiltStack,
} from './governance-stack.js';

const ISSUER = 'https://login.example.com/oauth2/default';
let withPage: BuiltStack;
let withoutPage: BuiltStack;
beforeAll(() => {
  withPage = buildStack({
    uiOidcIssuer: ISSUER,
    uiOidcAudience: 'bbgov-reviewers',
    authorizationPolicy: {
      statements: [
        ...TEST_AUTHORIZATION_POLICY.statements,
        { principal: 'oidc:00u1reviewer', roles: ['reader'], workspaces: ['acme'] },
      ],
    },
  });
  withoutPage = buildStack();
}, BUILD_TIMEOUT_MS);

function routesOf(built: BuiltStack) {
  return Object.values(built.template.findResources('AWS::ApiGatewayV2::Route')).map((route) => ({
    routeKey: route.Properties.RouteKey as string,
    authorizationType: route.Properties.AuthorizationType as string | undefined,
  }));
}

describe('reviewer page', () => {
  it('is not deployed without uiOidcIssuer and uiOidcAudience, and the synth says so', () => {
    expect(routesOf(withoutPage).filter(({ routeKey }) => routeKey.includes('/ui'))).toEqual([]);
    Annotations.fromStack(withoutPage.stack).hasWarning(
      '/BitbucketGovernance/Http',
      Match.stringLikeRegexp('reviewer page \\(/ui\\) is not deployed: set the CDK context uiOidcIssuer'),
    );
    withoutPage.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AUTHORIZATION_POLICY: Match.anyValue() }) },
    });
    const apiVariables = withoutPage.template.toJSON().Resources[
      withoutPage.stack.getLogicalId(withoutPage.stack.functions.api.function.node.defaultChild as never)
    ].Properties.Environment.Variables as Record<string, unknown>;
    expect(apiVariables.UI_ASSETS_FILE).toBeUndefined();
  });

  it('serves its files publicly and its data routes under the JWT authorizer of the issuer and audience', () => {
    const ui = routesOf(withPage)
      .filter(({ routeKey }) => routeKey.includes(' /ui'))
      .sort((a, b) => a.routeKey.localeCompare(b.routeKey));
    expect(ui).toEqual(
      ROUTES.filter((route) => route.target === 'ui')
        .map((route) => ({
          routeKey: `${route.method} ${route.path}`,
          authorizationType: route.auth === 'jwt' ? 'JWT' : 'NONE',
        }))
        .sort((a, b) => a.routeKey.localeCompare(b.routeKey)),
    );
    withPage.template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    withPage.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: ISSUER, Audience: ['bbgov-reviewers'] },
    });
    const apiVariables = withPage.template.toJSON().Resources[
      withPage.stack.getLogicalId(withPage.stack.functions.api.function.node.defaultChild as never)
    ].Properties.Environment.Variables as Record<string, unknown>;
    expect(apiVariables.UI_ASSETS_FILE).toBe('ui-assets.json');
  });

  it('integrates every page route with the API function', () => {
    const resources = withPage.template.toJSON().Resources as Record<
      string,
      { Type: string; Properties: { RouteKey?: string; Target?: unknown } }
    >;
    const targets = new Set(
      Object.values(resources)
        .filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route')
        .filter(
          ({ Properties }) =>
            Properties.RouteKey?.includes(' /ui') || Properties.RouteKey?.includes('/v1/workspaces '),
        )
        .map(({ Properties }) => JSON.stringify(Properties.Target)),
    );
    expect(targets.size).toBe(1);
  });

  it('keeps cdk-nag clean, the public file routes acknowledged with their reason', () => {
    const report = new AwsSolutionsChecks().validateScope(withPage.app);
    const findings = report.violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
    );
    expect(findings).toEqual([]);
  });
});

describe('reviewer page context', () => {
  const read = (context: Record<string, unknown>) => (key: string) =>
    ({ authorizationPolicy: TEST_AUTHORIZATION_POLICY, ...context })[key];

  it('takes an https issuer with its audiences, and oidc:<sub> principals in the policy', () => {
    const settings = parseDeploymentContext(
      read({
        uiOidcIssuer: ISSUER,
        uiOidcAudience: 'a, b',
        authorizationPolicy: {
          statements: [
            ...TEST_AUTHORIZATION_POLICY.statements,
            { principal: 'oidc:*', roles: ['reader'], workspaces: ['acme'] },
          ],
        },
      }),
    );
    expect(settings.uiOidcIssuer).toBe(ISSUER);
    expect(settings.uiOidcAudience).toEqual(['a', 'b']);
  });

  it('refuses one without the other, and an issuer that is not https', () => {
    expect(() => parseDeploymentContext(read({ uiOidcIssuer: ISSUER }))).toThrow(
      /uiOidcIssuer and uiOidcAudience: expected both/,
    );
    expect(() =>
      parseDeploymentContext(read({ uiOidcIssuer: 'http://login.example.com', uiOidcAudience: 'a' })),
    ).toThrow(/uiOidcIssuer/);
  });
});
