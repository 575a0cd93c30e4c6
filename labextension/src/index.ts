/**
 * flink-notebook-sql: `%%flink_sql` cells are highlighted as Flink SQL in JupyterLab 4
 * and Notebook 7 (JupyterLab highlights every cell-magic body as Python otherwise);
 * `%flink_catalog`'s buttons put a table's name into a new cell (insert.ts); and
 * completion in a `%%flink_sql` cell offers the kernel's items only (completion.ts).
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { ICompletionProviderManager } from '@jupyterlab/completer';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { FlinkSqlCells } from './cells';
import { FlinkSqlCompleter } from './completion';
import { insertCells } from './insert';
import { FLINK_SQL_MIME, flinkSql } from './language';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'flink-notebook-sql:plugin',
  description: 'Highlights %%flink_sql cells as Flink SQL; inserts names from %flink_catalog.',
  autoStart: true,
  requires: [IEditorLanguageRegistry, INotebookTracker],
  activate: (
    _: JupyterFrontEnd,
    languages: IEditorLanguageRegistry,
    notebooks: INotebookTracker
  ): void => {
    languages.addLanguage({
      name: 'Flink SQL',
      displayName: 'Flink SQL',
      mime: FLINK_SQL_MIME,
      support: flinkSql
    });
    const follow = (panel: NotebookPanel): void => {
      new FlinkSqlCells(panel.content);
      insertCells(panel);
    };
    notebooks.forEach(follow);
    notebooks.widgetAdded.connect((_, panel) => follow(panel));
  }
};

const completion: JupyterFrontEndPlugin<void> = {
  id: 'flink-notebook-sql:completion',
  description: "Completion in %%flink_sql cells: the kernel's items, in the kernel's order.",
  autoStart: true,
  requires: [ICompletionProviderManager],
  activate: (_: JupyterFrontEnd, completers: ICompletionProviderManager): void => {
    // Registered while JupyterLab starts: it lists the providers once it has restored.
    completers.registerProvider(new FlinkSqlCompleter());
  }
};

export default [plugin, completion];
