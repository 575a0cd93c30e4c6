/**
 * flink-notebook-sql: `%%flink_sql` cells are highlighted as Flink SQL in JupyterLab 4
 * and Notebook 7 (JupyterLab highlights every cell-magic body as Python otherwise); and
 * `%flink_catalog`'s buttons put a table's name into a new cell (insert.ts).
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { FlinkSqlCells } from './cells';
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

export default plugin;
