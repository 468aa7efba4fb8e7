import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { KIND_SPECS } from './kinds.js'
import { loadMailTemplates, MAIL_KINDS, SUPPORTED_LOCALES, type MailKind, type MailVars } from './index.js'

const templates = loadMailTemplates()

const HOSTILE_NAME = '<script>alert(1)</script> "><img src=x onerror=alert(2)>'
const HOSTILE_PASSKEY = '"><img src=x onerror=alert(3)><b>'
const LINK = 'https://app.example/verify-email?token=Abc_123-xyz&lang=en'
const TIME = '2026-12-01T12:38:04.000Z'

/** What a caller gives for `kind`: every variable the kind requires, with hostile values where a person chooses them. */
function varsFor(kind: MailKind, name = HOSTILE_NAME): MailVars {
  const required = KIND_SPECS[kind].required
  return {
    app_name: 'Acme & Co',
    name,
    ...(required.includes('link') ? { link: LINK, expires_in_seconds: 86_400 } : {}),
    ...(required.includes('new_email') ? { new_email: 'new.address@example.com' } : {}),
    ...(required.includes('time') ? { time: TIME } : {}),
    ...(required.includes('passkey_name') ? { passkey_name: HOSTILE_PASSKEY } : {}),
  }
}

describe('every kind in every locale', () => {
  for (const locale of SUPPORTED_LOCALES) {
    for (const kind of MAIL_KINDS) {
      it(`${kind} in ${locale} renders a subject, text and escaped HTML`, () => {
        const vars = varsFor(kind)
        const mail = templates.render(kind, locale, vars)
        for (const part of ['subject', 'text', 'html'] as const) {
          assert.ok(mail[part].trim().length > 0, `${part} is empty`)
          assert.doesNotMatch(mail[part], /\{\{|\}\}/, `${part} has a leftover tag`)
        }
        assert.doesNotMatch(mail.subject, /[\r\n]/)
        assert.match(mail.subject, /Acme & Co/, 'the subject names the app')
        assert.match(mail.html, new RegExp(`<html lang="${locale}">`))
        // The hostile name is text in the HTML part, never markup; the text part is plain.
        assert.ok(!mail.html.includes('<script') && !mail.html.includes('<img') && !mail.html.includes('<b>'), 'HTML carries markup from a variable')
        assert.doesNotMatch(mail.html, /<[^>]*onerror/, 'a variable opened an attribute')
        assert.ok(mail.html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(2)&gt;'), 'HTML lacks the escaped name')
        assert.ok(mail.text.includes(HOSTILE_NAME), 'text lacks the name as it is')
        assert.ok(mail.html.includes('Acme &amp; Co'))
        if (vars.link) {
          assert.ok(mail.text.includes(LINK), 'text lacks the link')
          assert.ok(mail.html.includes(`href="${LINK.replace('&', '&amp;')}"`), 'HTML lacks the button link')
          assert.ok(mail.html.includes(`>${LINK.replace('&', '&amp;')}</a>`), 'HTML lacks the raw link as text')
        } else {
          assert.ok(!mail.html.includes('href='), 'a mail without a link has none')
        }
        if (vars.new_email) assert.ok(mail.text.includes('new.address@example.com'))
        if (vars.passkey_name) {
          assert.ok(mail.text.includes(HOSTILE_PASSKEY))
          assert.ok(mail.html.includes('&quot;&gt;&lt;img src=x onerror=alert(3)&gt;&lt;b&gt;'))
        }
      })
    }
  }
})

describe('formatting per locale', () => {
  const lifetimes = { 'en': '24 hours', 'pt-BR': '24 horas', 'zh-CN': '24小时', 'ja': '24 時間', 'ko': '24시간' }
  for (const [locale, expected] of Object.entries(lifetimes)) {
    it(`writes a 24-hour link lifetime as "${expected}" in ${locale}`, () => {
      const mail = templates.render('verify_email', locale, varsFor('verify_email', 'Ana'))
      assert.ok(mail.text.includes(expected), mail.text)
      assert.ok(mail.html.includes(expected))
    })
  }

  it('writes other lifetimes in their largest exact unit', () => {
    const vars = { ...varsFor('password_reset', 'Ana'), expires_in_seconds: 5400 }
    assert.ok(templates.render('password_reset', 'en', vars).text.includes('90 minutes'))
    assert.ok(templates.render('password_reset', 'pt-BR', { ...vars, expires_in_seconds: 3600 }).text.includes('1 hora'))
    assert.ok(templates.render('password_reset', 'en', { ...vars, expires_in_seconds: 7 * 86_400 }).text.includes('7 days'))
  })

  const times = { 'en': 'December 1, 2026 at 12:38:04 PM UTC', 'pt-BR': '1 de dezembro de 2026 às 12:38:04 UTC', 'zh-CN': '2026年12月1日', 'ja': '2026年12月1日 12:38:04 UTC', 'ko': '2026년 12월 1일 12시 38분 4초 UTC' }
  for (const [locale, expected] of Object.entries(times)) {
    it(`writes the time of a notice in UTC as "${expected}" in ${locale}`, () => {
      const mail = templates.render('password_changed', locale, varsFor('password_changed', 'Ana'))
      assert.ok(mail.text.includes(expected), mail.text)
    })
  }

  it('shows a name that looks like a template as it is, never rendering it', () => {
    const name = '{{app_name}} {{{link}}} {{#x}}'
    const mail = templates.render('password_reset', 'en', varsFor('password_reset', name))
    assert.ok(mail.text.includes(`Hi ${name},`))
    assert.ok(mail.html.includes(`Hi ${name},`))
  })

  it('greets without a name when the account has none', () => {
    const mail = templates.render('password_changed', 'en', varsFor('password_changed', '  '))
    assert.match(mail.text, /^Hi,\n/)
  })
})

describe('render refuses a programming error', () => {
  it('throws for a kind that needs a link and gets none', () => {
    for (const kind of ['verify_email', 'email_change_confirm', 'password_reset'] as const) {
      const { link: _link, ...vars } = varsFor(kind)
      assert.throws(() => templates.render(kind, 'en', vars), /needs vars\.link/)
    }
  })

  it('throws for a notice without its time, or with a time that is not ISO 8601', () => {
    const { time: _time, ...vars } = varsFor('password_changed')
    assert.throws(() => templates.render('password_changed', 'en', vars), /needs vars\.time/)
    assert.throws(() => templates.render('password_changed', 'en', { ...vars, time: 'yesterday' }), /ISO 8601/)
  })

  it('throws for a passkey notice without the passkey name, and an email change without the new address', () => {
    const { passkey_name: _name, ...passkey } = varsFor('passkey_added')
    assert.throws(() => templates.render('passkey_added', 'en', passkey), /needs vars\.passkey_name/)
    const { new_email: _email, ...change } = varsFor('email_change_notice')
    assert.throws(() => templates.render('email_change_notice', 'en', change), /needs vars\.new_email/)
  })

  it('throws for a link that is not http(s), an unknown kind and a missing app name', () => {
    assert.throws(() => templates.render('verify_email', 'en', { ...varsFor('verify_email'), link: 'javascript:alert(1)' }), /http\(s\)/)
    assert.throws(() => templates.render('verify_email', 'en', { ...varsFor('verify_email'), link: '/relative' }), /absolute URL/)
    assert.throws(() => templates.render('welcome' as MailKind, 'en', varsFor('verify_email')), /unknown mail kind "welcome"/)
    assert.throws(() => templates.render('verify_email', 'en', { ...varsFor('verify_email'), app_name: '' }), /app_name/)
    assert.throws(() => templates.render('verify_email', 'en', { ...varsFor('verify_email'), expires_in_seconds: -1 }), /expires_in_seconds/)
  })
})

describe('render picks the locale', () => {
  it('matches a tag by language and falls back to English', () => {
    assert.match(templates.render('password_reset', 'pt', varsFor('password_reset')).html, /<html lang="pt-BR">/)
    assert.match(templates.render('password_reset', 'zh-Hans', varsFor('password_reset')).html, /<html lang="zh-CN">/)
    assert.match(templates.render('password_reset', 'de-DE', varsFor('password_reset')).html, /<html lang="en">/)
  })
})

describe('translations', () => {
  /** A letter of the locale's own script, so a subject left in English (or in the wrong CJK language) fails. */
  const SCRIPT: Record<string, RegExp> = {
    'pt-BR': /[ãõçáéíóúâêô]|\b(sua|seu|conta|senha)\b/i,
    'zh-CN': /^[^\u3040-\u30ff\uac00-\ud7af]*[\u4e00-\u9fff][^\u3040-\u30ff\uac00-\ud7af]*$/,
    'ja': /[\u3040-\u30ff]/,
    'ko': /[\uac00-\ud7af]/,
  }
  for (const locale of SUPPORTED_LOCALES.filter((tag) => tag !== 'en')) {
    it(`${locale} has its own subject and text for every kind, in its own language`, () => {
      for (const kind of MAIL_KINDS) {
        const english = templates.render(kind, 'en', varsFor(kind, 'Ana'))
        const mail = templates.render(kind, locale, varsFor(kind, 'Ana'))
        assert.notEqual(mail.subject, english.subject, `${kind} subject is the English one`)
        assert.match(mail.subject, SCRIPT[locale]!, `${kind} subject: ${mail.subject}`)
        const firstParagraph = mail.text.split('\n\n')[1] ?? ''
        assert.notEqual(firstParagraph, english.text.split('\n\n')[1], `${kind} text is the English one`)
        assert.match(firstParagraph, SCRIPT[locale]!, `${kind} text: ${firstParagraph}`)
      }
    })
  }
})
