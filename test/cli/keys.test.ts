/**
 * `tessera keys generate|rotate|list` (issue 7) against a temp SQLite database:
 * text and --json output, idempotent generate, rotation states, and the
 * refusal (exit 1) when the environment pins the key. In-process through runCli,
 * the function the bin runs (test/cli/cli.test.ts spawns the bin itself).
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { runTessera as tessera } from '../helpers/cli.js'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TEST_JWT_SECRET } from '../helpers/server.js'

interface KeyDocument {
  kid: string
  algorithm: string
  state: string
  created_at: string | null
  retired_at: string | null
  verifies_until: string | null
  public_jwk: Record<string, string> | null
}

describe('tessera keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-keys-'))
  const env = { DATABASE_URL: `sqlite:${join(dir, 'tessera.db')}`, JWT_ALGORITHM: 'ES256' }
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('keys list on a new database lists nothing and creates nothing', async () => {
    const listed = await tessera(['keys', 'list', '--json'], env)
    assert.equal(listed.code, 0, listed.stderr)
    assert.deepEqual(JSON.parse(listed.stdout), { data: [] })
  })

  it('keys generate creates the first key once, and prints the same key when run again', async () => {
    const first = await tessera(['keys', 'generate', '--json'], env)
    assert.equal(first.code, 0, first.stderr)
    const made = JSON.parse(first.stdout) as { created: boolean; key: KeyDocument }
    assert.equal(made.created, true)
    assert.equal(made.key.algorithm, 'ES256')
    assert.equal(made.key.state, 'active')
    assert.equal(made.key.public_jwk?.kid, made.key.kid)
    assert.equal(made.key.public_jwk !== null && 'd' in made.key.public_jwk, false, 'private member printed')

    const again = await tessera(['keys', 'generate'], env)
    assert.equal(again.code, 0, again.stderr)
    const [kid, algorithm, state] = again.stdout.trim().split('\t')
    assert.deepEqual([kid, algorithm, state], [made.key.kid, 'ES256', 'active'])
  })

  it('keys rotate adds an active key and retires the previous one, which list shows as retired until its window ends', async () => {
    const before = JSON.parse((await tessera(['keys', 'list', '--json'], env)).stdout) as { data: KeyDocument[] }
    const rotated = await tessera(['keys', 'rotate', '--json'], env)
    assert.equal(rotated.code, 0, rotated.stderr)
    const fresh = JSON.parse(rotated.stdout) as KeyDocument
    assert.equal(fresh.state, 'active')
    assert.ok(!before.data.some((key) => key.kid === fresh.kid))

    const listed = JSON.parse((await tessera(['keys', 'list', '--json'], env)).stdout) as { data: KeyDocument[] }
    assert.equal(listed.data.length, before.data.length + 1)
    assert.deepEqual(listed.data.filter((key) => key.state === 'active').map((key) => key.kid), [fresh.kid])
    const retired = listed.data.find((key) => key.kid === before.data[0]!.kid)!
    assert.equal(retired.state, 'retired')
    // Default ACCESS_TOKEN_TTL 15 min, JWT_LEEWAY 0, plus 2 s for every instance to hear of the rotation.
    assert.equal(Date.parse(retired.verifies_until!) - Date.parse(retired.retired_at!), 15 * 60_000 + 2000)

    const lines = (await tessera(['keys', 'list'], env)).stdout.trim().split('\n').map((line) => line.split('\t'))
    assert.equal(lines.length, listed.data.length)
    const retiredLine = lines.find((fields) => fields[0] === retired.kid)!
    assert.equal(retiredLine[2], `retired until ${retired.verifies_until}`)
    assert.equal(retiredLine[4], retired.retired_at)
    assert.equal(lines.find((fields) => fields[0] === fresh.kid)![4], '-')
  })

  it('a changed JWT_ALGORITHM: rotate makes a key of the new algorithm', async () => {
    const rotated = await tessera(['keys', 'rotate', '--json'], { ...env, JWT_ALGORITHM: 'EdDSA' })
    assert.equal(rotated.code, 0, rotated.stderr)
    assert.equal((JSON.parse(rotated.stdout) as KeyDocument).algorithm, 'EdDSA')
  })

  it('--help describes each command and exits 0; a stray flag is a usage error (2)', async () => {
    for (const command of ['generate', 'rotate', 'list']) {
      const help = await tessera(['keys', command, '--help'], env)
      assert.equal(help.code, 0)
      assert.match(help.stdout, new RegExp(`^Usage: tessera keys ${command}`))
    }
    assert.equal((await tessera(['keys', 'rotate', '--force'], env)).code, 2)
  })
})

describe('tessera keys with a key pinned by the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-pinned-'))
  const url = `sqlite:${join(dir, 'tessera.db')}`
  after(() => rmSync(dir, { recursive: true, force: true }))
  const keyFile = join(dir, 'ed25519.pem')
  writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }))

  for (const [name, env, variable] of [
    ['JWT_SECRET', { DATABASE_URL: url, JWT_SECRET: TEST_JWT_SECRET }, 'JWT_SECRET'],
    ['JWT_PRIVATE_KEY_FILE', { DATABASE_URL: url, JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: keyFile }, 'JWT_PRIVATE_KEY_FILE'],
  ] as const) {
    it(`${name}: rotate and generate refuse with exit 1 and say how to move to database keys; list shows the pinned key`, async () => {
      for (const command of ['rotate', 'generate']) {
        const refused = await tessera(['keys', command, '--json'], env)
        assert.equal(refused.code, 1, refused.stdout)
        assert.match(refused.stderr, new RegExp(`pinned by ${variable}.*unset ${variable}`))
        assert.equal(JSON.parse(refused.stdout).error.code, 'forbidden')
      }
      const listed = JSON.parse((await tessera(['keys', 'list', '--json'], env)).stdout) as { data: KeyDocument[] }
      assert.equal(listed.data.length, 1)
      assert.equal(listed.data[0]!.state, 'active')
      assert.equal(listed.data[0]!.created_at, null)
    })
  }
})
