import { row } from '../output.js'
import { withServices, type Command } from '../command.js'

export const sessionsPruneCommand: Command = {
  name: 'sessions prune',
  summary: 'Delete expired sessions and expired revocation rows',
  help: `Usage: tessera sessions prune [--json]

Deletes sessions that expired, sessions that ended longer ago than an access
token can live (ACCESS_TOKEN_TTL + JWT_LEEWAY), and revocation rows no token
can match any more. The server does the same every minute; this is for cron
jobs and for databases no server is running on.
Prints: sessions <n> and revocations <n> (deleted rows).`,
  options: {},
  async run(context) {
    return withServices(context, async ({ config, storage, now }) => {
      const at = now()
      // The same rule as the server's sweeper: an ended session is kept while its access tokens
      // could live, so reuse of its refresh token is still recognised.
      const retentionMs = (config.accessTokenTtl + config.jwtLeeway) * 1000
      const sessions = await storage.sessions.prune(at, at - retentionMs)
      const revocations = await storage.revocations.prune(at)
      context.output.result({ sessions, revocations }, [row('sessions', sessions), row('revocations', revocations)])
      return 0
    })
  },
}
