import type { CompatProfile } from './profile.js'

/**
 * The profile's own Swagger 2.0 document, as Flask-RESTPlus serves one at
 * `/swagger.json`: the profile's routes, made from its table (so it cannot
 * drift from what is served). Tessera's own API stays in `/openapi.json`.
 */
export function profileSwagger(profile: CompatProfile): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of profile.routes) {
    if (route.action === 'swagger-json' || route.action === 'swagger-ui') continue
    const params: string[] = []
    const path = route.path.replace(/:(\w+)(?:\([^)]*\))?/g, (_whole, name: string) => {
      params.push(name === 'id' ? 'public_id' : name)
      return `{${name === 'id' ? 'public_id' : name}}`
    })
    paths[path] ??= {}
    paths[path]![route.method.toLowerCase()] = {
      summary: route.summary ?? route.action,
      operationId: `${route.action}_${route.method.toLowerCase()}`,
      parameters: params.map((name) => ({ name, in: 'path', required: true, type: 'string' })),
      ...(route.auth && route.auth !== 'none' ? { security: [{ apikey: [] }] } : {}),
      responses: { [String(route.status ?? 200)]: { description: 'Success' } },
    }
  }
  return {
    swagger: '2.0',
    basePath: '/',
    info: { title: `Tessera: ${profile.emulates}`, version: '1.0', description: `Compatibility profile ${profile.name}` },
    produces: ['application/json'],
    consumes: ['application/json'],
    securityDefinitions: { apikey: { type: 'apiKey', in: 'header', name: 'Authorization' } },
    paths,
  }
}

/** The page at `/`: Swagger UI's files from Tessera's `/docs`, pointed at `/swagger.json` by a script file (no inline script). */
export function swaggerPage(initializerPath: string): string {
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Swagger UI</title>
    <link rel="stylesheet" type="text/css" href="/docs/static/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/static/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="${initializerPath}" charset="UTF-8"></script>
  </body>
</html>
`
}

export const SWAGGER_INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({ url: '/swagger.json', dom_id: '#swagger-ui' })
}
`
