/**
 * Every document a comment cites is in the repository: `PROTOCOL.md §2.3.11` in a comment means the
 * heading `### 2.3.11 …` of docs/PROTOCOL.md. This test scans src, test, bench, examples, scripts
 * and README.md (and the cross-references inside docs/ itself) and fails, naming file and line, when
 * a cited document is missing from docs/ or a cited section has no heading there.
 *
 * What counts as a citation:
 * - a document name, `PROTOCOL`, `RX-NOTES`, `ARCHITECTURE`, `CLUSTER` or `NEST-NOTES`, with or
 *   without `.md` (a word of its own, so `PROTOCOL_VERSION` and `GET_CLUSTER_STATUS` are not);
 * - a section `§x.y.z`, or a range `§x.y–x.z` (both ends are checked). A `§` belongs to the
 *   document last cited *with a section* before it in the same file (`RX-NOTES §1.2, §1.3`); with
 *   none, to PROTOCOL.md (inside docs/X.md, to X.md itself).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '../..');
const DOCS = join(ROOT, 'docs');
const SCANNED = ['src', 'test', 'bench', 'examples', 'scripts', 'README.md'];
const EXTENSIONS = /\.(?:ts|mts|cts|js|mjs|cjs|md)$/;

/**
 * A document name (group 2 set when a `§` follows it), or a section sign with a number and an
 * optional range end (groups 3, 4).
 */
const CITATION =
  /(?<![\w-])(PROTOCOL|RX-NOTES|ARCHITECTURE|CLUSTER|NEST-NOTES)(?:\.md)?`?(?![\w-])(\s?(?=§))?|§\s?(\d+(?:\.\d+)*)(?:\s?[–-]\s?(\d+(?:\.\d+)*))?/g;

interface Citation {
  readonly line: number;
  readonly doc: string;
  /** Undefined when only the document is named. */
  readonly section: string | undefined;
}

/** The citations in `text`, each attributed to a document (see the header comment). */
function citations(text: string, defaultDoc = 'PROTOCOL'): Citation[] {
  const out: Citation[] = [];
  let current = defaultDoc;
  for (const m of text.matchAll(CITATION)) {
    const line = text.slice(0, m.index).split('\n').length;
    if (m[1] !== undefined) {
      // Only a document cited with a section claims the bare `§`s after it: "(see ARCHITECTURE.md)"
      // in a file that otherwise cites PROTOCOL.md by `§` alone does not.
      if (m[2] !== undefined) current = m[1];
      out.push({ line, doc: m[1], section: undefined });
      continue;
    }
    for (const section of [m[3], m[4]]) if (section !== undefined) out.push({ line, doc: current, section });
  }
  return out;
}

/** Section numbers of the headings of a markdown document: `### 2.3.11 Fetch` → `2.3.11`, `## 3. Errors` → `3`. */
function headings(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/gm)) out.add(m[1]!);
  return out;
}

/** One message per citation that does not resolve against `docs` (document name → its headings). */
function unresolved(file: string, text: string, docs: ReadonlyMap<string, Set<string>>, defaultDoc?: string): string[] {
  const problems: string[] = [];
  for (const c of citations(text, defaultDoc)) {
    const sections = docs.get(c.doc);
    const cited = c.section === undefined ? `${c.doc}.md` : `${c.doc}.md §${c.section}`;
    if (sections === undefined) problems.push(`${file}:${c.line} cites ${cited}, which is not in docs/`);
    else if (c.section !== undefined && !sections.has(c.section)) {
      problems.push(`${file}:${c.line} cites ${cited}, which has no heading in docs/${c.doc}.md`);
    }
  }
  return problems;
}

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return EXTENSIONS.test(path) ? [path] : [];
  return readdirSync(path, { withFileTypes: true }).flatMap((e) =>
    e.name === 'node_modules' ? [] : files(join(path, e.name)),
  );
}

function loadDocs(): Map<string, Set<string>> {
  const docs = new Map<string, Set<string>>();
  for (const name of readdirSync(DOCS)) {
    if (name.endsWith('.md')) docs.set(name.slice(0, -3), headings(readFileSync(join(DOCS, name), 'utf8')));
  }
  return docs;
}

describe('document references', () => {
  it('the scanner finds citations and reports broken ones (the test itself works)', () => {
    const docs = new Map([['PROTOCOL', new Set(['2', '2.3', '2.3.11', '2.3.12'])]]);
    const text = [
      'a (PROTOCOL.md §2.3.11) and §2.3.11–2.3.12, PROTOCOL_VERSION',
      'b (PROTOCOL §9.9), GET_CLUSTER_STATUS',
      'c (RX-NOTES §1.2) then §1.3, see ARCHITECTURE.md, §1.4; `docs/PROTOCOL.md` §2',
    ].join('\n');
    expect(
      citations(text)
        .filter((c) => c.section !== undefined)
        .map((c) => `${c.line} ${c.doc} ${c.section}`),
    ).toEqual([
      '1 PROTOCOL 2.3.11',
      '1 PROTOCOL 2.3.11',
      '1 PROTOCOL 2.3.12',
      '2 PROTOCOL 9.9',
      '3 RX-NOTES 1.2',
      '3 RX-NOTES 1.3',
      '3 RX-NOTES 1.4',
      '3 PROTOCOL 2',
    ]);
    expect(unresolved('x.ts', text, docs)).toEqual([
      'x.ts:2 cites PROTOCOL.md §9.9, which has no heading in docs/PROTOCOL.md',
      'x.ts:3 cites RX-NOTES.md, which is not in docs/',
      'x.ts:3 cites RX-NOTES.md §1.2, which is not in docs/',
      'x.ts:3 cites RX-NOTES.md §1.3, which is not in docs/',
      'x.ts:3 cites ARCHITECTURE.md, which is not in docs/',
      'x.ts:3 cites RX-NOTES.md §1.4, which is not in docs/',
    ]);
    expect([...headings('# Title\n## 0. Short\n### 2.3.11 Fetch (0x10)\n#### 10.9 Offsets\ntext 3.1 here\n')]).toEqual([
      '0',
      '2.3.11',
      '10.9',
    ]);
  });

  it('every cited document and section resolves in docs/', () => {
    const docs = loadDocs();
    // Not this file: its self-test cites sections that do not exist, on purpose.
    const scanned = SCANNED.flatMap((p) => files(join(ROOT, p))).filter((f) => f !== __filename);
    const all = scanned.flatMap((f) => citations(readFileSync(f, 'utf8')));
    // Guard against a scanner that silently finds nothing.
    expect(scanned.length).toBeGreaterThan(100);
    expect(all.filter((c) => c.section !== undefined).length).toBeGreaterThan(200);

    const problems = scanned.flatMap((f) => unresolved(relative(ROOT, f), readFileSync(f, 'utf8'), docs));
    // Inside docs/X.md a bare § cites X.md itself.
    for (const [name] of docs) {
      const file = join(DOCS, `${name}.md`);
      problems.push(...unresolved(relative(ROOT, file), readFileSync(file, 'utf8'), docs, name));
    }
    expect(problems).toEqual([]);
  });
});
