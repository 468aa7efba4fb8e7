import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { emailProblem, fullNameProblem, normalizeEmail, normalizeUsername, passwordProblem, usernameKey, usernameProblem } from './identifiers.js'

describe('emails', () => {
  it('are NFC, trimmed and lower-cased', () => {
    assert.equal(normalizeEmail('  JOSE\u0301@Example.COM '), 'jos\u00e9@example.com')
  })
  it('refuse controls, format characters, U+FFFD, fullwidth forms and mixed Latin/Cyrillic/Greek parts', () => {
    for (const bad of ['a\u0000@example.com', 'a\u200b@example.com', 'a\u202e@example.com', 'a\ufffd@example.com', '\uff41dmin@example.com', '\u0430dmin@example.com', 'admin@ex\u0430mple.com', 'not an email']) {
      assert.ok(emailProblem(bad), JSON.stringify(bad))
    }
    for (const good of ['ada@example.com', 'jos\u00e9@example.com', '\u043f\u043e\u0447\u0442\u0430@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444', '\u5c71\u7530@example.jp']) {
      assert.equal(emailProblem(good), undefined, good)
    }
  })
})

describe('usernames (RFC 8265)', () => {
  it('allow Unicode letters and digits', () => {
    for (const good of ['José_004', 'müller', '山田', 'ada.l-ove', '_ada', '山田', '김민']) assert.equal(usernameProblem(good), undefined, good)
  })
  it('width-map, case-map and NFC into one key', () => {
    assert.equal(normalizeUsername('\uff21\uff44\uff41'), 'Ada')
    assert.equal(usernameKey('JOSE\u0301'), usernameKey('jos\u00e9'))
    assert.equal(usernameKey('\uff2a\uff4f\uff53\uff45'), 'jose')
  })
  it('refuse spaces, symbols, @, a leading dot or dash, compatibility characters and mixed scripts', () => {
    for (const bad of ['ab', '山', 'a b c', 'ada@x', '.ada', '-ada', 'ada\u2603', '\ufb01nance', 'p\u0430ypal', 'ada\u200d', 'x'.repeat(33)]) {
      assert.ok(usernameProblem(bad), JSON.stringify(bad))
    }
  })
})

describe('full names and passwords', () => {
  it('full names refuse controls and format characters, nothing else', () => {
    assert.equal(fullNameProblem('Ada Lovelace, Countess of Lovelace'), undefined)
    assert.ok(fullNameProblem('Ada\u0000'))
    assert.ok(fullNameProblem('Ada\u202e'))
    assert.ok(fullNameProblem(''))
  })
  it('passwords are 8 to 128 characters after NFC, any characters', () => {
    assert.equal(passwordProblem('pass\u0000word'), undefined)
    assert.ok(passwordProblem('short'))
    assert.equal(passwordProblem('e\u0301'.repeat(128)), undefined) // 256 code points in NFD, 128 in NFC
  })
})
