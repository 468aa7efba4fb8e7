/**
 * Fixtures for the importer's tests: password hashes in the exact formats the
 * Flask tutorials' libraries write (computed with node:crypto, or published
 * vectors), a tutorial-like `users` table in SQLite, PostgreSQL, MySQL, JSON
 * and CSV, and the compiled CLI run as `npx tessera` runs it.
 */
import { spawn } from 'node:child_process'
import { createHash, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { hashSync as argon2Hash } from '@node-rs/argon2'
import SQLite from 'better-sqlite3'
import { createConnection } from 'mysql2/promise'
import pg from 'pg'
import { ROOT } from '../helpers/paths.js'

const CLI = resolve(ROOT, 'dist/cli/main.js')

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the compiled CLI with only PATH and `env` in its environment. */
export function tessera(args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
  return new Promise((done) =>
    child.once('close', (code) => {
      clearTimeout(timer)
      done({ code, stdout, stderr })
    }),
  )
}

// ---- hashes, byte for byte as the Python libraries write them ----

/** passlib's "adapted base64": `.` for `+`, no padding. */
function ab64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '').replace(/\+/g, '.')
}

/** werkzeug's gen_salt: letters and digits. */
function werkzeugSalt(length = 16): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  return [...randomBytes(length)].map((byte) => chars[byte % chars.length]).join('')
}

/** passlib.hash.pbkdf2_sha256.hash(password, rounds=…). */
export function passlibPbkdf2Sha256(password: string, rounds = 29000): string {
  const salt = randomBytes(16)
  return `$pbkdf2-sha256$${rounds}$${ab64(salt)}$${ab64(pbkdf2Sync(password, salt, rounds, 32, 'sha256'))}`
}

/** werkzeug.security.generate_password_hash(password, 'pbkdf2:sha256:…'). */
export function werkzeugPbkdf2(password: string, iterations = 600_000): string {
  const salt = werkzeugSalt()
  return `pbkdf2:sha256:${iterations}$${salt}$${pbkdf2Sync(password, salt, iterations, 32, 'sha256').toString('hex')}`
}

/** werkzeug.security.generate_password_hash(password), werkzeug 3's default `scrypt:32768:8:1`. */
export function werkzeugScrypt(password: string, n = 32768, r = 8, p = 1): string {
  const salt = werkzeugSalt()
  const key = scryptSync(password, salt, 64, { N: n, r, p, maxmem: 132 * n * r * p })
  return `scrypt:${n}:${r}:${p}$${salt}$${key.toString('hex')}`
}

/** Published vectors: passlib's own pbkdf2_sha256 test, and jBCrypt's/OpenBSD's bcrypt test. */
export const PASSLIB_VECTOR = { password: 'password', hash: '$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ' }
export const BCRYPT_VECTOR = { password: 'abcdefghijklmnopqrstuvwxyz', hash: '$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC' }

// ---- a tutorial's users table ----

export interface FlaskUser {
  username: string | null
  email: string
  password_hash: string
  admin: boolean
  active: boolean
  /** As SQLAlchemy's DateTime stores it in SQLite, or epoch seconds/milliseconds. */
  created_at: string | number | null
  /** What the tests expect of this row; not a column. */
  expect: { status: 'imported' | 'skipped_duplicate' | 'skipped_invalid' | 'unknown_hash_format'; password?: string; format?: string }
}

/** One user per legacy format, plus a duplicate, an invalid email and username, and an unknown format. */
export function flaskUsers(): FlaskUser[] {
  const wendy = 'wendy-pbkdf2-secret'
  const sam = 'sam-scrypt-secret'
  const ari = 'ari-argon2-secret'
  return [
    { username: 'pat', email: 'Pat@Example.com ', password_hash: PASSLIB_VECTOR.hash, admin: true, active: true, created_at: '2023-01-15 10:20:30.123456', expect: { status: 'imported', password: PASSLIB_VECTOR.password, format: 'passlib-pbkdf2-sha256' } },
    { username: 'wendy', email: 'wendy@example.com', password_hash: werkzeugPbkdf2(wendy), admin: false, active: true, created_at: 1_700_000_000, expect: { status: 'imported', password: wendy, format: 'werkzeug-pbkdf2' } },
    { username: 'sam', email: 'sam@example.com', password_hash: werkzeugScrypt(sam), admin: false, active: true, created_at: 1_700_000_000_123, expect: { status: 'imported', password: sam, format: 'werkzeug-scrypt' } },
    { username: 'bea', email: 'bea@example.com', password_hash: BCRYPT_VECTOR.hash, admin: false, active: true, created_at: '2024-02-29T12:00:00Z', expect: { status: 'imported', password: BCRYPT_VECTOR.password, format: 'bcrypt' } },
    { username: 'ari', email: 'ari@example.com', password_hash: argon2Hash(ari), admin: false, active: true, created_at: null, expect: { status: 'imported', password: ari, format: 'argon2' } },
    { username: 'olga', email: 'olga@example.com', password_hash: BCRYPT_VECTOR.hash, admin: false, active: false, created_at: null, expect: { status: 'imported', password: BCRYPT_VECTOR.password, format: 'bcrypt' } },
    { username: 'pat2', email: 'pat@example.com', password_hash: BCRYPT_VECTOR.hash, admin: false, active: true, created_at: null, expect: { status: 'skipped_duplicate' } },
    { username: 'ivan', email: 'not-an-email', password_hash: BCRYPT_VECTOR.hash, admin: false, active: true, created_at: null, expect: { status: 'skipped_invalid' } },
    { username: 'bad name', email: 'badname@example.com', password_hash: BCRYPT_VECTOR.hash, admin: false, active: true, created_at: null, expect: { status: 'skipped_invalid' } },
    // werkzeug 0.x's salted SHA-1, which Tessera does not verify.
    { username: 'mona', email: 'mona@example.com', password_hash: `sha1$abcd1234$${createHash('sha1').update('abcd1234mona-secret').digest('hex')}`, admin: false, active: true, created_at: null, expect: { status: 'unknown_hash_format' } },
  ]
}

/** A tutorial that stored plaintext (in `password`), with Flask-Login's `is_admin`/`is_active` names. */
export const PLAINTEXT_USERS = [
  { username: 'paula', email: 'paula@example.com', password: 'paula-plain-password', is_admin: 0, is_active: 1 },
  { username: 'peter', email: 'peter@example.com', password: 'peter-plain-password', is_admin: 1, is_active: 1 },
  { username: 'tim', email: 'tim@example.com', password: 'short', is_admin: 0, is_active: 1 },
]

const USER_COLUMNS = ['id', 'username', 'email', 'password_hash', 'admin', 'active', 'created_at'] as const

/** `app.db` as the tutorial's Flask-SQLAlchemy models create it: `users`, and `plain_users` for the plaintext tutorial. */
export function writeSqliteApp(path: string, users: FlaskUser[]): void {
  const db = new SQLite(path)
  db.exec(`create table users (id integer primary key, username varchar(64), email varchar(120), password_hash varchar(256),
    admin boolean, active boolean, created_at datetime);
    create table plain_users (id integer primary key, username text, email text, password text, is_admin boolean, is_active boolean)`)
  const insert = db.prepare('insert into users (username, email, password_hash, admin, active, created_at) values (?, ?, ?, ?, ?, ?)')
  for (const user of users) insert.run(user.username, user.email, user.password_hash, user.admin ? 1 : 0, user.active ? 1 : 0, user.created_at)
  const plain = db.prepare('insert into plain_users (username, email, password, is_admin, is_active) values (?, ?, ?, ?, ?)')
  for (const user of PLAINTEXT_USERS) plain.run(user.username, user.email, user.password, user.is_admin, user.is_active)
  db.close()
}

/** created_at as a server column takes it: a Date (the number forms are the SQLite tutorial's). */
function asDate(value: FlaskUser['created_at']): Date | null {
  if (value === null) return null
  if (typeof value === 'number') return new Date(value < 1e11 ? value * 1000 : value)
  return new Date(value.includes('T') ? value : `${value.replace(' ', 'T').slice(0, 23)}Z`)
}

export async function writePostgresApp(url: string, users: FlaskUser[]): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`create table users (id serial primary key, username varchar(64), email varchar(120), password_hash varchar(256),
      admin boolean, active boolean, created_at timestamp)`)
    for (const user of users) {
      await client.query('insert into users (username, email, password_hash, admin, active, created_at) values ($1, $2, $3, $4, $5, $6)', [
        user.username, user.email, user.password_hash, user.admin, user.active, asDate(user.created_at)?.toISOString() ?? null,
      ])
    }
  } finally {
    await client.end()
  }
}

export async function writeMysqlApp(url: string, users: FlaskUser[]): Promise<void> {
  const connection = await createConnection({ uri: url, timezone: 'Z' })
  try {
    await connection.query(`create table users (id int auto_increment primary key, username varchar(64), email varchar(120), password_hash varchar(256),
      admin tinyint(1), active tinyint(1), created_at datetime(3))`)
    for (const user of users) {
      await connection.query('insert into users (username, email, password_hash, admin, active, created_at) values (?, ?, ?, ?, ?, ?)', [
        user.username, user.email, user.password_hash, user.admin ? 1 : 0, user.active ? 1 : 0, asDate(user.created_at),
      ])
    }
  } finally {
    await connection.end()
  }
}

/** A JSON export with other names (`email_address`, `pw`, `is_admin` as true/false), as a `flask shell` script writes it. */
export function writeJsonExport(path: string, users: FlaskUser[]): void {
  const rows = users.map((user, index) => ({
    id: index + 1, login: user.username, email_address: user.email, pw: user.password_hash,
    is_admin: user.admin, enabled: user.active ? 'yes' : 'no', joined: user.created_at,
  }))
  writeFileSync(path, JSON.stringify({ users: rows }, null, 2))
}

/** A CSV export (`sqlite3 -csv -header`, or psql's `\copy … csv header`): booleans as t/f, NULL as empty. */
export function writeCsvExport(path: string, users: FlaskUser[]): void {
  const quote = (value: unknown) => (value === null ? '' : `"${String(value).replace(/"/g, '""')}"`)
  const lines = [USER_COLUMNS.join(',')]
  users.forEach((user, index) => {
    lines.push([index + 1, user.username, user.email, user.password_hash, user.admin ? 't' : 'f', user.active ? 't' : 'f', user.created_at].map(quote).join(','))
  })
  writeFileSync(path, `${lines.join('\r\n')}\r\n`)
}
