// The HTTP API: exactly the routes of infra/routes.ts. `iam` routes need a SigV4-signed caller; the webhook
// route is open at the gateway because Bitbucket cannot sign SigV4, and its handler checks the HMAC. The
// reviewer page (target `ui`, served by the API function) is deployed only with an OpenID Connect issuer:
// its files are public, its data routes need the issuer's JWT (a browser cannot sign SigV4).
import { Annotations, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  type HttpRoute,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { functionOf, ROUTES, type FunctionName, type RouteAuth } from '../../lib/api/routes.js';
import { FUNCTION_LOG_RETENTION } from './governance-function.js';

/** Steady and burst request rates for the whole API: far above real use, low enough to cap a runaway caller. */
export const API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/** The reviewer page's OpenID Connect settings (CDK context uiOidcIssuer, uiOidcAudience). */
export interface ReviewerPageAuth {
  /** The issuer as its tokens name it in `iss` (https). */
  issuer: string;
  /** Audiences (client ids) accepted in `aud`. */
  audience: string[];
}

export interface GovernanceHttpApiProps {
  handlers: Record<FunctionName, IFunction>;
  /** Absent: the reviewer page's routes are not deployed (synth warns). */
  reviewerPage?: ReviewerPageAuth;
}

/** Why the page's public routes are open at the gateway (cdk-nag APIG4). */
const PUBLIC_PAGE_REASON =
  "The reviewer page's static files (HTML, script, stylesheet) are public content holding no data, served with a strict CSP; every data call goes through the /ui/api routes under the OpenID Connect JWT authorizer.";
const WEBHOOK_REASON =
  'Bitbucket cannot sign requests with SigV4 or send tokens; the webhook handler verifies the X-Hub-Signature HMAC over the raw body before reading anything.';

export class GovernanceHttpApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly routes: HttpRoute[] = [];

  constructor(scope: Construct, id: string, props: GovernanceHttpApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'Api', {
      description: 'bitbucket-governance: /v1 (IAM) and the Bitbucket webhook receiver',
      // The stage below replaces the default one so it can carry throttling and access logs.
      createDefaultStage: false,
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: FUNCTION_LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            sourceIp: '$context.identity.sourceIp',
            // The SigV4 caller, so every /v1 request is attributable to an IAM principal.
            caller: '$context.identity.userArn',
            // The reviewer page's caller (the JWT subject), so its data requests are attributable too.
            jwtSubject: '$context.authorizer.claims.sub',
            responseLength: '$context.responseLength',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    // The gateway waits its maximum (29 s); each function's own, shorter timeout ends a slow request first.
    const integrations: Record<FunctionName, HttpLambdaIntegration> = {
      api: new HttpLambdaIntegration('ApiIntegration', props.handlers.api),
      webhook: new HttpLambdaIntegration('WebhookIntegration', props.handlers.webhook),
    };
    const page = props.reviewerPage;
    const authorizers: Record<RouteAuth, HttpIamAuthorizer | HttpJwtAuthorizer | undefined> = {
      iam: new HttpIamAuthorizer(),
      jwt: page
        ? new HttpJwtAuthorizer('ReviewerPageJwt', page.issuer, { jwtAudience: page.audience })
        : undefined,
      signature: undefined,
      public: undefined,
    };
    if (!page) {
      Annotations.of(this).addWarningV2(
        'bbgov:reviewer-page-not-deployed',
        'The reviewer page (/ui) is not deployed: set the CDK context uiOidcIssuer and uiOidcAudience (the OpenID Connect issuer and client id whose JWTs authorize its data routes).',
      );
    }

    for (const route of ROUTES) {
      if (route.target === 'ui' && !page) continue;
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrations[functionOf(route.target)],
        authorizer: authorizers[route.auth],
      });
      if (!created) continue;
      this.routes.push(created);
      const reason = { signature: WEBHOOK_REASON, public: PUBLIC_PAGE_REASON }[route.auth as string];
      if (reason) Validations.of(created).acknowledge({ id: 'AwsSolutions-APIG4', reason });
    }
  }

  /** Base URL without a trailing slash: the `$default` stage has no path of its own. */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
