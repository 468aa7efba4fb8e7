// Every relative link in README.md and docs/*.md names a file the repository has, and no doc
// sends readers to an API.md the repository never had (it is docs/api.md). @see issue 13
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { ROOT } from '../helpers/paths.js'

const DOCS = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => join(ROOT, 'docs', name))]

/** Markdown link targets outside fenced code blocks: `[text](target)` and `[text]: target`. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '')
  const inline = [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]!)
  const reference = [...prose.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((match) => match[1]!)
  return [...inline, ...reference]
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target)

describe('documentation links', () => {
  for (const file of DOCS) {
    const name = relative(ROOT, file)
    it(`every relative link in ${name} resolves to a file in the repository`, () => {
      const broken = linkTargets(readFileSync(file, 'utf8'))
        .filter((target) => !isExternal(target) && !target.startsWith('#'))
        .map((target) => decodeURIComponent(target.split('#')[0]!))
        .filter((path) => !existsSync(resolve(dirname(file), path)))
      assert.deepEqual(broken, [], `${name} links to missing files`)
    })
  }

  it('no doc refers readers to API.md, which is not in the repository (the reference is docs/api.md)', () => {
    const citing = DOCS.filter((file) => /\bAPI\.md\b/.test(readFileSync(file, 'utf8'))).map((file) => relative(ROOT, file))
    assert.deepEqual(citing, [])
  })

  it('docs/api.md lists every route of the server', () => {
    const reference = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8')
    for (const route of ['/auth/register', '/auth/login', '/auth/refresh', '/auth/logout', '/auth/me', '/auth/password', '/auth/sessions', '/admin/users', '/.well-known/jwks.json', '/health', '/metrics', '/openapi.json']) {
      assert.ok(reference.includes(route), `docs/api.md does not mention ${route}`)
    }
  })
})
