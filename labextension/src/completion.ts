/**
 * Completion in `%%flink_sql` cells: the kernel's items only, in the kernel's order.
 *
 * JupyterLab merges the items of every applicable completion provider: the kernel's
 * (rank 550), then the words of the editor's own text (the context provider, 500), and
 * its completer model sorts the merged list by how well each item matches the typed
 * text, then alphabetically. In a `%%flink_sql` cell the kernel knows the SQL (the live
 * catalog's tables and columns, keywords, ranked for the cursor's place), so this
 * provider (rank 1000: asked and listed first) asks the kernel itself and marks its
 * items, and its completer model shows only those, in the kernel's order. Other cells
 * keep JupyterLab's own completion. docs/labextension.md says why it is done this way.
 */
import { CompleterModel } from '@jupyterlab/completer';
import type {
  CompletionHandler,
  ICompletionContext,
  ICompletionProvider
} from '@jupyterlab/completer';
import type { CodeEditor } from '@jupyterlab/codeeditor';

import { isFlinkSql } from './cells';

/** An item the kernel offered in a `%%flink_sql` cell. */
interface IFlinkSqlItem extends CompletionHandler.ICompletionItem {
  flinkSql: true;
}

/** IPython's types for its matches (the reply's `_jupyter_types_experimental`). */
interface IKernelType {
  text?: string;
  type?: string;
}

function inFlinkSql(editor: CodeEditor.IEditor | null | undefined): boolean {
  return !!editor && !editor.isDisposed && isFlinkSql(editor.model.sharedModel.getSource());
}

function key(item: CompletionHandler.ICompletionItem): string {
  return item.insertText ?? item.label; // a filtered item's label carries <mark> tags
}

export class FlinkSqlCompleter implements ICompletionProvider<IFlinkSqlItem> {
  readonly identifier = 'flink-notebook-sql:completer';
  readonly rank = 1000; // JupyterLab's own are about 500: above them, as its docs advise
  readonly renderer = null; // JupyterLab's

  async isApplicable(context: ICompletionContext): Promise<boolean> {
    return !!context.session?.kernel && inFlinkSql(context.editor);
  }

  async fetch(
    request: CompletionHandler.IRequest,
    context: ICompletionContext
  ): Promise<CompletionHandler.ICompletionItemsReply<IFlinkSqlItem>> {
    const kernel = context.session?.kernel;
    if (!kernel) {
      throw new Error('No kernel for completion request.');
    }
    const reply = (await kernel.requestComplete({ code: request.text, cursor_pos: request.offset }))
      .content;
    if (reply.status !== 'ok') {
      throw new Error('The kernel did not complete.');
    }
    const types = reply.metadata?._jupyter_types_experimental as IKernelType[] | undefined;
    const items = reply.matches.map((label, index): IFlinkSqlItem => {
      const typed = types?.[index];
      return typed
        ? { label, type: typed.type, insertText: typed.text, flinkSql: true }
        : { label, flinkSql: true };
    });
    return { start: reply.cursor_start, end: reply.cursor_end, items };
  }

  /**
   * JupyterLab makes the completer model of a notebook (or console) with the first
   * active provider's factory, again whenever the active cell changes.
   */
  async modelFactory(context: ICompletionContext): Promise<CompleterModel> {
    return new FlinkSqlCompleterModel(context.editor);
  }
}

/**
 * JupyterLab's completer model, except in a `%%flink_sql` cell: there it keeps only the
 * kernel's items (no words of the editor's text), in the kernel's order also once the
 * list is filtered by what is typed (those that start with it first).
 */
export class FlinkSqlCompleterModel extends CompleterModel {
  private order = new Map<string, number>(); // empty outside %%flink_sql cells
  private filtered: CompletionHandler.ICompletionItems = [];
  private ranked: CompletionHandler.ICompletionItems = [];

  constructor(private readonly editor: CodeEditor.IEditor | null | undefined) {
    super();
  }

  setCompletionItems(items: CompletionHandler.ICompletionItems): void {
    const sql = inFlinkSql(this.editor);
    const kept = sql ? items.filter(item => (item as Partial<IFlinkSqlItem>).flinkSql) : items;
    this.order = new Map(sql ? kept.map((item, index) => [key(item), index]) : []);
    super.setCompletionItems(kept);
  }

  completionItems(): CompletionHandler.ICompletionItems {
    const items = super.completionItems();
    if (!this.query || !this.order.size) {
      return items;
    }
    // Filtered by a query, CompleterModel sorts by match score, then alphabetically; here
    // the items that start with the query come first, each group in the kernel's order.
    // It returns the same list until the query or the items change: sorted once per list.
    if (items !== this.filtered) {
      const typed = this.query.toLowerCase();
      const size = this.order.size;
      const rank = (item: CompletionHandler.ICompletionItem): number =>
        (key(item).toLowerCase().startsWith(typed) ? 0 : size + 1) +
        (this.order.get(key(item)) ?? size);
      this.filtered = items;
      this.ranked = [...items].sort((a, b) => rank(a) - rank(b));
    }
    return this.ranked;
  }
}
