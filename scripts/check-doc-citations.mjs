#!/usr/bin/env node
// Checks that every section the source cites exists in the repository's copy of the cited document.
// `node scripts/check-doc-citations.mjs` scans the tracked *.ts, *.mjs and *.md files (not docs/
// itself, not dist/) for citations of the documents in docs/:
//
//   SCIENCE.md §2.7   SCIENCE §5.10   TFJS_INTERNALS §3   TFJS_INTERNALS.md §1   `docs/SCIENCE.md` §3
//   SCIENCE.md §2.2–2.3 (every section of the range)   SCIENCE.md §2.6, §5.10 / §3 and §5.7 / §3/§5.7
//   SCIENCE §5.13b (section 5.13, and an item "(b)" in it)   DESIGN.md, Backends (a heading)
//
// A citation may wrap onto the next comment line. A section resolves when docs/<NAME>.md has a
// heading (outside code fences) whose text starts with its number, as in `## 2. Algorithms`,
// `### 2.7 Implicit…` or `### §2.7 …`; a named heading resolves when a heading's text (after any
// number) starts with the name. A citation of an upper-case document name with no docs/<NAME>.md
// is an error too. Exit 1 lists every failure as `file:line: …`; exit 0 prints the count.
// `--list` also prints every citation checked.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = 'docs';
const SELF = 'scripts/check-doc-citations.mjs';

/** Upper-case words that precede a § without naming a document (paper venues). */
const NOT_DOCUMENTS = new Set([
  'ICML',
  'ICLR',
  'NEURIPS',
  'NIPS',
  'JMLR',
  'COLT',
  'AISTATS',
  'CVPR',
  'ARXIV',
]);

const NAME = String.raw`[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*`;
const NUMBER = String.raw`\d+(?:\.\d+)*`;
const SECTION = String.raw`§\s?(${NUMBER})([a-z])?(?:\s?[–-]\s?(${NUMBER}))?`;
/** `NAME[.md] §x`, with an optional `docs/` and closing backtick, and further `, §y` / `and §y` / `/§y`. */
const SECTION_CITATION = new RegExp(
  String.raw`(?<![\w/.-])(?:docs/)?(${NAME})(\.md)?\`?,?\s+((?:${SECTION})(?:\s*(?:,|;|/|and|or)?\s*${SECTION.replace(/\((?!\?)/g, '(?:')})*)`,
  'g',
);
/** `NAME.md, Heading`: a heading cited by its text (upper-case first letter), which follows the match. */
const HEADING_CITATION = new RegExp(String.raw`(?<![\w/.-])(?:docs/)?(${NAME})(\.md)?\`?,\s+(?=[A-Z])`, 'g');
const ONE_SECTION = new RegExp(SECTION, 'g');

function trackedFiles() {
  const out = execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.mjs', '*.md'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return out
    .split('\0')
    .filter(Boolean)
    .filter((f) => !f.startsWith(`${DOCS}/`) && !/(^|\/)(dist|node_modules)\//.test(f) && f !== SELF)
    .filter((f) => existsSync(join(ROOT, f)));
}

/** A document's headings: number (if any), text after the number, and the body up to the next heading. */
function parseDocument(path) {
  const lines = readFileSync(path, 'utf8').split('\n');
  const headings = [];
  let fence = null;
  lines.forEach((line, i) => {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === null) fence = f[1][0];
      else if (f[1][0] === fence) fence = null;
      return;
    }
    if (fence !== null) return;
    const h = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) return;
    const text = h[2].replace(/[*_`]/g, '');
    const n = new RegExp(String.raw`^§?\s?(${NUMBER})\.?(?=\s|$)\s*(.*)$`).exec(text);
    headings.push({ line: i, level: h[1].length, number: n ? n[1] : null, title: n ? n[2] : text });
  });
  return headings.map((h, k) => {
    const end = headings.slice(k + 1).find((o) => o.level <= h.level);
    return { ...h, body: lines.slice(h.line + 1, end ? end.line : lines.length).join('\n') };
  });
}

const documents = new Map();
function documentFor(name) {
  if (!documents.has(name)) {
    const path = join(ROOT, DOCS, `${name}.md`);
    documents.set(name, existsSync(path) ? parseDocument(path) : null);
  }
  return documents.get(name);
}

/** The sections a range `from–to` spans: `2.2–2.3` → 2.2, 2.3; `5.4–5` → 5.4, 5.5. */
function expandRange(from, to) {
  if (!to) return [from];
  const a = from.split('.');
  let b = to.split('.');
  if (b.length < a.length) b = [...a.slice(0, a.length - b.length), ...b];
  const prefix = a.slice(0, -1).join('.');
  if (prefix !== b.slice(0, -1).join('.') || +b.at(-1) < +a.at(-1) || +b.at(-1) - +a.at(-1) > 50) {
    return [from, b.join('.')];
  }
  const out = [];
  for (let k = +a.at(-1); k <= +b.at(-1); k++) out.push(prefix ? `${prefix}.${k}` : String(k));
  return out;
}

/** Strips a comment or quote prefix, for joining a citation that wraps onto the next line. */
const continuation = (line) => (line ?? '').replace(/^\s*(?:\/\/+|\/?\*+|#+|>)?\s*/, '');

const LIST = process.argv.includes('--list');
const IGNORED = new Set(['README', 'CHANGELOG', 'LICENSE', 'CONTRIBUTING', 'SECURITY', 'CODE_OF_CONDUCT']);
const errors = [];
let checked = 0;
const fail = (file, line, message) => errors.push(`${file}:${line}: ${message}`);
const note = (file, line, cited) => LIST && console.log(`${file}:${line}: ${cited}`);

for (const file of trackedFiles()) {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  lines.forEach((line, i) => {
    const text = `${line} ${continuation(lines[i + 1])}`;
    const at = i + 1;

    for (const m of text.matchAll(SECTION_CITATION)) {
      if (m.index >= line.length) continue; // starts on the next line: checked there
      const [, name, md, list] = m;
      if ((!md && NOT_DOCUMENTS.has(name)) || IGNORED.has(name)) continue;
      const shown = `${name}${md ?? ''}`;
      const doc = documentFor(name);
      for (const s of list.matchAll(ONE_SECTION)) {
        const [, from, item, to] = s;
        for (const number of expandRange(from, to)) {
          checked++;
          const cited = `${shown} §${number}${item && number === from ? item : ''}`;
          note(file, at, cited);
          if (doc === null) {
            fail(file, at, `cites ${cited}, no such document docs/${name}.md`);
            continue;
          }
          const heading = doc.find((h) => h.number === number);
          if (!heading) fail(file, at, `cites ${cited}, no such section in docs/${name}.md`);
          else if (item && number === from && !heading.body.includes(`(${item})`)) {
            fail(file, at, `cites ${cited}, section ${number} of docs/${name}.md has no item (${item})`);
          }
        }
      }
    }

    for (const m of text.matchAll(HEADING_CITATION)) {
      if (m.index >= line.length) continue;
      const [, name, md] = m;
      if (IGNORED.has(name) || (!md && !documentFor(name))) continue; // `NAME, Word` is prose unless NAME is a doc
      const rest = text.slice(m.index + m[0].length);
      const cited = /^[^),;:.\n`*]*/.exec(rest)[0].trim();
      const shown = `${name}${md ?? ''}`;
      const doc = documentFor(name);
      // The heading is the cited text, or the cited text begins with it ("Backends and …").
      const heading = doc?.find((h) => {
        const title = h.title.toLowerCase();
        const r = rest.toLowerCase();
        return (
          title.startsWith(cited.toLowerCase()) || (r.startsWith(title) && !/\w/.test(r[title.length] ?? ''))
        );
      });
      const title = heading ? heading.title : cited;
      checked++;
      note(file, at, `${shown}, ${title}`);
      if (doc === null) fail(file, at, `cites ${shown}, ${title}, no such document docs/${name}.md`);
      else if (!heading) fail(file, at, `cites ${shown}, ${title}, no such heading in docs/${name}.md`);
    }
  });
}

if (errors.length > 0) {
  console.error(errors.join('\n'));
  console.error(`doc citations: ${checked} checked, ${errors.length} do not resolve`);
  process.exit(1);
}
console.log(`doc citations: ${checked} checked, all resolve`);
