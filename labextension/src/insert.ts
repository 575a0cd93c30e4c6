/**
 * `%flink_catalog`'s "insert" buttons: the kernel opens a comm to this target and sends
 * `{"text": "<the new cell's source>"}` (a `%%flink_sql` query of the table); it goes into a
 * new code cell below the active one (clicking a button in a cell's output makes that cell
 * active).
 */
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import type { NotebookPanel } from '@jupyterlab/notebook';

export const INSERT_CELL_TARGET = 'flink-notebook-insert-cell';

export function insertCells(panel: NotebookPanel): void {
  const register = (kernel: Kernel.IKernelConnection | null | undefined): void => {
    if (!kernel || kernel.isDisposed) {
      return;
    }
    kernel.registerCommTarget(INSERT_CELL_TARGET, comm => {
      comm.onMsg = (message: KernelMessage.ICommMsgMsg) => {
        const text = (message.content.data as { text?: unknown }).text;
        const notebook = panel.content;
        if (typeof text !== 'string' || panel.isDisposed || !notebook.model) {
          return;
        }
        // A code cell whatever the notebook's default cell type (NotebookActions.insertBelow
        // makes that one, which may be Markdown).
        const index = notebook.activeCell ? notebook.activeCellIndex + 1 : 0;
        notebook.model.sharedModel.insertCell(index, {
          cell_type: 'code',
          source: text,
          metadata: { trusted: true } // made by the user's click, as insertBelow's are
        });
        notebook.activeCellIndex = index;
        notebook.deselectAll();
        notebook.activeCell?.editor?.focus();
      };
    });
  };
  register(panel.sessionContext.session?.kernel);
  panel.sessionContext.kernelChanged.connect((_, change) => register(change.newValue));
}
