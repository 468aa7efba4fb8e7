import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto'
import { argon2Parameters, passwordHashFormat, verifyLegacyHash } from './legacy-hashes.js'

const PASSWORD = 'correct horse battery staple'
const WRONG = 'correct horse battery stapler'

/** passlib's "adapted base64": standard alphabet with `.` for `+`, no padding. */
const ab64 = (bytes: Buffer) => bytes.toString('base64').replaceAll('+', '.').replace(/=+$/, '')

/** `pbkdf2_sha256.hash(password)` as passlib writes it. */
function passlibPbkdf2Sha256(password: string, rounds = 29000, salt = randomBytes(16)): string {
  return `$pbkdf2-sha256$${rounds}$${ab64(salt)}$${ab64(pbkdf2Sync(password, salt, rounds, 32, 'sha256'))}`
}

/** `generate_password_hash(password, 'pbkdf2:<digest>:<iterations>')` as werkzeug writes it: the salt is text, used as UTF-8. */
function werkzeugPbkdf2(password: string, digest: string, iterations: number, keyLength: number, method = `pbkdf2:${digest}:${iterations}`): string {
  const salt = 'aB3dE5gH7jK9mN1p'
  return `${method}$${salt}$${pbkdf2Sync(password, salt, iterations, keyLength, digest).toString('hex')}`
}

/** `generate_password_hash(password, 'scrypt:<n>:<r>:<p>')` as werkzeug writes it (dklen 64). */
function werkzeugScrypt(password: string, n: number, r: number, p: number, method = `scrypt:${n}:${r}:${p}`): string {
  const salt = 'Zq8xW2vT4uR6sY0o'
  return `${method}$${salt}$${scryptSync(password, salt, 64, { N: n, r, p, maxmem: 132 * n * r * p + 2 ** 20 }).toString('hex')}`
}

/** Published bcrypt vectors: jBCrypt/OpenBSD ($2a$), pyca/bcrypt ($2b$), PHP's crypt() manual ($2y$). */
const BCRYPT_VECTORS: Array<[password: string, hash: string]> = [
  ['', '$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.'],
  ['abc', '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i'],
  ['~!@#$%^&*()      ~!@#$%^&*()PNBFRD', '$2a$06$fPIsBO8qRqkjj273rfaOI.HtSV9jLDpTbZn782DC6/t7qT67P6FfO'],
  ['U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
  ['Kk4DQuMMfZL9o', '$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm'],
  ['9IeRXmnGxMYbs', '$2b$04$pQ7gRO7e6wx/936oXhNjrOUNOHL1D0h1N2IDbJZYs.1ppzSof6SPy'],
  ['rasmuslerdorf', '$2y$07$BCryptRequires22Chrcte/VlQH0piJtjXl.0t1XkA8pw9dMXTpOq'],
]

describe('legacy password hashes', () => {
  it('verifies passlib pbkdf2_sha256 and refuses a wrong password', () => {
    const hash = passlibPbkdf2Sha256(PASSWORD)
    assert.equal(passwordHashFormat(hash), 'passlib-pbkdf2-sha256')
    assert.equal(verifyLegacyHash(hash, PASSWORD), true)
    assert.equal(verifyLegacyHash(hash, WRONG), false)
    // A salt whose base64 holds a `+` (written `.` by passlib) and an empty salt both decode right.
    const dotted = passlibPbkdf2Sha256(PASSWORD, 1000, Buffer.from([0xfb, 0xef, 0xbe, 0xfb]))
    assert.match(dotted, /\$[^$]*\.[^$]*\$[^$]+$/)
    assert.equal(verifyLegacyHash(dotted, PASSWORD), true)
    assert.equal(verifyLegacyHash(passlibPbkdf2Sha256(PASSWORD, 1000, Buffer.alloc(0)), PASSWORD), true)
  })

  it('verifies werkzeug pbkdf2 with sha256, sha1 and sha512, and with the count left out as werkzeug reads it', () => {
    const cases: Array<[string, string]> = [
      [werkzeugPbkdf2(PASSWORD, 'sha256', 600_000, 32), 'pbkdf2:sha256:600000'],
      [werkzeugPbkdf2(PASSWORD, 'sha1', 1000, 20), 'pbkdf2:sha1:1000'],
      [werkzeugPbkdf2(PASSWORD, 'sha512', 1000, 64), 'pbkdf2:sha512:1000'],
      // werkzeug 3 fills in its default (1,000,000) and sha256 for what the method leaves out.
      [werkzeugPbkdf2(PASSWORD, 'sha256', 1_000_000, 32, 'pbkdf2:sha256'), 'pbkdf2:sha256'],
      [werkzeugPbkdf2(PASSWORD, 'sha256', 1_000_000, 32, 'pbkdf2'), 'pbkdf2'],
    ]
    for (const [hash, method] of cases) {
      assert.equal(passwordHashFormat(hash), 'werkzeug-pbkdf2', method)
      assert.equal(verifyLegacyHash(hash, PASSWORD), true, method)
      assert.equal(verifyLegacyHash(hash, WRONG), false, method)
    }
  })

  it('verifies werkzeug scrypt, with explicit and default parameters', () => {
    for (const hash of [werkzeugScrypt(PASSWORD, 2 ** 15, 8, 1), werkzeugScrypt(PASSWORD, 16, 2, 3), werkzeugScrypt(PASSWORD, 2 ** 15, 8, 1, 'scrypt')]) {
      assert.equal(passwordHashFormat(hash), 'werkzeug-scrypt', hash)
      assert.equal(verifyLegacyHash(hash, PASSWORD), true, hash)
      assert.equal(verifyLegacyHash(hash, WRONG), false, hash)
    }
  })

  it('verifies published bcrypt vectors for $2a$, $2b$ and $2y$', () => {
    for (const [password, hash] of BCRYPT_VECTORS) {
      assert.equal(passwordHashFormat(hash), 'bcrypt', hash)
      assert.equal(verifyLegacyHash(hash, password), true, hash)
      assert.equal(verifyLegacyHash(hash, `${password}x`), false, hash)
    }
  })

  it('uses the password exactly as typed: an NFD password does not match its NFC form', () => {
    const nfd = 'cafe\u0301 au lait'
    const hash = passlibPbkdf2Sha256(nfd, 1000)
    assert.equal(verifyLegacyHash(hash, nfd), true)
    assert.equal(verifyLegacyHash(hash, nfd.normalize('NFC')), false)
  })

  it('recognises argon2 PHC strings but leaves their verification to argon2 itself', () => {
    const argon2id = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ZHVtbXloYXNoZHVtbXloYXNoZHVtbXloYXNoZHVtbXk'
    assert.equal(passwordHashFormat(argon2id), 'argon2')
    assert.deepEqual(argon2Parameters(argon2id), { variant: 'id', version: 19, memoryCost: 19456, timeCost: 2, parallelism: 1 })
    assert.equal(passwordHashFormat(argon2id.replace('argon2id', 'argon2i')), 'argon2')
    assert.equal(verifyLegacyHash(argon2id, PASSWORD), false)
  })

  it('never verifies malformed or unknown strings, and never throws on them', () => {
    const good = passlibPbkdf2Sha256(PASSWORD, 1000)
    const werkzeug = werkzeugPbkdf2(PASSWORD, 'sha256', 1000, 32)
    const malformed = [
      '',
      PASSWORD, // plaintext is never stored, so it is never a hash
      'plain$$correct horse battery staple',
      'sha1$salt$' + 'a'.repeat(40), // werkzeug's old salted HMAC, not supported
      '$pbkdf2-sha512$1000$c2FsdA$' + 'A'.repeat(86),
      good.slice(0, -1), // checksum one character short
      good.replace('$1000$', '$01000$'), // passlib refuses zero-padded rounds
      good.replace('$1000$', '$0$'),
      werkzeug.toUpperCase(),
      werkzeug.replace(/[0-9a-f]$/, 'g'), // not hex
      werkzeug.slice(0, -2), // too short for sha256
      werkzeug.replace('pbkdf2:sha256:1000', 'pbkdf2:md5:1000'),
      werkzeug.replace('pbkdf2:sha256:1000', 'pbkdf2:sha256:1000:7'),
      werkzeug.replace('pbkdf2:sha256:1000', 'pbkdf2:sha256:'),
      werkzeug.replace('pbkdf2:sha256:1000', 'pbkdf2:sha256:-5'),
      werkzeug.replace('pbkdf2:sha256:1000', 'pbkdf2:sha256:0'),
      werkzeug + '$extra',
      'scrypt:32768:8$salt$' + 'ab'.repeat(64), // werkzeug wants all three or none
      'scrypt:1000:8:1$salt$' + 'ab'.repeat(64), // n not a power of two
      '$2b$10$' + 'a'.repeat(52), // one character short
      '$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', // crypt_blowfish's buggy variant
      '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA',
    ]
    for (const hash of malformed) {
      assert.equal(passwordHashFormat(hash), undefined, hash)
      assert.equal(verifyLegacyHash(hash, PASSWORD), false, hash)
    }
  })

  it('refuses parameters beyond its limits, so a hostile row cannot pin a thread', () => {
    const salt = ab64(randomBytes(16))
    const checksum = ab64(randomBytes(32))
    const outOfBounds = [
      `$pbkdf2-sha256$10000001$${salt}$${checksum}`,
      `pbkdf2:sha256:10000001$salt$${'ab'.repeat(32)}`,
      `pbkdf2:sha256:99999999999999999999$salt$${'ab'.repeat(32)}`,
      `scrypt:${2 ** 21}:1:1$salt$${'ab'.repeat(64)}`, // n above 2^20
      `scrypt:${2 ** 20}:8:1$salt$${'ab'.repeat(64)}`, // 1 GiB of memory
      `scrypt:${2 ** 15}:8:64$salt$${'ab'.repeat(64)}`, // n·r·p = 2^24
      `$2b$17$${'a'.repeat(53)}`,
      `$2b$31$${'a'.repeat(53)}`,
      `$2b$03$${'a'.repeat(53)}`,
      '$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$ZHVtbXloYXNo',
      '$argon2id$v=19$m=19456,t=1000,p=1$c29tZXNhbHQ$ZHVtbXloYXNo',
    ]
    for (const hash of outOfBounds) {
      assert.equal(passwordHashFormat(hash), undefined, hash)
      assert.equal(verifyLegacyHash(hash, PASSWORD), false, hash)
    }
    // The largest accepted parameters are still recognised (and then simply do not match).
    assert.equal(passwordHashFormat(`$pbkdf2-sha256$10000000$${salt}$${checksum}`), 'passlib-pbkdf2-sha256')
    assert.equal(passwordHashFormat(`scrypt:${2 ** 20}:1:8$salt$${'ab'.repeat(64)}`), 'werkzeug-scrypt')
    assert.equal(passwordHashFormat(`$2b$16$${'a'.repeat(53)}`), 'bcrypt')
  })
})

/** The Python this machine's Debian packages installed passlib, werkzeug and bcrypt for (not a pyenv one). */
const PYTHON = '/usr/bin/python3'
const PYTHON_HASHES = String.raw`
import hashlib, json, sys
from passlib.hash import pbkdf2_sha256
from werkzeug.security import generate_password_hash
import bcrypt
password = sys.stdin.read()
hashes = {
    'passlib pbkdf2_sha256': pbkdf2_sha256.hash(password),
    'werkzeug default': generate_password_hash(password),
    'werkzeug pbkdf2:sha1': generate_password_hash(password, 'pbkdf2:sha1:1000'),
    'werkzeug pbkdf2:sha512': generate_password_hash(password, 'pbkdf2:sha512:1000'),
    'Flask-Bcrypt $2b$': bcrypt.hashpw(password.encode('utf-8'), bcrypt.gensalt(10)).decode(),
    'bcrypt $2a$': bcrypt.hashpw(password.encode('utf-8'), bcrypt.gensalt(4, prefix=b'2a')).decode(),
}
try:
    hashes['werkzeug scrypt'] = generate_password_hash(password, 'scrypt')
except Exception:
    # werkzeug before 2.3 has no scrypt: the same computation werkzeug 3 makes, through hashlib.
    salt = 'Zq8xW2vT4uR6sY0o'
    hashes['werkzeug 3 scrypt via hashlib'] = 'scrypt:32768:8:1$%s$%s' % (salt, hashlib.scrypt(password.encode(), salt=salt.encode(), n=32768, r=8, p=1, maxmem=132*32768*8).hex())
print(json.dumps(hashes))
`

function pythonLibrariesMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import passlib, werkzeug, bcrypt'], { encoding: 'utf8' })
  if (probe.error) return `${PYTHON} not found`
  if (probe.status !== 0) return `${PYTHON} cannot import passlib, werkzeug and bcrypt (apt-get install python3-passlib python3-werkzeug python3-bcrypt)`
  return undefined
}

describe('hashes written by the real Python libraries', () => {
  const missing = pythonLibrariesMissing()
  it('verifies what passlib, werkzeug and bcrypt wrote, including a non-ASCII password', { skip: missing }, () => {
    const password = 'pässwörd ☃ 🔑 correct horse'
    const run = spawnSync(PYTHON, ['-c', PYTHON_HASHES], { input: password, encoding: 'utf8' })
    assert.equal(run.status, 0, run.stderr)
    const hashes = JSON.parse(run.stdout) as Record<string, string>
    assert.ok(Object.keys(hashes).length >= 7)
    for (const [name, hash] of Object.entries(hashes)) {
      assert.notEqual(passwordHashFormat(hash), undefined, `${name}: ${hash}`)
      assert.equal(verifyLegacyHash(hash, password), true, `${name}: ${hash}`)
      assert.equal(verifyLegacyHash(hash, `${password}!`), false, `${name}: ${hash}`)
    }
  })
})
