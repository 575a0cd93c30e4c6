/**
 * `%flink_catalog`'s "insert" buttons: the kernel opens a comm to this target and sends
 * `{"text": "<qualified name>"}`; the name goes into a new code cell below the active one
 * (clicking a button in a cell's output makes that cell active).
 */
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { NotebookActions, type NotebookPanel } from '@jupyterlab/notebook';

export const INSERT_CELL_TARGET = 'flink-notebook-insert-cell';

export function insertCells(panel: NotebookPanel): void {
  const register = (kernel: Kernel.IKernelConnection | null | undefined): void => {
    if (!kernel || kernel.isDisposed) {
      return;
    }
    kernel.registerCommTarget(INSERT_CELL_TARGET, comm => {
      comm.onMsg = (message: KernelMessage.ICommMsgMsg) => {
        const text = (message.content.data as { text?: unknown }).text;
        if (typeof text !== 'string' || panel.isDisposed) {
          return;
        }
        NotebookActions.insertBelow(panel.content);
        panel.content.activeCell?.model.sharedModel.setSource(text);
        panel.content.activeCell?.editor?.focus();
      };
    });
  };
  register(panel.sessionContext.session?.kernel);
  panel.sessionContext.kernelChanged.connect((_, change) => register(change.newValue));
}
