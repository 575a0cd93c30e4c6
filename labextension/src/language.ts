/**
 * The editor language of a `%%flink_sql` cell: its first line (the cell magic with its
 * options) is one meta token, the lines below are Flink SQL. The SQL parser is mounted
 * on the rest of the cell (Lezer's mixed parsing, as Markdown mounts code blocks), so
 * what the options hold (`-D 'k=v'`, `--timeout 5`) cannot open a string or a comment
 * that spills into the SQL.
 */
import {
  HighlightStyle,
  Language,
  LanguageSupport,
  defineLanguageFacet,
  languageDataProp,
  syntaxHighlighting
} from '@codemirror/language';
import {
  Input,
  NodeType,
  Parser,
  PartialParse,
  Tree,
  TreeFragment,
  parseMixed
} from '@lezer/common';
import { styleTags, tags as t } from '@lezer/highlight';

import { FlinkSQL } from './dialect';

/** The editor mime type of `%%flink_sql` cells. */
export const FLINK_SQL_MIME = 'text/x-flink-sql';

const data = defineLanguageFacet({
  commentTokens: { line: '--', block: { open: '/*', close: '*/' } }
});
const cellNode = NodeType.define({
  id: 0,
  name: 'FlinkSqlCell',
  top: true,
  props: [[languageDataProp, data]]
});
const magicNode = NodeType.define({
  id: 1,
  name: 'CellMagic',
  props: [styleTags({ CellMagic: t.meta })]
});
const sqlNode = NodeType.define({ id: 2, name: 'FlinkSql' });

/** Where the cell magic line ends: `from` when the cell does not start with `%%`. */
function magicEnd(input: Input, from: number, to: number): number {
  let text = '';
  for (let pos = from; pos < to && !text.includes('\n'); pos = from + text.length) {
    text += input.read(pos, Math.min(to, pos + 1024));
  }
  const found = /^(?:[ \t]*\n)*%%[^\n]*/.exec(text);
  return found ? from + found[0].length : from;
}

/** Splits a cell into its magic line and its SQL, in one step (cells are short). */
class CellParse implements PartialParse {
  parsedPos: number;
  stoppedAt: number | null = null;

  constructor(
    private readonly input: Input,
    private readonly ranges: readonly { from: number; to: number }[]
  ) {
    this.parsedPos = ranges[0].from;
  }

  advance(): Tree {
    const from = this.ranges[0].from;
    const to = this.ranges[this.ranges.length - 1].to;
    const split = magicEnd(this.input, from, to);
    const children: Tree[] = [];
    const positions: number[] = [];
    if (split > from) {
      children.push(new Tree(magicNode, [], [], split - from));
      positions.push(0);
    }
    if (to > split) {
      children.push(new Tree(sqlNode, [], [], to - split));
      positions.push(split - from);
    }
    this.parsedPos = to;
    return new Tree(cellNode, children, positions, to - from);
  }

  stopAt(pos: number): void {
    this.stoppedAt = pos;
  }
}

class FlinkSqlCellParser extends Parser {
  private readonly mixed = parseMixed(node =>
    node.type === sqlNode ? { parser: FlinkSQL.language.parser } : null
  );

  createParse(
    input: Input,
    fragments: readonly TreeFragment[],
    ranges: readonly { from: number; to: number }[]
  ): PartialParse {
    return this.mixed(new CellParse(input, ranges), input, fragments, ranges);
  }
}

/**
 * JupyterLab's highlight style leaves SQL types, built-in functions and NULL plain;
 * these take the colours CodeMirror 5's SQL mode gave them, from JupyterLab's theme.
 */
const sqlExtras = HighlightStyle.define([
  { tag: t.typeName, color: 'var(--jp-mirror-editor-variable-2-color)' },
  { tag: t.standard(t.name), color: 'var(--jp-mirror-editor-builtin-color)' },
  { tag: t.null, color: 'var(--jp-mirror-editor-atom-color)' }
]);

const language = new Language(data, new FlinkSqlCellParser(), [], 'flink-sql');

/** The language support JupyterLab's editors load for {@link FLINK_SQL_MIME}. */
export const flinkSql = new LanguageSupport(language, [syntaxHighlighting(sqlExtras)]);
