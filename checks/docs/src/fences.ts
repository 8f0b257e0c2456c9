/** A ```ts fenced block of a markdown file, as the snippet typecheck sees it. */
export interface TsBlock {
  /** 1-based line of the opening fence; the code's first line is `fenceLine + 1`. */
  readonly fenceLine: number;
  /** The fence's indentation (a block inside a list item), stripped from every code line. */
  readonly indent: number;
  readonly code: string;
  /**
   * The reason given by `<!-- snippet: no-check (reason) -->` above the fence, if any: on the
   * line directly above, or with blank lines between, as prettier formats markdown.
   */
  readonly noCheck?: string;
}

/** A marker that would not do what it says: no reason given, or not right above a ```ts fence. */
export interface MarkerProblem {
  readonly line: number;
  readonly message: string;
}

export interface Fences {
  readonly blocks: TsBlock[];
  readonly problems: MarkerProblem[];
}

const OPENING = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;
// Any HTML comment that starts like a marker: a typo in its form must not silently check nothing.
const MARKER_START = /^\s*<!--\s*snippet\s*:/;
const MARKER = /^\s*<!--\s*snippet:\s*no-check\s*\((.*)\)\s*-->\s*$/; // the reason may hold parentheses
const TS_LANGUAGES = new Set(['ts', 'typescript']);

/**
 * The ```ts blocks of a markdown text, with their lines. A line scanner is enough here: the
 * snippet check needs fences and their lines only, and the table lint (markdownlint) parses the
 * rest. A fence closes on a line of the same character, at least as long, and nothing else
 * (CommonMark); an unclosed fence runs to the end, as GitHub renders it.
 */
export function tsBlocks(markdown: string): Fences {
  const lines = markdown.split(/\r?\n/);
  const blocks: TsBlock[] = [];
  const problems: MarkerProblem[] = [];
  let marker: { line: number; text: string } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const open = OPENING.exec(lines[i]);
    if (!open) {
      if (lines[i].trim() === '') continue; // prettier puts a blank line between marker and fence
      if (marker) problems.push(stray(marker.line));
      marker = MARKER_START.test(lines[i]) ? { line: i + 1, text: lines[i] } : undefined;
      continue;
    }
    const [, indentText, fence, language] = open;
    const end = closingIndex(lines, i, fence);
    if (TS_LANGUAGES.has(language.toLowerCase())) {
      const noCheck = marker && markerReason(marker, problems);
      blocks.push({
        fenceLine: i + 1,
        indent: indentText.length,
        code: dedent(lines.slice(i + 1, end), indentText.length),
        ...(noCheck === undefined ? {} : { noCheck }),
      });
    } else if (marker) {
      problems.push(stray(marker.line));
    }
    marker = undefined;
    i = end; // the block's own lines are code, never fences or markers
  }
  if (marker) problems.push(stray(marker.line));
  return { blocks, problems };
}

/** The index of the line that closes the fence opened at `open` (or the end of the text). */
function closingIndex(lines: string[], open: number, fence: string): number {
  const close = new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`);
  let end = open + 1;
  while (end < lines.length && !close.test(lines[end])) end++;
  return end;
}

/** Strips the fence's indentation, as markdown does for a fenced block in a list item. */
function dedent(lines: string[], indent: number): string {
  return lines.map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length))).join('\n');
}

/** The reason of a well-formed marker; a malformed or reasonless one is a problem. */
function markerReason(marker: { line: number; text: string }, problems: MarkerProblem[]): string | undefined {
  const reason = MARKER.exec(marker.text)?.[1].trim();
  if (!reason) {
    problems.push({
      line: marker.line,
      message: 'a snippet marker reads <!-- snippet: no-check (reason) -->, and the reason is required',
    });
  }
  return reason || undefined;
}

function stray(line: number): MarkerProblem {
  return {
    line,
    message: 'a snippet marker belongs right above a ```ts fence, with nothing but blank lines between',
  };
}
