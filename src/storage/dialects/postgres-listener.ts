import pg from 'pg'

/** A LISTEN on some channels, over a connection of its own (a pooled one would be handed back and stop hearing). */
export interface Listener {
  /** True from a confirmed LISTEN until the connection is lost. */
  readonly listening: boolean
  /** A statement on the listening connection (a NOTIFY, a look at pg_stat_activity); rejects while it is down. */
  query(text: string, values?: unknown[]): Promise<Array<Record<string, unknown>>>
  close(): Promise<void>
}

export interface ListenOptions {
  channels: string[]
  /** Names the connection in pg_stat_activity, so others can tell which processes listen. */
  applicationName: string
}

export interface ListenHandlers {
  onNotification(channel: string, payload: string): void
  /** The LISTEN is (again) in place: notifications sent while it was not were missed. */
  onListening(): void
  onError(error: unknown): void
}

/** How often the quiet connection is asked `select 1`, so a silently dead one is noticed (pg sees no RST through a lost route). */
const HEARTBEAT_MS = 2000
/** A heartbeat or LISTEN unanswered for this long counts as a lost connection. */
const QUERY_TIMEOUT_MS = 2000

/**
 * Holds `LISTEN channel` on a dedicated `pg.Client` and keeps it: on any
 * error, end or failed heartbeat the client is dropped, `listening` turns
 * false at once (so callers fail closed), and a new client is connected with
 * backoff (200 ms more per attempt, at most 2 s), as ioredis does for Redis.
 */
export function listenPostgres(url: string, { channels, applicationName }: ListenOptions, handlers: ListenHandlers, connectTimeoutSeconds: number): Listener {
  let client: pg.Client | undefined
  let listening = false
  let closed = false
  let attempt = 0
  let heartbeat: NodeJS.Timeout | undefined
  let retry: NodeJS.Timeout | undefined

  const drop = (current: pg.Client, error?: unknown) => {
    if (client !== current) return // already dropped
    client = undefined
    listening = false
    clearInterval(heartbeat)
    if (error && !closed) handlers.onError(error)
    current.end().catch(() => {})
    if (closed) return
    attempt++
    retry = setTimeout(open, Math.min(attempt * 200, 2000))
    retry.unref()
  }

  const open = () => {
    if (closed) return
    const current = new pg.Client({
      connectionString: url,
      application_name: applicationName,
      connectionTimeoutMillis: connectTimeoutSeconds * 1000,
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
    })
    client = current
    current.on('error', (error) => drop(current, error))
    current.on('end', () => drop(current, new Error('the PostgreSQL LISTEN connection ended')))
    current.on('notification', (message) => {
      if (channels.includes(message.channel)) handlers.onNotification(message.channel, message.payload ?? '')
    })
    current
      .connect()
      .then(() => current.query(channels.map((channel) => `LISTEN ${current.escapeIdentifier(channel)}`).join('; ')))
      .then(() => {
        if (client !== current) return
        attempt = 0
        listening = true
        heartbeat = setInterval(() => void current.query('select 1').catch((error: unknown) => drop(current, error)), HEARTBEAT_MS)
        heartbeat.unref()
        handlers.onListening()
      })
      .catch((error: unknown) => drop(current, error))
  }

  open()
  return {
    get listening() {
      return listening
    },
    async query(text, values) {
      if (!listening || !client) throw new Error('the PostgreSQL LISTEN connection is down')
      return (await client.query(text, values)).rows as Array<Record<string, unknown>>
    },
    async close() {
      closed = true
      clearTimeout(retry)
      clearInterval(heartbeat)
      listening = false
      const current = client
      client = undefined
      await current?.end().catch(() => {})
    },
  }
}
