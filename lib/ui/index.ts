// The reviewer page (DESIGN §8b): its static files and its data routes, as HttpAnswers (no Lambda types).
export {
  serveUiFile,
  uiAssets,
  UI_ASSETS_FILE_NAME,
  UI_ASSETS_FILE_VARIABLE,
  UI_SECURITY_HEADERS,
  type UiAssets,
} from './ui-assets.js';
export {
  handleUiSession,
  isUiDataRoute,
  isUiFileRoute,
  oidcPrincipalOf,
  routeUiApiRequest,
  UI_API_PREFIX,
  UI_ROUTE_KEYS,
  v1RequestOf,
} from './ui-api.js';
