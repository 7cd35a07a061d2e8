// The /v1 HTTP API without Lambda: requests in, `HttpAnswer`s out.
export type { ApiRequest } from './api-request.js';
export { DEFAULT_EXPORT_INLINE_LIMIT_BYTES, type ApiDependencies } from './api-dependencies.js';
export { API_HANDLERS, routeApiRequest, type RouteHandler, type RoutedAnswer } from './api-router.js';
export { buildOpenApiDocument } from './openapi.js';
export { ROUTE_DOCS, type ApiRouteKey, type RouteDoc } from './route-docs.js';
export { governanceErrorOf } from './upstream-errors.js';
export * from './provisioning-schemas.js';
export * from './read-schemas.js';
