/**
 * Throw-away PostgreSQL and MySQL/MariaDB databases for tests: each call makes
 * a fresh `tessera_test_<random>` database and returns its URL and a drop().
 * The admin URLs default to the services of the CI machine and can be moved
 * with TESSERA_TEST_POSTGRES_URL / TESSERA_TEST_MYSQL_URL.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createConnection } from 'mysql2/promise'

export type Backend = 'sqlite' | 'postgres' | 'mysql'

export interface TestDatabase {
  url: string
  drop(): Promise<void>
}

const POSTGRES_ADMIN_URL = process.env.TESSERA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const MYSQL_ADMIN_URL = process.env.TESSERA_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'

/** A name that needs no quoting on either server. */
function freshName(): string {
  return `tessera_test_${randomBytes(6).toString('hex')}`
}

function withDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

async function postgresAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2000 })
  await client.connect()
  try {
    return await run(client)
  } finally {
    await client.end()
  }
}

async function mysqlAdmin<T>(run: (connection: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> {
  const connection = await createConnection({ uri: MYSQL_ADMIN_URL, connectTimeout: 2000 })
  try {
    return await run(connection)
  } finally {
    await connection.end()
  }
}

/** Undefined when `backend` can be used, else why not (a line for the skip message). */
export async function unavailable(backend: Backend): Promise<string | undefined> {
  try {
    if (backend === 'postgres') await postgresAdmin((client) => client.query('select 1'))
    if (backend === 'mysql') await mysqlAdmin((connection) => connection.query('select 1'))
    return undefined
  } catch {
    const where = new URL(backend === 'postgres' ? POSTGRES_ADMIN_URL : MYSQL_ADMIN_URL).host
    return `${backend === 'postgres' ? 'PostgreSQL' : 'MySQL/MariaDB'} not reachable at ${where}`
  }
}

/** Creates an empty database on `backend` (not sqlite: a SQLite file needs no server). */
export async function createTestDatabase(backend: Exclude<Backend, 'sqlite'>): Promise<TestDatabase> {
  const name = freshName()
  if (backend === 'postgres') {
    await postgresAdmin((client) => client.query(`create database ${name}`))
    return {
      url: withDatabase(POSTGRES_ADMIN_URL, name),
      // FORCE: a server killed by a crash test may leave a backend behind for a moment.
      drop: () => postgresAdmin(async (client) => void (await client.query(`drop database if exists ${name} with (force)`))),
    }
  }
  await mysqlAdmin((connection) => connection.query(`create database ${name}`))
  return {
    url: withDatabase(MYSQL_ADMIN_URL, name),
    drop: () => mysqlAdmin(async (connection) => void (await connection.query(`drop database if exists ${name}`))),
  }
}

/** TESSERA_TEST_BACKEND, the backend the black-box suite runs against (default sqlite). */
export function testBackend(): Backend {
  const value = process.env.TESSERA_TEST_BACKEND ?? 'sqlite'
  if (value !== 'sqlite' && value !== 'postgres' && value !== 'mysql') {
    throw new Error(`TESSERA_TEST_BACKEND must be sqlite, postgres or mysql, got "${value}"`)
  }
  return value
}
