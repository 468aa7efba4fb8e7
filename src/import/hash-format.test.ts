import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { passwordHashFormat } from './hash-format.js'

const BCRYPT = '$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC'
const HEX64 = 'a'.repeat(64)

describe('password hash formats', () => {
  const known: Array<[string, string]> = [
    ['$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG', 'argon2'],
    ['$argon2i$m=4096,t=3,p=1$c29tZXNhbHQ$iWh06vD8Fy27wf9npn6FXWiCX4K6pW6Ue1Bnzz07Z8A', 'argon2'],
    ['$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ', 'passlib-pbkdf2-sha256'],
    [`pbkdf2:sha256:600000$Ab3dEf6hIj9kLm2n$${HEX64}`, 'werkzeug-pbkdf2'],
    // werkzeug's other digests, and its method string without a count (werkzeug 3.1 reads 1,000,000).
    [`pbkdf2:sha512:600000$salt$${'c'.repeat(128)}`, 'werkzeug-pbkdf2'],
    [`pbkdf2:sha256$salt$${HEX64}`, 'werkzeug-pbkdf2'],
    [`scrypt:32768:8:1$Ab3dEf6hIj9kLm2n$${'0f'.repeat(64)}`, 'werkzeug-scrypt'],
    [BCRYPT, 'bcrypt'],
    [BCRYPT.replace('$2a$', '$2b$'), 'bcrypt'],
    [BCRYPT.replace('$2a$', '$2y$'), 'bcrypt'],
  ]
  for (const [hash, format] of known) {
    it(`recognises ${format}: ${hash.slice(0, 24)}…`, () => assert.equal(passwordHashFormat(hash), format))
  }

  const unknown: Array<[string, string]> = [
    ['plaintext', 'correct horse battery staple'],
    ['an MD5 hex digest', '5f4dcc3b5aa765d61d8327deb882cf99'],
    ["werkzeug 0.x's salted sha1", `sha1$abcd$${'b'.repeat(40)}`],
    ['werkzeug pbkdf2 with a short digest', `pbkdf2:sha256:1000$salt$${'a'.repeat(63)}`],
    ["Django's pbkdf2", `pbkdf2_sha256$260000$salt$${'A'.repeat(44)}`],
    ['bcrypt cut short', BCRYPT.slice(0, -1)],
    ['bcrypt $2x$', BCRYPT.replace('$2a$', '$2x$')],
    ['passlib pbkdf2 with a short checksum', '$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68'],
    ['a hash with a trailing newline', `${BCRYPT}\n`],
    ['the empty string', ''],
  ]
  for (const [name, hash] of unknown) {
    it(`does not recognise ${name}`, () => assert.equal(passwordHashFormat(hash), undefined))
  }
})
