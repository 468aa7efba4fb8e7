// The import graph of src/: no circle, and layers that point one way (docs/architecture.md,
// "Dependencies point one way"). Our own check rather than madge, so no new dependency: the
// sources are parsed with the TypeScript compiler the build already uses, which sees every
// `import … from`, `export … from`, side-effect `import '…'`, dynamic `import('…')` and type
// position `import('…').T`, and nothing inside comments or strings.
// @see issue 15 ("Done when": the import graph shows no circle and no import from a lower layer to a higher one)
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { ROOT } from '../helpers/paths.js'

interface Edge {
  from: string
  /** A repository path (`src/...`) for a relative specifier, else the specifier itself (`fastify`, `node:fs`). */
  to: string
  /** `import type` / `export type` / `import('…').T`: erased at build, but still a dependency of the design. */
  typeOnly: boolean
  /** A relative specifier that names no file. */
  unresolved: boolean
}

/** Every source file of the package: src/**\/*.ts and *.js, without the unit tests beside them. */
function sourceFiles(): string[] {
  const found: string[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (/\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) found.push(path)
    }
  }
  walk('src')
  return found.sort()
}

/** `./x.js` is the compiled name of `./x.ts` (NodeNext): resolved to the .ts when there is one. */
function resolveSpecifier(from: string, specifier: string): { to: string; unresolved: boolean } {
  if (!specifier.startsWith('.')) return { to: specifier, unresolved: false }
  const target = relative(ROOT, resolve(ROOT, dirname(from), specifier))
  const asTs = target.replace(/\.js$/, '.ts')
  if (asTs !== target && existsSync(join(ROOT, asTs))) return { to: asTs, unresolved: false }
  return { to: target, unresolved: !existsSync(join(ROOT, target)) }
}

function importsOf(file: string): Edge[] {
  const text = readFileSync(join(ROOT, file), 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS)
  const edges: Edge[] = []
  const add = (specifier: string, typeOnly: boolean) => edges.push({ from: file, ...resolveSpecifier(file, specifier), typeOnly })
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      // `import { type A } from` is not type-only: with verbatimModuleSyntax it stays `import {} from`, a real load.
      add(node.moduleSpecifier.text, node.importClause?.isTypeOnly === true)
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly)
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments
      if (argument !== undefined && ts.isStringLiteralLike(argument)) add(argument.text, false)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return edges
}

const FILES = sourceFiles()
const EDGES = FILES.flatMap(importsOf)
/** Edges between our own files. */
const OURS = EDGES.filter((edge) => edge.to.startsWith('src/'))

/**
 * The circles of the graph: its strongly connected components of more than one file (or a file
 * importing itself), each reported as one concrete path around it. Type-only imports count: a
 * circle through `import type` is erased at run time but is still two modules that each need the
 * other to be understood or moved, which is what the rule is about.
 */
function cycles(): string[][] {
  const next = new Map<string, string[]>()
  for (const file of FILES) next.set(file, [])
  for (const edge of OURS) next.get(edge.from)?.push(edge.to)
  let counter = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const components: string[][] = []
  const connect = (file: string) => {
    index.set(file, counter)
    low.set(file, counter)
    counter++
    stack.push(file)
    onStack.add(file)
    for (const to of next.get(file) ?? []) {
      if (!index.has(to)) {
        connect(to)
        low.set(file, Math.min(low.get(file)!, low.get(to)!))
      } else if (onStack.has(to)) low.set(file, Math.min(low.get(file)!, index.get(to)!))
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = []
      let member: string
      do {
        member = stack.pop()!
        onStack.delete(member)
        component.push(member)
      } while (member !== file)
      if (component.length > 1 || (next.get(file) ?? []).includes(file)) components.push(component)
    }
  }
  for (const file of FILES) if (!index.has(file)) connect(file)
  // One shortest way around each component, from its first file back to it (breadth-first inside it).
  return components.map((component) => {
    const members = new Set(component)
    const start = [...component].sort()[0]!
    const came = new Map<string, string>()
    const queue = [start]
    while (queue.length > 0) {
      const file = queue.shift()!
      for (const to of next.get(file) ?? []) {
        if (!members.has(to)) continue
        if (to === start) {
          const path = [file]
          while (path[0] !== start) path.unshift(came.get(path[0]!)!)
          return [...path, start]
        }
        if (!came.has(to)) {
          came.set(to, file)
          queue.push(to)
        }
      }
    }
    return [start, start]
  })
}

/** What starts and wires the process: above every layer, imported by none of them. */
const ROOTS = ['src/index.ts', 'src/main.ts', 'src/serve.ts', 'src/start.ts', 'src/cluster.ts', 'src/app.ts', 'src/plugin.ts']
const FASTIFY = /^(fastify|fastify-plugin|@fastify\/.*)$/

interface Rule {
  name: string
  /** The files the rule is about. */
  from: (file: string) => boolean
  /** True for an import the rule refuses. */
  refuses: (edge: Edge) => boolean
}

const under = (...prefixes: string[]) => (path: string) => prefixes.some((prefix) => (prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix))
const ours = (edge: Edge) => edge.to.startsWith('src/')

/**
 * Today the client's only server imports: the wire types, type-only, in types.ts (docs/client.md:
 * the client package carries no server code). A new one is a decision, to be added here.
 */
const CLIENT_TYPE_IMPORTS: Record<string, string[]> = {
  'src/client/types.ts': ['src/errors.ts', 'src/http/schemas/user.ts', 'src/http/schemas/token-response.ts'],
}

/** COMPAT_PROFILE's tables (src/compat/): pure data and their types, so config.ts may read them. */
const COMPAT_TABLES = ['src/compat/profile.ts', 'src/compat/profiles.ts', 'src/compat/profiles/']

/** docs/architecture.md, "Layout" and "Dependencies point one way": http/ -> services/ -> storage/, domain/ below all. */
const RULES: Rule[] = [
  {
    name: 'domain/ imports nothing of ours but itself',
    from: under('src/domain/'),
    refuses: (edge) => ours(edge) && !under('src/domain/')(edge.to),
  },
  {
    name: 'key-formats/ (key files and JWE_KEY, read by config.ts) imports nothing of ours but itself',
    from: under('src/key-formats/'),
    refuses: (edge) => ours(edge) && !under('src/key-formats/')(edge.to),
  },
  {
    name: 'errors.ts (the table of codes, thrown by every layer) imports nothing of ours',
    from: under('src/errors.ts'),
    refuses: ours,
  },
  {
    // config.ts re-exports config/ (the settings table, its parsers, loadConfig): one layer, one rule.
    name: 'config.ts and config/ (read by every layer) import only each other, domain/, key-formats/ and the compatibility profile tables',
    from: under('src/config.ts', 'src/config/'),
    refuses: (edge) => ours(edge) && !under('src/config.ts', 'src/config/', 'src/domain/', 'src/key-formats/', ...COMPAT_TABLES)(edge.to),
  },
  {
    name: 'the compatibility profile tables (data, read by config.ts) import nothing of ours but each other',
    from: under(...COMPAT_TABLES),
    refuses: (edge) => ours(edge) && !under(...COMPAT_TABLES)(edge.to),
  },
  {
    name: 'storage/ imports neither services/, http/, cli/, import/, client/, the roots nor fastify',
    from: under('src/storage/'),
    refuses: (edge) => under('src/services/', 'src/http/', 'src/cli/', 'src/import/', 'src/client/', ...ROOTS)(edge.to) || FASTIFY.test(edge.to),
  },
  {
    name: 'services/ imports neither http/, cli/, import/, client/, the roots nor fastify (type-only included)',
    from: under('src/services/'),
    refuses: (edge) => under('src/http/', 'src/cli/', 'src/import/', 'src/client/', ...ROOTS)(edge.to) || FASTIFY.test(edge.to),
  },
  {
    // The outbox, sender and transports sit beside storage: services enqueue through them, they never call a service.
    name: 'mail/ imports neither services/, http/, cli/, import/, client/, the roots nor fastify',
    from: under('src/mail/'),
    refuses: (edge) => under('src/services/', 'src/http/', 'src/cli/', 'src/import/', 'src/client/', ...ROOTS)(edge.to) || FASTIFY.test(edge.to),
  },
  {
    name: 'http/ imports neither cli/, import/, client/ nor the roots',
    from: under('src/http/'),
    refuses: (edge) => under('src/cli/', 'src/import/', 'src/client/', ...ROOTS)(edge.to),
  },
  {
    name: 'import/ imports neither cli/, http/, client/ nor the roots',
    from: under('src/import/'),
    refuses: (edge) => under('src/cli/', 'src/http/', 'src/client/', ...ROOTS)(edge.to),
  },
  {
    name: 'client/ imports nothing of the server but the wire types of types.ts, type-only',
    from: under('src/client/'),
    refuses: (edge) =>
      ours(edge) && !under('src/client/')(edge.to) && !(edge.typeOnly && (CLIENT_TYPE_IMPORTS[edge.from] ?? []).includes(edge.to)),
  },
]

const describeEdge = (edge: Edge) => `${edge.from} -> ${edge.to}${edge.typeOnly ? ' (type-only)' : ''}`

describe('the import graph of src/', () => {
  it('is read from every source file, and every relative import names a file that exists', (t) => {
    t.diagnostic(`${FILES.length} files, ${EDGES.length} imports, ${OURS.length} of them between our own files`)
    // A parser that found nothing would pass every rule below.
    assert.ok(FILES.length > 100 && OURS.length > 200, `only ${FILES.length} files and ${OURS.length} imports of ours were found`)
    assert.ok(FILES.includes('src/services/password-worker.js'), 'the plain JavaScript sources are read too')
    assert.ok(OURS.some((edge) => edge.from === 'src/storage/connect.ts' && edge.to === 'src/storage/dialects/postgres.ts'), 'dynamic import() is read')
    assert.ok(OURS.some((edge) => edge.typeOnly), 'type-only imports are read')
    const unresolved = EDGES.filter((edge) => edge.unresolved)
    assert.deepEqual(unresolved.map(describeEdge), [], 'these imports name no file')
  })

  it('has no circle (type-only imports included)', () => {
    const found = cycles()
    const typeOnly = (from: string, to: string) => OURS.filter((edge) => edge.from === from && edge.to === to).every((edge) => edge.typeOnly)
    const show = (cycle: string[]) => cycle.map((file, i) => (i === 0 ? `  ${file}` : `    -> ${file}${typeOnly(cycle[i - 1]!, file) ? ' (type-only)' : ''}`)).join('\n')
    assert.equal(found.length, 0, `${found.length} import circle(s):\n${found.map(show).join('\n')}`)
  })

  for (const rule of RULES) {
    it(rule.name, () => {
      const broken = EDGES.filter((edge) => rule.from(edge.from) && rule.refuses(edge))
      assert.ok(FILES.some(rule.from), `no file is under this rule: ${rule.name}`)
      assert.deepEqual(broken.map(describeEdge), [], `imports against "${rule.name}"`)
    })
  }
})
