// The HTTP API: exactly the routes of infra/routes.ts. `iam` routes need a SigV4-signed caller; the webhook
// route is open at the gateway because Bitbucket cannot sign SigV4, and its handler checks the HMAC.
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  type HttpRoute,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROUTES, type RouteTarget } from '../../lib/api/routes.js';
import { FUNCTION_LOG_RETENTION } from './governance-function.js';

/** Steady and burst request rates for the whole API: far above real use, low enough to cap a runaway caller. */
export const API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

export interface GovernanceHttpApiProps {
  handlers: Record<RouteTarget, IFunction>;
}

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
            responseLength: '$context.responseLength',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    // The gateway waits its maximum (29 s); each function's own, shorter timeout ends a slow request first.
    const integrations: Record<RouteTarget, HttpLambdaIntegration> = {
      api: new HttpLambdaIntegration('ApiIntegration', props.handlers.api),
      webhook: new HttpLambdaIntegration('WebhookIntegration', props.handlers.webhook),
    };
    const iamAuthorizer = new HttpIamAuthorizer();

    for (const route of ROUTES) {
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrations[route.target],
        authorizer: route.auth === 'iam' ? iamAuthorizer : undefined,
      });
      if (!created) continue;
      this.routes.push(created);
      if (route.auth === 'signature') {
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'Bitbucket cannot sign requests with SigV4 or send tokens; the webhook handler verifies the X-Hub-Signature HMAC over the raw body before reading anything.',
        });
      }
    }
  }

  /** Base URL without a trailing slash: the `$default` stage has no path of its own. */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
