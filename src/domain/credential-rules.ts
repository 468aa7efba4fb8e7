/**
 * Where tokens may travel in this deployment (settings and the compatibility profile), read by
 * config.ts and applied by http/credential-source.ts. Its own module so config.ts stays below http/.
 */
/** What the deployment accepts besides `Authorization: Bearer`: settings and the compatibility profile. */
export interface CredentialRules {
  /** `TOKEN_SCHEMES` (and a profile's schemes): Authorization schemes, case-insensitive. */
  schemes: readonly string[]
  /** `AUTH_COOKIES=on`. */
  cookies: boolean
  /** A profile whose clients send `Authorization: <token>` with no scheme (flask-restplus-boilerplate). */
  bareHeader: boolean
  /** A profile whose clients send the token in the query string; undefined everywhere else. */
  queryParameter: string | undefined
}

