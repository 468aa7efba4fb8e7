import type { CompatProfile, CompatRoute } from './profile.js'

/** Where the interpreter registers a profile's routes; requests are routed there by `rewriteUrl`. */
export const COMPAT_PREFIX = '/compat'

interface CompiledRoute {
  route: CompatRoute
  pattern: RegExp
  /** The path Fastify registers (unique per route, so a profile never collides with Tessera's routes). */
  internalPath: string
}

/** `/admin/users/:page(\d+)` → `^/admin/users/(\d+)$`; a parameter without a pattern is one path segment. */
function compilePath(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => {
      const param = /^:(\w+)(?:\((.+)\))?$/.exec(segment)
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      return `(${param[2] ?? '[^/]+'})`
    })
    .join('/')
  return new RegExp(`^${source}$`)
}

/** The Fastify form of a profile path: parameter patterns dropped (the match above already applied them). */
function fastifyPath(path: string): string {
  return path.replace(/(:\w+)\([^)]*\)/g, '$1')
}

export function compileRoutes(profile: CompatProfile): CompiledRoute[] {
  return profile.routes.map((route, index) => ({
    route,
    pattern: compilePath(route.path),
    internalPath: `${COMPAT_PREFIX}/${profile.name}/${index}${fastifyPath(route.path) === '/' ? '' : fastifyPath(route.path)}`,
  }))
}

/**
 * Fastify's `rewriteUrl` for a profile: a request that matches one of its
 * routes (first match in table order) goes to that route's internal path, query
 * string kept; anything else is left alone, so Tessera's own routes answer as
 * always. The table decides, not Fastify's router, so a profile route may share
 * a path with one of Tessera's (`/auth/login` in 004).
 */
export function createProfileRewrite(profile: CompatProfile): (request: { method?: string; url?: string }) => string | undefined {
  const compiled = compileRoutes(profile)
  return (request) => {
    const url = request.url ?? '/'
    const query = url.indexOf('?')
    const path = query === -1 ? url : url.slice(0, query)
    const method = request.method === 'HEAD' ? 'GET' : request.method
    for (const { route, pattern, internalPath } of compiled) {
      if (route.method !== method || !pattern.test(path)) continue
      const params = pattern.exec(path)!.slice(1)
      // The internal path's parameters, filled in from the request's.
      let index = 0
      const target = internalPath.replace(/:\w+/g, () => params[index++] ?? '')
      return target + (query === -1 ? '' : url.slice(query))
    }
    return undefined
  }
}
