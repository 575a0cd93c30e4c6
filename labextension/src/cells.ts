/**
 * Which code cells of a notebook are Flink SQL: those whose source starts with
 * `%%flink_sql` or `%%flink_deploy` get the Flink SQL mime type, the others keep the
 * notebook's (Python).
 *
 * The notebook sets every code cell's mime type from the kernel's language (on open, on a
 * kernel change, on each new cell); a cell's own mimeTypeChanged puts Flink SQL back.
 */
import type { ICellModel } from '@jupyterlab/cells';
import type { CodeEditor } from '@jupyterlab/codeeditor';
import type { IObservableList } from '@jupyterlab/observables';
import type { Notebook } from '@jupyterlab/notebook';

import { FLINK_SQL_MIME } from './language';

const MAGIC = /^(?:[ \t]*\n)*%%flink_(?:sql|deploy)(?:\s|$)/; // blank lines first: IPython drops them

/** Whether a cell's source is Flink SQL: a `%%flink_sql` or `%%flink_deploy` cell. */
export function isFlinkSql(source: string): boolean {
  return MAGIC.test(source);
}

export class FlinkSqlCells {
  constructor(private readonly notebook: Notebook) {
    notebook.modelChanged.connect(this.watchModel, this);
    this.watchModel();
  }

  private watchModel(): void {
    const model = this.notebook.model;
    if (!model) {
      return;
    }
    model.cells.changed.connect(this.cellsChanged, this);
    for (const cell of model.cells) {
      this.watch(cell);
    }
  }

  private cellsChanged(_: unknown, change: IObservableList.IChangedArgs<ICellModel>): void {
    for (const cell of change.newValues) {
      this.watch(cell);
    }
  }

  private watch(cell: ICellModel): void {
    if (cell.type !== 'code') {
      return;
    }
    // Lumino connects a (slot, thisArg) pair once: a moved cell is not watched twice.
    cell.contentChanged.connect(this.apply, this);
    cell.mimeTypeChanged.connect(this.mimeTypeChanged, this);
    this.apply(cell);
  }

  private mimeTypeChanged(model: CodeEditor.IModel): void {
    this.apply(model as ICellModel); // the sender is the cell's own model
  }

  private apply(cell: ICellModel): void {
    if (cell.isDisposed) {
      return;
    }
    const wanted = isFlinkSql(cell.sharedModel.getSource())
      ? FLINK_SQL_MIME
      : cell.mimeType === FLINK_SQL_MIME
        ? this.notebook.codeMimetype
        : cell.mimeType;
    if (cell.mimeType !== wanted) {
      cell.mimeType = wanted;
    }
  }
}
